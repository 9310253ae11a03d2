package io.chatbridge.dingtalk.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.dingtalk.inbound.CallbackMessage;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives robot messages over DingTalk's Stream mode (protocol §6): an outgoing WebSocket, so the bridge needs no
 * public endpoint.
 *
 * <p>One connection at a time, kept alive with WebSocket pings; a lost connection is re-opened with a new ticket
 * after an exponential backoff with jitter (1 s doubling to 60 s, back to 1 s after a healthy minute), one attempt
 * at a time. A SYSTEM {@code disconnect} opens the replacement at once while the old connection still delivers
 * until the server closes it. Credentials the open call refuses (4xx) are reported once and retried every few
 * minutes.
 *
 * <p>A robot message's {@code data} is the body of an HTTP-mode callback and goes through the same
 * {@link CallbackMessage#fromJson normalisation}; it is acknowledged with code 200 only once
 * {@link DriverContext#publishAsync} completed (recorded or a duplicate), and with 500 when the bridge could not
 * record it. The reader never waits for the store.
 */
public final class StreamClient implements StreamConnection.Events, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final Set<String> QUIET_SYSTEM_TOPICS = Set.of("CONNECTED", "REGISTERED", "KEEPALIVE");
    /**
     * Connection attempts scheduled ({@code chatbridge_driver_stream_reconnects_total}; the connection state itself
     * is {@code chatbridge_instance_up} from the health reports), by {@code reason}: {@code connect_failed} (the
     * open call or the upgrade), {@code credentials_refused}, {@code connection_lost}, {@code server_disconnect}.
     */
    static final String RECONNECTS_METRIC = "stream_reconnects";

    private final String id;
    private final DriverContext context;
    private final StreamSettings settings;
    private final StreamTimer timer;
    private final HttpClient http;
    private final GatewayOpener opener;
    private final Backoff backoff;
    private final AtomicLong numbers = new AtomicLong();
    private final AtomicInteger openCalls = new AtomicInteger();
    private final AtomicLong ignoredFrames = new AtomicLong();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    // guarded by this
    private boolean running;
    private boolean attempting;
    private StreamTimer.Scheduled retry;
    private StreamConnection current;
    private final Set<StreamConnection> connections = new LinkedHashSet<>();
    private Instant downSince;
    private boolean everConnected;
    private String reportedRefusal;
    /** The connection the server asked to go, while its replacement is being opened; else 0. */
    private long replacing;
    private volatile DriverHealth health;

    StreamClient(DriverContext context, StreamSettings settings, StreamTimer timer, HttpClient http,
                 DoubleSupplier random) {
        this.id = context.instanceId();
        this.context = context;
        this.settings = settings;
        this.timer = timer;
        this.http = http;
        this.opener = new GatewayOpener(http, settings.apiEndpoint(), settings.clientId(), settings.clientSecret(),
                settings.openTimeout());
        this.backoff = new Backoff(random);
    }

    /** A client on the context's scheduler and clock; call {@link #start()}. */
    public static StreamClient create(DriverContext context, StreamSettings settings) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(settings.openTimeout()).build();
        return new StreamClient(context, settings, StreamTimer.of(context.scheduler(), context.clock()), http,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** Starts connecting in the background; returns at once. */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("already started");
        }
        running = true;
        downSince = timer.now();
        // every health change is logged by the bridge (DriverContext.reportHealth), with what is said here
        health = DriverHealth.reconnecting("Stream mode: connecting through " + opener.url()
                + " (no public endpoint needed)", downSince);
        context.reportHealth(health);
        retry = timer.schedule(Duration.ZERO, this::attempt);
    }

    /** The latest health reported. */
    public DriverHealth health() {
        return health;
    }

    /** Open calls made so far. */
    public int openCalls() {
        return openCalls.get();
    }

    /** Frames ignored so far (malformed, unknown types, events, topics not subscribed). */
    public long ignoredFrames() {
        return ignoredFrames.get();
    }

    /** Whether a connection is up and receiving. */
    public synchronized boolean connected() {
        return current != null;
    }

    // ---- connecting ----

    private void attempt() {
        synchronized (this) {
            retry = null;
            if (!running || attempting) {
                return;
            }
            attempting = true;
        }
        openCalls.incrementAndGet();
        long number = numbers.incrementAndGet();
        CompletableFuture<StreamConnection> attempt;
        try {
            attempt = opener.open().thenCompose(ticket -> {
                // a one-use credential: masked like the configured secrets wherever it might appear
                context.secret(ticket.ticket());
                return connect(number, ticket);
            });
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete(this::attempted);
    }

    private CompletableFuture<StreamConnection> connect(long number, GatewayTicket ticket) {
        StreamConnection connection = new StreamConnection(number, ticket.endpoint(), this);
        return http.newWebSocketBuilder().connectTimeout(settings.openTimeout())
                .buildAsync(ticket.connectUri(), connection)
                .handle((socket, error) -> {
                    if (error != null) {
                        throw new CompletionException(upgradeFailure(ticket, error));
                    }
                    connection.opened(socket, timer.now());
                    return connection;
                });
    }

    private static OpenCallFailed upgradeFailure(GatewayTicket ticket, Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof WebSocketHandshakeException handshake) {
            return new OpenCallFailed("WebSocket upgrade at " + ticket.endpoint() + " refused with HTTP "
                    + handshake.getResponse().statusCode(), false);
        }
        // the ticket is a credential (one use, 90 s): never repeated, also if an exception quotes the URL
        String detail = StreamConnection.describe(cause).replace(ticket.ticket(), "***")
                .replace(ticket.connectUri().getRawQuery(), "ticket=***");
        return new OpenCallFailed("WebSocket connection to " + ticket.endpoint() + " failed: " + detail, false);
    }

    private void attempted(StreamConnection connection, Throwable error) {
        StreamConnection stray = null;
        synchronized (this) {
            attempting = false;
            if (!running) {
                stray = connection;
            } else if (error != null) {
                OpenCallFailed failure = unwrap(error);
                if (failure.credentialsRefused()) {
                    refused(failure.getMessage());
                } else {
                    retryAfterFailure(failure.getMessage(), "connect_failed");
                }
            } else if (connection.isClosed()) {
                retryAfterFailure("connection " + connection.number() + " " + connection.closeReason()
                        + " right after it opened", "connection_lost");
            } else {
                connected(connection);
            }
        }
        if (stray != null) {
            stray.close("bridge stopping", CLOSE_WAIT);
        }
    }

    private static OpenCallFailed unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof OpenCallFailed failed ? failed
                : new OpenCallFailed("connecting failed: " + StreamConnection.describe(cause), false);
    }

    /** Holding the lock. */
    private void connected(StreamConnection connection) {
        Instant now = timer.now();
        current = connection;
        connections.add(connection);
        int failures = backoff.failures();
        String detail = "Stream mode, " + connection.endpoint() + " (connection " + connection.number() + ")";
        if (replacing != 0 && downSince == null) {
            detail += ", replacing connection " + replacing + " after the server's disconnect";
        } else if (!everConnected) {
            detail += "; receiving robot messages";
        } else {
            detail += " after " + failures + " failed attempt(s), "
                    + seconds(Duration.between(downSince == null ? now : downSince, now)) + " without a connection";
        }
        if (reportedRefusal != null) {
            detail += "; the credentials are accepted now";
            reportedRefusal = null;
        }
        everConnected = true;
        replacing = 0;
        downSince = null;
        health = DriverHealth.connected(detail, now);
        context.reportHealth(health);
        scheduleKeepAlive(connection);
    }

    /** Holding the lock: one retry at a time, after the backoff's wait. */
    private void retryAfterFailure(String reason, String kind) {
        if (!running || retry != null || attempting) {
            return;
        }
        context.metrics().increment(RECONNECTS_METRIC, "reason", kind);
        Instant now = timer.now();
        if (downSince == null) {
            downSince = now;
        }
        Duration wait = backoff.next();
        health = DriverHealth.reconnecting(reason + "; next attempt in " + seconds(wait) + " (attempt "
                + (backoff.failures() + 1) + ")", downSince);
        context.reportHealth(health);
        retry = timer.schedule(wait, this::attempt);
    }

    /** Holding the lock: wrong credentials do not heal in a second; say so once, then try every few minutes. */
    private void refused(String reason) {
        if (retry != null) {
            return;
        }
        context.metrics().increment(RECONNECTS_METRIC, "reason", "credentials_refused");
        Duration wait = backoff.jittered(settings.refusedRetry().toMillis());
        if (reason.equals(reportedRefusal)) {
            LOG.debug("[{}] Stream mode: still refused: {}", id, reason);
        }
        reportedRefusal = reason;
        if (downSince == null) {
            downSince = timer.now();
        }
        String failed = reason + "; no robot messages arrive until this is fixed; trying again every "
                + seconds(settings.refusedRetry());
        if (health == null || health.state() != DriverHealth.State.FAILED || !health.reason().equals(failed)) {
            health = DriverHealth.failed(failed, downSince);
            context.reportHealth(health);
        }
        retry = timer.schedule(wait, this::attempt);
    }

    @Override
    public void onClosed(StreamConnection connection, String reason) {
        synchronized (this) {
            connections.remove(connection);
            if (!running) {
                return;
            }
            if (connection != current) {
                if (connection.draining()) {
                    LOG.info("[{}] Stream mode: connection {} {} after the server's disconnect", id,
                            connection.number(), reason);
                }
                return;
            }
            current = null;
            Instant now = timer.now();
            if (connection.openedAt() != null
                    && Duration.between(connection.openedAt(), now).compareTo(settings.healthyAfter()) >= 0) {
                backoff.reset();
            }
            downSince = now;
            retryAfterFailure("connection " + connection.number() + " " + reason, "connection_lost");
        }
    }

    private void scheduleKeepAlive(StreamConnection connection) {
        timer.schedule(settings.pingInterval(), () -> ping(connection));
    }

    private void ping(StreamConnection connection) {
        if (connection.isClosed() || !isRunning()) {
            return;
        }
        long pongs = connection.pongs();
        connection.ping("chatbridge").whenComplete((ignored, error) -> {
            if (error != null) {
                connection.abort("could not send a WebSocket ping: " + StreamConnection.describe(error));
            }
        });
        timer.schedule(settings.pongTimeout(), () -> {
            if (!connection.isClosed() && connection.pongs() == pongs) {
                connection.abort("answered no WebSocket ping within " + seconds(settings.pongTimeout())
                        + " (connection dead)");
            }
        });
        scheduleKeepAlive(connection);
    }

    private synchronized boolean isRunning() {
        return running;
    }

    // ---- frames ----

    @Override
    public void onFrame(StreamConnection connection, String text) {
        StreamFrame frame = StreamFrame.parse(text);
        if (frame == null) {
            ignored("malformed", "a frame that is not a JSON object with a type (" + text.length() + " characters)");
            return;
        }
        switch (frame.type()) {
            case StreamFrame.SYSTEM -> system(connection, frame);
            case StreamFrame.CALLBACK -> callback(connection, frame);
            case StreamFrame.EVENT -> ignored("event " + frame.topic(), "an EVENT frame (topic " + frame.topic()
                    + "): the bridge subscribes to robot messages only");
            default -> ignored("type " + frame.type(), "a frame of unknown type "
                    + frame.type().substring(0, Math.min(40, frame.type().length())));
        }
    }

    @Override
    public void onBinary(StreamConnection connection) {
        ignored("binary", "a binary frame (Stream mode frames are JSON text)");
    }

    private void system(StreamConnection connection, StreamFrame frame) {
        String topic = frame.topic();
        if (StreamFrame.PING.equals(topic)) {
            reply(connection, frame.pingReply(), "ping");
        } else if (StreamFrame.DISCONNECT.equals(topic)) {
            disconnect(connection, frame);
        } else if (QUIET_SYSTEM_TOPICS.contains(topic.toUpperCase(Locale.ROOT))) {
            LOG.debug("[{}] Stream mode: SYSTEM {} on connection {}", id, topic, connection.number());
        } else {
            ignored("system " + topic, "a SYSTEM frame with unknown topic " + topic);
        }
    }

    private void disconnect(StreamConnection connection, StreamFrame frame) {
        synchronized (this) {
            if (!running || connection != current || connection.draining()) {
                return;
            }
            connection.markDraining();
            current = null;
            replacing = connection.number();
            LOG.info("[{}] Stream mode: the server asked connection {} to go (disconnect{}); opening a new connection"
                    + " now, the old one delivers until the server closes it", id, connection.number(),
                    reason(frame.data()));
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
            context.metrics().increment(RECONNECTS_METRIC, "reason", "server_disconnect");
            timer.schedule(settings.drainLimit(), () -> {
                if (!connection.isClosed()) {
                    CompletableFuture.runAsync(() -> connection.close("kept open " + seconds(settings.drainLimit())
                            + " after disconnect", CLOSE_WAIT));
                }
            });
        }
        attempt();
    }

    private static String reason(String data) {
        try {
            JsonNode node = JSON.readTree(data);
            String reason = node == null ? "" : node.path("reason").asText("");
            return reason.isBlank() ? "" : ": " + reason.substring(0, Math.min(100, reason.length()));
        } catch (JsonProcessingException e) {
            return "";
        }
    }

    private void callback(StreamConnection connection, StreamFrame frame) {
        String messageId = frame.messageId();
        if (!StreamFrame.BOT_MESSAGE_TOPIC.equals(frame.topic())) {
            ignored("topic " + frame.topic(), "a CALLBACK for topic " + frame.topic() + ", which the bridge did not"
                    + " subscribe to");
            reply(connection, StreamFrame.error(messageId, 404, "topic not subscribed"), messageId);
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(frame.data());
        } catch (JsonProcessingException e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("msgtype").isTextual()) {
            ignored("not a robot message", "a robot-message frame whose data is not a DingTalk robot message (a "
                    + "JSON object with msgtype), messageId " + messageId);
            reply(connection, StreamFrame.error(messageId, 400, "data is not a robot message"), messageId);
            return;
        }
        // the same normalisation as an HTTP-mode callback body
        InboundMessage message = CallbackMessage.fromJson(body);
        if (message == null) {
            LOG.debug("[{}] ignored robot message msgtype={} msgId={}", id, body.path("msgtype").asText(""),
                    body.path("msgId").asText(""));
            reply(connection, StreamFrame.callbackAck(messageId), messageId);
            return;
        }
        CompletionStage<PublishResult> published;
        try {
            published = context.publishAsync(message);
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        published.whenComplete((result, error) -> {
            if (error == null) {
                if (!result.accepted()) {
                    LOG.debug("[{}] duplicate robot message msgId={} not routed again", id, message.id());
                }
                reply(connection, StreamFrame.callbackAck(messageId), messageId);
            } else {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                LOG.warn("[{}] could not record robot message msgId={}: {}; answered code 500 so it is not taken as"
                        + " delivered", id, message.id(), cause.getMessage());
                reply(connection, StreamFrame.error(messageId, 500, "bridge could not record the message"),
                        messageId);
            }
        });
    }

    private void reply(StreamConnection connection, String text, String what) {
        connection.send(text).whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.info("[{}] Stream mode: the answer to {} was not sent ({}); DingTalk may push it again, the "
                        + "bridge de-duplicates it", id, what, StreamConnection.describe(error));
            }
        });
    }

    /** Logs the first frame of each kind as a warning, later ones at debug; counts them all. */
    private void ignored(String kind, String what) {
        ignoredFrames.incrementAndGet();
        if (warned.add(kind)) {
            LOG.warn("[{}] Stream mode: ignored {}; further frames like it are logged at debug level only", id,
                    what);
        } else {
            LOG.debug("[{}] Stream mode: ignored {}", id, what);
        }
    }

    // ---- stopping ----

    /** Closes every connection cleanly (status 1000) and stops reconnecting. */
    @Override
    public void close() {
        List<StreamConnection> open;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
            open = new ArrayList<>(connections);
            connections.clear();
            current = null;
        }
        for (StreamConnection connection : open) {
            connection.close("bridge stopping", CLOSE_WAIT);
        }
        if (!open.isEmpty()) {
            LOG.info("[{}] Stream mode: connection closed", id);
        }
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
