package io.chatbridge.core.http;

import io.chatbridge.core.Readiness;
import io.chatbridge.spi.AsyncHttpHandler;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.HttpHandler;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.spi.RequestGuard;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's HTTP servers: one Javalin server per distinct configured port, shared by every instance naming that
 * port. Routes are collected first ({@link #routes(int)}), then {@link #start()} opens all ports at once; Javalin 7
 * wants every route known before a server starts, which also means no request reaches a half-started bridge.
 *
 * <p>No request parks a server thread: a route's {@link RequestGuard} checks the headers before any body byte is
 * read (a caller without credentials is answered at once), a declared {@code Content-Length} over
 * {@link #MAX_BODY_BYTES} is answered 413 at once, the body is read with Servlet non-blocking input (a thread is
 * used only while bytes are there to take) within {@link #BODY_TIMEOUT} in total, and an
 * {@link AsyncHttpHandler}'s answer is written when its stage completes ({@code ctx.future}). So slow or
 * silent clients hold a connection and a little memory each, never a thread, and a legitimate client keeps being
 * served next to a thousand of them.
 */
public final class HttpServers implements AutoCloseable {

    /** How long a client may take to send its whole body (not per byte); later, 408 and the connection closes. */
    public static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);

    /** How much of an oversized body is read and dropped so the 413 reaches the client. */
    private static final long DISCARD_LIMIT = 16L * 1024 * 1024;
    /** Largest request body accepted; larger bodies are answered with 413 before any handler runs. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(HttpServers.class);

    private final String host;
    private final Duration bodyTimeout;
    private final Map<Integer, PortRoutes> ports = new LinkedHashMap<>();
    private final Map<Integer, String> portSettings = new HashMap<>();
    private final Map<Integer, Javalin> servers = new ConcurrentHashMap<>();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-body-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean accepting = true;
    private volatile Supplier<Readiness> readiness = () -> Readiness.READY;

    /** @param host the address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1} */
    public HttpServers(String host) {
        this(host, BODY_TIMEOUT);
    }

    /**
     * @param host the address to bind
     * @param bodyTimeout how long a client may take to send a whole request body
     */
    public HttpServers(String host, Duration bodyTimeout) {
        this.host = host;
        this.bodyTimeout = bodyTimeout;
    }

    /**
     * Names the setting that configures {@code port} (e.g. {@code webhook.alerts.listen_port}), so that a port
     * that cannot be opened is reported on it. The first name given for a port is kept.
     */
    public synchronized void nameSetting(int port, String setting) {
        portSettings.putIfAbsent(port, setting);
    }

    /** The routes of the server on {@code port}, created on first use. Only before {@link #start()}. */
    public synchronized HttpRoutes routes(int port) {
        if (!servers.isEmpty()) {
            throw new IllegalStateException("routes must be added before the HTTP servers start");
        }
        return ports.computeIfAbsent(port, PortRoutes::new);
    }

    /** Whether any route or port was requested. */
    public synchronized boolean isEmpty() {
        return ports.isEmpty();
    }

    /** Opens every port. {@code /healthz} answers 503 until {@link #markReady()} and 200 afterwards. */
    public synchronized void start() {
        for (PortRoutes port : ports.values()) {
            Javalin app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.http.maxRequestSize = MAX_BODY_BYTES;
                config.routes.get("/healthz", ctx -> {
                    boolean ok = ready.get() && accepting;
                    ctx.status(ok ? 200 : 503).contentType("application/json")
                            .result(ok ? "{\"status\":\"ok\"}" : "{\"status\":\"starting\"}");
                });
                config.routes.get("/readyz", this::answerReadiness);
                for (Map.Entry<String, Route> route : port.handlers.entrySet()) {
                    int space = route.getKey().indexOf(' ');
                    String method = route.getKey().substring(0, space);
                    String path = route.getKey().substring(space + 1);
                    io.javalin.http.Handler handler = ctx -> dispatch(ctx, route.getValue());
                    switch (method) {
                        case "GET" -> config.routes.get(path, handler);
                        case "POST" -> config.routes.post(path, handler);
                        case "PUT" -> config.routes.put(path, handler);
                        case "PATCH" -> config.routes.patch(path, handler);
                        case "DELETE" -> config.routes.delete(path, handler);
                        default -> throw new IllegalArgumentException("unsupported method " + method);
                    }
                }
            });
            try {
                probe(port.port);
                app.start(host, port.port);
            } catch (IOException | RuntimeException e) {
                stop();
                String setting = portSettings.get(port.port);
                throw new IllegalStateException((setting == null ? "" : setting + ": ") + "cannot listen on "
                        + host + ":" + port.port + " (" + rootMessage(e) + ")", e);
            }
            servers.put(port.port, app);
            LOG.info("HTTP server listening on {}:{} ({})", host, app.port(),
                    port.handlers.isEmpty() ? "healthz only" : String.join(", ", port.handlers.keySet()));
        }
    }

    /**
     * Binds and releases {@code port} before Javalin tries, so that a taken port is reported as one line naming
     * its setting instead of Javalin logging "Failed to start Javalin" with a stack trace first.
     */
    private void probe(int port) throws IOException {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true); // as Jetty binds: a port in TIME_WAIT is free
            socket.bind(new java.net.InetSocketAddress(host, port));
        }
    }

    /** What {@code GET /readyz} answers on every port (200 when ready, 503 with the reason). Before start. */
    public void readiness(Supplier<Readiness> readiness) {
        this.readiness = readiness;
    }

    private void answerReadiness(Context ctx) {
        Readiness r = ready.get() && accepting ? readiness.get()
                : Readiness.notReady(ready.get() ? "the bridge is stopping" : "the bridge is starting");
        ctx.status(r.ready() ? 200 : 503).contentType("application/json").result(r.ready()
                ? "{\"status\":\"ready\"}"
                : "{\"status\":\"not ready\",\"reason\":" + jsonString(r.reason()) + "}");
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char ch : String.valueOf(s).toCharArray()) {
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        out.append(String.format("\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Makes {@code /healthz} answer 200. */
    public void markReady() {
        ready.set(true);
    }

    /** From now on, every request except {@code /healthz} is answered with 503 (used while shutting down). */
    public void stopAccepting() {
        accepting = false;
    }

    /** The actual port of the server configured with {@code configuredPort} (differs only for port 0). */
    public int boundPort(int configuredPort) {
        Javalin app = servers.get(configuredPort);
        if (app == null) {
            throw new IllegalArgumentException("no server for port " + configuredPort);
        }
        return app.port();
    }

    /** The configured ports with their actual ports. */
    public Map<Integer, Integer> boundPorts() {
        Map<Integer, Integer> out = new TreeMap<>();
        servers.forEach((configured, app) -> out.put(configured, app.port()));
        return out;
    }

    /** Closes every port. Idempotent. */
    public synchronized void stop() {
        timers.shutdownNow();
        for (Javalin app : servers.values()) {
            try {
                app.stop();
            } catch (RuntimeException e) {
                LOG.warn("error while stopping HTTP server on port {}: {}", app.port(), e.toString());
            }
        }
        servers.clear();
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Serves one request without parking the server thread: the guard sees the headers first, a declared body
     * over the limit is refused at once, the body is read with Servlet non-blocking input within
     * {@link #bodyTimeout}, and the handler's stage is answered when it completes (Javalin's {@code ctx.future}).
     */
    private void dispatch(Context ctx, Route route) {
        if (!accepting) {
            ctx.status(503).contentType("application/json").result("{\"error\":\"shutting down\"}");
            return;
        }
        Map<String, List<String>> headers = new TreeMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), Collections.list(ctx.req().getHeaders(name)));
        }
        String method = ctx.method().name();
        String path = ctx.path();
        Map<String, List<String>> query = ctx.queryParamMap();
        String peer = ctx.ip();
        long declared = ctx.req().getContentLengthLong();
        boolean chunked = declared < 0 && headers.containsKey("transfer-encoding");
        boolean hasBody = declared > 0 || chunked;
        if (route.guard != null) {
            HttpResponse refused;
            try {
                refused = route.guard.check(new HttpRequest(method, path, headers, query, new byte[0], peer));
            } catch (Exception e) {
                LOG.error("request guard for {} {} failed", method, path, e);
                refused = HttpResponse.error(500, "internal error");
            }
            if (refused != null) {
                answerEarly(ctx, refused, hasBody);
                return;
            }
        }
        if (declared > MAX_BODY_BYTES) {
            answerEarly(ctx, tooLarge(), true);
            return;
        }
        ctx.future(() -> {
            CompletableFuture<byte[]> body = hasBody ? readBody(ctx) : CompletableFuture.completedFuture(new byte[0]);
            return body.thenCompose(bytes -> {
                HttpRequest request = new HttpRequest(method, path, headers, query, bytes, peer);
                try {
                    return route.handler.handle(request).toCompletableFuture();
                } catch (Exception e) {
                    return CompletableFuture.<HttpResponse>failedFuture(e);
                }
            }).handle((response, failure) -> {
                write(ctx, response != null ? response : failureResponse(method, path, failure));
                return null;
            });
        });
    }

    /** The answer to a failed body read or handler stage; never a stack trace in the body. */
    private static HttpResponse failureResponse(String method, String path, Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BodyProblem problem) {
            return problem.response;
        }
        if (cause instanceof BridgeUnavailableException unavailable) {
            LOG.warn("{} {} answered 503: {}", method, path, unavailable.getMessage());
            HttpResponse error = HttpResponse.error(503, "bridge unavailable");
            return new HttpResponse(503, error.contentType(), error.body(), Map.of("Retry-After", "5"));
        }
        LOG.error("handler for {} {} failed", method, path, cause);
        return HttpResponse.error(500, "internal error");
    }

    private static void write(Context ctx, HttpResponse response) {
        ctx.status(response.status());
        response.headers().forEach(ctx::header);
        if (response.contentType() != null) {
            ctx.contentType(response.contentType());
        }
        ctx.result(response.body());
    }

    /**
     * Writes {@code response} at once, before any body byte is read. When the client announced a body, the
     * connection is closed after it: what the client still sends is read and dropped (at most
     * {@link #DISCARD_LIMIT}, at most {@link #bodyTimeout}) without a thread waiting, because closing a
     * connection with unread data makes the kernel reset it and the client would often lose the answer.
     */
    private void answerEarly(Context ctx, HttpResponse response, boolean hasBody) {
        if (!hasBody) {
            write(ctx, response);
            return;
        }
        ctx.future(() -> {
            HttpServletResponse res = ctx.res();
            res.setStatus(response.status());
            response.headers().forEach(res::setHeader);
            if (response.contentType() != null) {
                res.setContentType(response.contentType());
            }
            res.setHeader("Connection", "close");
            res.setContentLength(response.body().length);
            try {
                res.getOutputStream().write(response.body());
                res.flushBuffer();
            } catch (IOException e) {
                LOG.debug("could not write an early answer: {}", e.toString());
                return CompletableFuture.completedFuture(null);
            }
            return new BodyReader(ctx, DISCARD_LIMIT, true).start().handle((bytes, failure) -> null);
        });
    }

    /** Reads the body without blocking; fails with a {@link BodyProblem} (413, 408, 400) when it cannot. */
    private CompletableFuture<byte[]> readBody(Context ctx) {
        return new BodyReader(ctx, MAX_BODY_BYTES, false).start();
    }

    private static HttpResponse tooLarge() {
        HttpResponse error = HttpResponse.error(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        return new HttpResponse(413, error.contentType(), error.body(), Map.of("Connection", "close"));
    }

    /** A request body that could not be read, with the answer to give. */
    private static final class BodyProblem extends RuntimeException {
        private final transient HttpResponse response;

        BodyProblem(HttpResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    /**
     * Reads a request body with a {@link ReadListener}: bytes are taken as they arrive on whichever server thread
     * Jetty calls back on, and no thread waits between them. The whole read is bounded by {@link #bodyTimeout}
     * (not per byte). In discard mode the bytes are dropped and the stage completes when the body ended, the limit
     * was reached or the time ran out.
     */
    private final class BodyReader implements ReadListener {
        private final Context ctx;
        private final long limit;
        private final boolean discard;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[8192];
        private ServletInputStream in;
        private long total;
        private boolean overLimit;

        BodyReader(Context ctx, long limit, boolean discard) {
            this.ctx = ctx;
            this.limit = limit;
            this.discard = discard;
        }

        CompletableFuture<byte[]> start() {
            ScheduledFuture<?> timer = timers.schedule(() -> {
                if (result.completeExceptionally(new BodyProblem(overLimit ? tooLarge() : timedOut()))) {
                    ctx.res().setHeader("Connection", "close");
                }
            }, bodyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((bytes, failure) -> timer.cancel(false));
            try {
                in = ctx.req().getInputStream();
                in.setReadListener(this);
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
            return result;
        }

        @Override
        public void onDataAvailable() {
            try {
                while (!result.isDone() && in.isReady()) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return; // onAllDataRead follows
                    }
                    total += n;
                    if (!discard && !overLimit && total > limit) {
                        // keep reading (and dropping) so that the 413 reaches a client still sending
                        overLimit = true;
                        data.reset();
                        ctx.res().setHeader("Connection", "close");
                    }
                    if ((discard || overLimit) && total > DISCARD_LIMIT) {
                        finish();
                        return;
                    }
                    if (!discard && !overLimit) {
                        data.write(buffer, 0, n);
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        @Override
        public void onAllDataRead() {
            finish();
        }

        private void finish() {
            if (overLimit) {
                result.completeExceptionally(new BodyProblem(tooLarge()));
            } else {
                result.complete(discard ? null : data.toByteArray());
            }
        }

        @Override
        public void onError(Throwable t) {
            fail(t);
        }

        private void fail(Throwable t) {
            if (!overLimit) {
                LOG.debug("could not read a request body: {}", t.toString());
                result.completeExceptionally(new BodyProblem(
                        HttpResponse.error(400, "could not read request body")));
            }
        }

        private HttpResponse timedOut() {
            HttpResponse error = HttpResponse.error(408, "request body not received within "
                    + bodyTimeout.toSeconds() + " s");
            return new HttpResponse(408, error.contentType(), error.body(), Map.of("Connection", "close"));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** A route's guard (or {@code null}) and handler. */
    private record Route(RequestGuard guard, AsyncHttpHandler handler) {
    }

    private static final class PortRoutes implements HttpRoutes {
        private final int port;
        private final Map<String, Route> handlers = new LinkedHashMap<>();

        PortRoutes(int port) {
            this.port = port;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void route(String method, String path, HttpHandler handler) {
            add(method, path, null, handler);
        }

        @Override
        public void route(String method, String path, RequestGuard guard, HttpHandler handler) {
            add(method, path, guard, handler);
        }

        @Override
        public void routeAsync(String method, String path, AsyncHttpHandler handler) {
            add(method, path, null, handler);
        }

        @Override
        public void routeAsync(String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
            add(method, path, guard, handler);
        }

        private void add(String method, String path, RequestGuard guard, HttpHandler handler) {
            add(method, path, guard, (AsyncHttpHandler) request -> {
                try {
                    return CompletableFuture.completedFuture(handler.handle(request));
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            });
        }

        private synchronized void add(String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
            String m = method.toUpperCase(Locale.ROOT);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
            if (path.equals("/healthz") || path.equals("/readyz")) {
                throw new IllegalStateException(path + " is reserved by the bridge");
            }
            String key = m + " " + path;
            if (handlers.putIfAbsent(key, new Route(guard, handler)) != null) {
                throw new IllegalStateException(key + " on port " + port + " is already used by another instance");
            }
        }

        List<String> describe() {
            return new ArrayList<>(handlers.keySet());
        }
    }
}
