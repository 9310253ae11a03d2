package io.chatbridge.core.http;

import io.chatbridge.core.http.HttpServers.BodyProblem;
import io.chatbridge.core.http.HttpServers.Route;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the common request to a driver's route on Jetty's core API, in front of the servlet layer and Javalin: a
 * {@code POST}, {@code PUT}, {@code PATCH} or {@code DELETE} with a declared body within
 * {@link HttpServers#MAX_BODY_BYTES}, a plain path and no query string (a DingTalk callback, a webhook event). It
 * runs the same guard, handler and answers as {@link HttpServers}' servlet path, without the servlet request and
 * response wrappers, the asynchronous servlet context and Javalin's task pipeline, which cost about a tenth of the
 * server threads' time and of the answering thread's (BENCHMARKS.md, 2026-12-01, last).
 *
 * <p>Every other request goes on to Javalin untouched and is served there as before: the probes, requests without
 * a body, chunked and oversized bodies, query strings, paths with encoded or dot segments, requests no route takes
 * (404, 405), requests while the bridge stops (503), and a guard's refusal (passed on in the {@link #REFUSED}
 * attribute, so the guard runs once), whose early answer and drain of the rest of the body are the servlet path's.
 *
 * <p>No thread waits: the body is taken as it arrives ({@link Content.Source#demand}), on whichever server thread
 * Jetty calls back, within {@link HttpServers#bodyTimeout()} in total (later: 408 and the connection closes), and the
 * answer is written by the thread that completes the handler's stage.
 */
final class CoreRouteHandler extends Handler.Wrapper {

    /** Request attribute carrying a guard's refusal to the servlet path, which answers it. */
    static final String REFUSED = CoreRouteHandler.class.getName() + ".refused";

    private static final Logger LOG = LoggerFactory.getLogger(CoreRouteHandler.class);
    /** The body buffer a request starts with when its body is not all there at once. */
    private static final int INITIAL_BUFFER = 8192;

    private final HttpServers servers;
    private final int port;

    /**
     * @param servers the routes, guards and answers
     * @param port the configured port of the server this handler is part of
     */
    CoreRouteHandler(HttpServers servers, int port) {
        this.servers = servers;
        this.port = port;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Route route = eligibleRoute(request);
        if (route == null) {
            return super.handle(request, response, callback);
        }
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        Map<String, List<String>> headers = headers(request.getHeaders());
        String peer = Request.getRemoteAddr(request);
        if (route.guard() != null) {
            HttpResponse refused = HttpServers.guard(route,
                    new HttpRequest(method, path, headers, Map.of(), new byte[0], peer));
            if (refused != null) {
                request.setAttribute(REFUSED, refused);
                return super.handle(request, response, callback);
            }
        }
        new Exchange(route, method, path, headers, peer, request, response, callback).read();
        return true;
    }

    /** The route of a request this handler serves, or {@code null} to pass the request on to Javalin. */
    private Route eligibleRoute(Request request) {
        long declared = request.getLength();
        if (declared <= 0 || declared > HttpServers.MAX_BODY_BYTES || !servers.accepting()) {
            return null;
        }
        String method = request.getMethod();
        if (!method.equals("POST") && !method.equals("PUT") && !method.equals("PATCH") && !method.equals("DELETE")) {
            return null;
        }
        HttpURI uri = request.getHttpURI();
        String path = uri.getPath();
        if (uri.getQuery() != null || uri.hasViolations() || path == null || !path.equals(uri.getCanonicalPath())) {
            return null;
        }
        return servers.route(port, method, path);
    }

    /** The headers by lower-case name, each with its values in arrival order, as the servlet path gives them. */
    static Map<String, List<String>> headers(HttpFields fields) {
        Map<String, List<String>> out = new HashMap<>(fields.size() * 2);
        for (HttpField field : fields) {
            String name = field.getLowerCaseName();
            String value = field.getValue() == null ? "" : field.getValue();
            List<String> values = out.get(name);
            if (values == null) {
                out.put(name, List.of(value));
            } else {
                List<String> more = new ArrayList<>(values);
                more.add(value);
                out.put(name, List.copyOf(more));
            }
        }
        return Map.copyOf(out);
    }

    /** Writes {@code answer} with its length and completes {@code callback} when it was sent. */
    static void write(Response response, HttpResponse answer, Callback callback) {
        try {
            response.setStatus(answer.status());
            HttpFields.Mutable headers = response.getHeaders();
            answer.headers().forEach(headers::put);
            if (answer.contentType() != null) {
                headers.put(HttpHeader.CONTENT_TYPE, answer.contentType());
            }
            headers.put(HttpHeader.CONTENT_LENGTH, answer.body().length);
            response.write(true, ByteBuffer.wrap(answer.body()), callback);
        } catch (RuntimeException e) {
            LOG.debug("could not write an answer: {}", e.toString());
            callback.failed(e);
        }
    }

    /**
     * One request being served: its body read into an array growing to the declared length as chunks arrive, then the
     * handler's stage, then the answer. The body read ends once, by whichever comes first: the last chunk, a read
     * failure (400) or the deadline (408).
     */
    private final class Exchange implements Runnable {
        private final Route route;
        private final String method;
        private final String path;
        private final Map<String, List<String>> headers;
        private final String peer;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final int declared;
        /** Grows with what arrives (a client declaring a megabyte and sending nothing holds 8 KiB), to declared. */
        private byte[] body;
        private final AtomicBoolean bodyEnded = new AtomicBoolean();
        private int filled;
        private ScheduledFuture<?> deadline;

        Exchange(Route route, String method, String path, Map<String, List<String>> headers, String peer,
                 Request request, Response response, Callback callback) {
            this.route = route;
            this.method = method;
            this.path = path;
            this.headers = headers;
            this.peer = peer;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.declared = (int) request.getLength();
            this.body = new byte[Math.min(declared, INITIAL_BUFFER)];
        }

        /** Takes what has arrived; when more is due, asks to be called again and arms the deadline once. */
        void read() {
            while (!bodyEnded.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    if (deadline == null) {
                        try {
                            deadline = servers.schedule(this::timedOut, servers.bodyTimeout());
                        } catch (RejectedExecutionException stopping) {
                            if (bodyEnded.compareAndSet(false, true)) {
                                answer(HttpServers.shuttingDown(), null);
                            }
                            return;
                        }
                    }
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    bodyFailed(chunk.getFailure());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                int n = bytes.remaining();
                boolean last = chunk.isLast();
                if (n > declared - filled) {
                    chunk.release();
                    bodyFailed(new IllegalStateException("more body than the declared length"));
                    return;
                }
                if (n > body.length - filled) {
                    body = Arrays.copyOf(body, (int) Math.min(declared, Math.max(2L * body.length, filled + n)));
                }
                bytes.get(body, filled, n);
                filled += n;
                chunk.release();
                if (last) {
                    if (filled < declared) {
                        bodyFailed(new IllegalStateException("body shorter than the declared length"));
                    } else if (bodyEnded.compareAndSet(false, true)) {
                        cancelDeadline();
                        handle();
                    }
                    return;
                }
            }
        }

        @Override
        public void run() {
            read();
        }

        private void handle() {
            CompletableFuture<HttpResponse> handled = HttpServers.handle(route,
                    new HttpRequest(method, path, headers, Map.of(), body, peer));
            // Answered on the thread that completes the stage: for a durable publish, the outbox committer right
            // after its commit (see HttpServers.dispatch for why not on a server thread).
            handled.whenComplete(this::answer);
        }

        private void answer(HttpResponse answer, Throwable failure) {
            write(response, servers.answer(route, method, path, Request.getLocalPort(request), peer, answer, failure),
                    callback);
        }

        private void bodyFailed(Throwable failure) {
            if (bodyEnded.compareAndSet(false, true)) {
                cancelDeadline();
                LOG.debug("could not read a request body: {}", failure.toString());
                answer(null, new BodyProblem(HttpResponse.error(400, "could not read request body")));
            }
        }

        private void timedOut() {
            if (bodyEnded.compareAndSet(false, true)) {
                answer(null, new BodyProblem(HttpServers.timedOut(servers.bodyTimeout())));
            }
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }
}
