package io.chatbridge.dingtalk.stream;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebSocket to the Stream gateway. Text frames are reassembled from their fragments and handed to the
 * {@link Events} one at a time; the handler must not block (it publishes asynchronously). Sends are queued, since
 * the JDK's WebSocket takes one outstanding send at a time, so an acknowledgement completing on a bridge thread
 * never collides with a ping reply sent from the reader.
 */
final class StreamConnection implements WebSocket.Listener {

    /** What the connection reports to its {@link StreamClient}. */
    interface Events {
        void onFrame(StreamConnection connection, String text);

        void onBinary(StreamConnection connection);

        /** Called once, however the connection ended. */
        void onClosed(StreamConnection connection, String reason);
    }

    private final long number;
    private final URI endpoint;
    private final Events events;
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final AtomicLong pongs = new AtomicLong();
    private final Object sendLock = new Object();
    private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);
    private volatile WebSocket socket;
    private volatile Instant openedAt;
    private volatile boolean draining;
    private volatile String closeReason;

    /** @param endpoint the endpoint without its ticket, for log lines */
    StreamConnection(long number, URI endpoint, Events events) {
        this.number = number;
        this.endpoint = endpoint;
        this.events = events;
    }

    long number() {
        return number;
    }

    URI endpoint() {
        return endpoint;
    }

    Instant openedAt() {
        return openedAt;
    }

    void opened(WebSocket socket, Instant at) {
        this.socket = socket;
        this.openedAt = at;
    }

    /** Why it ended, once it did; else {@code null}. */
    String closeReason() {
        return closeReason;
    }

    /** Whether the server asked this connection to go ({@code disconnect}); a replacement is being opened. */
    boolean draining() {
        return draining;
    }

    void markDraining() {
        draining = true;
    }

    boolean isClosed() {
        return closed.get();
    }

    long pongs() {
        return pongs.get();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        // frames may arrive before buildAsync completes: acknowledgements need the socket from the start
        this.socket = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                events.onFrame(this, text);
            } finally {
                webSocket.request(1);
            }
        } else {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (last) {
            events.onBinary(this);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        pongs.incrementAndGet();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        // the JDK answers the ping with a pong itself
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        ended("closed by the server (" + statusCode + (reason == null || reason.isBlank() ? "" : " " + reason) + ")");
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ended("connection failed: " + describe(error));
    }

    private void ended(String reason) {
        if (closed.compareAndSet(false, true)) {
            String cut = partial.isEmpty() ? "" : " in the middle of a frame (" + partial.length()
                    + " characters discarded)";
            partial.setLength(0);
            closeReason = reason + cut;
            try {
                events.onClosed(this, reason + cut);
            } finally {
                ended.complete(null);
            }
        }
    }

    /** Queues a text frame; completes when it was written, exceptionally when the socket is gone. */
    CompletableFuture<?> send(String text) {
        WebSocket ws = socket;
        if (ws == null || closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection " + number + " is closed"));
        }
        synchronized (sendLock) {
            CompletableFuture<?> next = sends.handle((ignored, error) -> null)
                    .thenCompose(ignored -> ws.sendText(text, true));
            sends = next;
            return next;
        }
    }

    /** Queues a WebSocket ping with {@code payload}. */
    CompletableFuture<?> ping(String payload) {
        WebSocket ws = socket;
        if (ws == null || closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection " + number + " is closed"));
        }
        synchronized (sendLock) {
            CompletableFuture<?> next = sends.handle((ignored, error) -> null)
                    .thenCompose(ignored -> ws.sendPing(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8))));
            sends = next;
            return next;
        }
    }

    /**
     * Closes cleanly (status 1000) after the queued sends, waiting at most {@code wait} for the server's closing
     * answer, then drops the socket.
     */
    void close(String reason, Duration wait) {
        WebSocket ws = socket;
        if (ws == null) {
            ended(reason);
            return;
        }
        CompletableFuture<?> closing;
        synchronized (sendLock) {
            closing = sends.handle((ignored, error) -> null)
                    .thenCompose(ignored -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bridge stopping"));
            sends = closing;
        }
        try {
            closing.thenCompose(ignored -> ended).get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // the socket is dropped below either way
        }
        ended(reason);
        ws.abort();
    }

    /** Drops the socket at once (a dead connection), reporting {@code reason}. */
    void abort(String reason) {
        ended(reason);
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    static String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    @Override
    public String toString() {
        return "connection " + number + " to " + endpoint;
    }
}
