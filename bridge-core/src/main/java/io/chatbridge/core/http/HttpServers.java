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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
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
 *
 * <p>The common request to a route (a POST with its declared body, such as a callback) is served by
 * {@link CoreRouteHandler} on Jetty's core API in front of Javalin, with the same guard, handler and answers;
 * everything else is served by Javalin through {@link #dispatch}.
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
    private final boolean coreRoutes;
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");

    /** Routes per configured port; replaced whole by a reload ({@link Staging#commit()}), read per request. */
    private volatile Map<Integer, PortRoutes> ports = new LinkedHashMap<>();
    private final Map<Integer, String> portSettings = new HashMap<>();
    private final Map<Integer, Javalin> servers = new ConcurrentHashMap<>();
    private final AtomicBoolean ready = new AtomicBoolean();
    /**
     * Body read deadlines, one per request being read. Cancelled deadlines leave the queue at once (removal on
     * cancel): most requests are read within a millisecond, and a queue holding every request of the last
     * {@link #bodyTimeout} would keep each one's context alive that long.
     */
    private final ScheduledExecutorService timers = bodyTimers();

    private static ScheduledExecutorService bodyTimers() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "http-body-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
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
        this(host, bodyTimeout, true);
    }

    /**
     * @param host the address to bind
     * @param bodyTimeout how long a client may take to send a whole request body
     * @param coreRoutes whether the common POST to a route is served by {@link CoreRouteHandler} in front of the
     *     servlet layer (always, but for tests that compare both paths)
     */
    HttpServers(String host, Duration bodyTimeout, boolean coreRoutes) {
        this.host = host;
        this.bodyTimeout = bodyTimeout;
        this.coreRoutes = coreRoutes;
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
        return routes(port, null);
    }

    /**
     * The routes {@code owner} (an instance id) registers on {@code port}, created on first use. Only before
     * {@link #start()}; a running bridge changes routes through {@link #stage}.
     */
    public synchronized HttpRoutes routes(int port, String owner) {
        if (!servers.isEmpty()) {
            throw new IllegalStateException("routes must be added before the HTTP servers start");
        }
        return ports.computeIfAbsent(port, p -> new PortRoutes(p, null)).ownedBy(owner);
    }

    /** Whether any route or port was requested. */
    public synchronized boolean isEmpty() {
        return ports.isEmpty();
    }

    /** Opens every port. {@code /healthz} answers 503 until {@link #markReady()} and 200 afterwards. */
    public synchronized void start() {
        try {
            for (PortRoutes port : ports.values()) {
                openServer(port, portSettings);
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Opens the server of {@code port}. Its routes are looked up per request in {@link #ports}, so that a
     * reload can swap them while the server runs: Javalin 7 fixes its own routes when a server is created, so
     * every method's {@code /*} route dispatches through this table.
     */
    private void openServer(PortRoutes port, Map<Integer, String> settings) {
        int configured = port.port;
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            if (coreRoutes) {
                // in front of Javalin's handlers, which Javalin attaches to the innermost wrapper at start
                config.jetty.modifyServer(server -> server.insertHandler(new CoreRouteHandler(this, configured)));
            }
            config.routes.get("/healthz", ctx -> {
                boolean ok = ready.get() && accepting;
                ctx.status(ok ? 200 : 503).contentType("application/json")
                        .result(ok ? "{\"status\":\"ok\"}" : "{\"status\":\"starting\"}");
            });
            config.routes.get("/readyz", this::answerReadiness);
            for (String method : METHODS) {
                io.javalin.http.Handler handler = ctx -> dispatch(ctx, configured, method);
                switch (method) {
                    case "GET" -> config.routes.get("/*", handler);
                    case "POST" -> config.routes.post("/*", handler);
                    case "PUT" -> config.routes.put("/*", handler);
                    case "PATCH" -> config.routes.patch("/*", handler);
                    default -> config.routes.delete("/*", handler);
                }
            }
        });
        try {
            probe(configured);
            app.start(host, configured);
        } catch (IOException | RuntimeException e) {
            String setting = settings.get(configured);
            throw new IllegalStateException((setting == null ? "" : setting + ": ") + "cannot listen on "
                    + host + ":" + configured + " (" + rootMessage(e) + ")", e);
        } finally {
            if (!app.jettyServer().server().isStarted()) {
                stopQuietly(app);
            }
        }
        servers.put(configured, app);
        LOG.info("HTTP server listening on {}:{} ({})", host, app.port(),
                port.handlers.isEmpty() ? "healthz only" : String.join(", ", port.handlers.keySet()));
    }

    private static void stopQuietly(Javalin app) {
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("error while stopping HTTP server on port {}: {}", app.port(), e.toString());
        }
    }

    /**
     * Prepares a change of routes while the servers run (a reload): a copy of today's routes without those of
     * {@code retiring} instances, to which restarted and added instances register theirs. Nothing changes for
     * requests until {@link Staging#commit()}.
     */
    public synchronized Staging stage(java.util.Set<String> retiring) {
        Map<Integer, PortRoutes> copy = new LinkedHashMap<>();
        for (PortRoutes port : ports.values()) {
            PortRoutes kept = new PortRoutes(port.port, null);
            port.handlers.forEach((key, route) -> {
                if (!retiring.contains(route.owner())) {
                    kept.handlers.put(key, route);
                }
            });
            copy.put(port.port, kept);
        }
        return new Staging(copy);
    }

    /** Route changes being prepared; see {@link #stage}. Used by one thread. */
    public final class Staging {
        private final Map<Integer, PortRoutes> next;
        private final Map<Integer, String> settings = new HashMap<>();
        private final List<Integer> opened = new ArrayList<>();

        private Staging(Map<Integer, PortRoutes> next) {
            this.next = next;
        }

        /** The routes {@code owner} registers on {@code port} (a new port is opened by {@link #open()}). */
        public HttpRoutes routes(int port, String owner) {
            return next.computeIfAbsent(port, p -> new PortRoutes(p, null)).ownedBy(owner);
        }

        /** Names the setting of a port, for the error when it cannot be opened. */
        public void nameSetting(int port, String setting) {
            settings.putIfAbsent(port, setting);
        }

        /**
         * Opens the ports that have routes now and no server yet.
         *
         * @throws IllegalStateException naming the setting when a port cannot be opened (nothing stays open)
         */
        public void open() {
            synchronized (HttpServers.this) {
                for (PortRoutes port : next.values()) {
                    if (!servers.containsKey(port.port) && !port.handlers.isEmpty()) {
                        try {
                            openServer(port, settings);
                        } catch (IllegalStateException e) {
                            abort();
                            throw e;
                        }
                        opened.add(port.port);
                    }
                }
            }
        }

        /** Closes the ports {@link #open()} opened; the running routes stay. */
        public void abort() {
            synchronized (HttpServers.this) {
                for (int port : opened) {
                    Javalin app = servers.remove(port);
                    if (app != null) {
                        stopQuietly(app);
                    }
                }
                opened.clear();
            }
        }

        /** Swaps the routes in at once; returns the ports left without routes (close them with {@link #close}). */
        public List<Integer> commit() {
            synchronized (HttpServers.this) {
                ports = next;
                List<Integer> unused = new ArrayList<>();
                for (int port : servers.keySet()) {
                    PortRoutes routes = next.get(port);
                    if (routes == null || routes.handlers.isEmpty()) {
                        unused.add(port);
                    }
                }
                unused.forEach(next::remove);
                return unused;
            }
        }
    }

    /** Closes the servers of {@code unused} ports (after a reload moved their routes away). */
    public synchronized void close(List<Integer> unused) {
        for (int port : unused) {
            Javalin app = servers.remove(port);
            if (app != null) {
                LOG.info("HTTP server on port {} closed: no instance uses it any more", port);
                stopQuietly(app);
            }
        }
    }

    /** Told the instance and status of every answer a route gave (metrics count the refusals). */
    public interface AnswerListener {
        /** {@code owner} (an instance id, or {@code null}) answered a request with {@code status}. */
        void answered(String owner, int status);
    }

    private volatile AnswerListener listener = (owner, status) -> { };

    /** Reports every answer to {@code listener} from now on. */
    public void onAnswer(AnswerListener listener) {
        this.listener = listener;
    }

    void answered(Route route, int status) {
        try {
            listener.answered(route.owner(), status);
        } catch (RuntimeException e) {
            LOG.debug("answer listener failed: {}", e.toString());
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
     * Most POSTs to a route never come here: {@link CoreRouteHandler} serves them in front of the servlet layer.
     */
    private void dispatch(Context ctx, int port, String routeMethod) {
        if (!accepting) {
            write(ctx, shuttingDown());
            return;
        }
        Route route = route(port, routeMethod, ctx.path());
        if (route == null) {
            write(ctx, noRoute(port, routeMethod, ctx.path()));
            return;
        }
        Map<String, List<String>> names = new HashMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            names.put(name.toLowerCase(Locale.ROOT), Collections.list(ctx.req().getHeaders(name)));
        }
        // immutable once, so the guard's and the handler's requests share them instead of copying them again
        Map<String, List<String>> headers = Map.copyOf(names);
        String method = ctx.method().name();
        String path = ctx.path();
        Map<String, List<String>> query = Map.copyOf(ctx.queryParamMap());
        String peer = ctx.ip();
        long declared = ctx.req().getContentLengthLong();
        boolean chunked = declared < 0 && headers.containsKey("transfer-encoding");
        boolean hasBody = declared > 0 || chunked;
        // a refusal the core handler already had from the guard (the guard runs once per request)
        HttpResponse refused = (HttpResponse) ctx.req().getAttribute(CoreRouteHandler.REFUSED);
        if (refused == null && route.guard != null) {
            refused = guard(route, new HttpRequest(method, path, headers, query, new byte[0], peer));
        }
        if (refused != null) {
            answered(route, refused.status());
            answerEarly(ctx, refused, hasBody);
            return;
        }
        if (declared > MAX_BODY_BYTES) {
            logTooLarge(method, path, ctx.req().getLocalPort(), peer);
            answered(route, 413);
            answerEarly(ctx, tooLarge(), true);
            return;
        }
        Function<byte[], CompletableFuture<HttpResponse>> handle =
                bytes -> handle(route, new HttpRequest(method, path, headers, query, bytes, peer));
        BiFunction<HttpResponse, Throwable, Void> answer = (response, failure) -> {
            write(ctx, answer(route, method, path, ctx.req().getLocalPort(), peer, response, failure));
            return null;
        };
        byte[] arrived = hasBody ? bodyIfArrived(ctx, declared) : new byte[0];
        CompletableFuture<HttpResponse> handledAtOnce = arrived == null ? null : handle.apply(arrived);
        if (handledAtOnce != null && handledAtOnce.isDone()) {
            handledAtOnce.handle(answer); // answered on this thread, no asynchronous request at all
            return;
        }
        ctx.future(() -> {
            CompletableFuture<HttpResponse> handled = handledAtOnce != null ? handledAtOnce
                    : readBody(ctx).thenCompose(handle);
            // Answered on the thread that completes the stage (for a durable publish: the outbox committer, right
            // after its commit). Handing each answer to a server thread instead was measured (BENCHMARKS.md,
            // 2026-12-01): one more thread wake-up per request costs more than the committer writing the answers.
            return handled.handle(answer);
        });
    }

    /** Whether requests other than {@code /healthz} and {@code /readyz} are served (false while stopping). */
    boolean accepting() {
        return accepting;
    }

    /** How long a client may take to send a whole request body. */
    Duration bodyTimeout() {
        return bodyTimeout;
    }

    /** Schedules a body read deadline; cancel it when the read ends. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The answer to every request but the probes while the bridge stops. */
    static HttpResponse shuttingDown() {
        return HttpResponse.error(503, "shutting down");
    }

    /** The route of the server configured with {@code port} for a request, or {@code null}. */
    Route route(int port, String method, String path) {
        PortRoutes routes = ports.get(port);
        return routes == null ? null : routes.find(method, path);
    }

    /** The answer to a request no route takes: 405 when the path has a route for another method, else 404. */
    HttpResponse noRoute(int port, String method, String path) {
        PortRoutes routes = ports.get(port);
        boolean otherMethod = routes != null && routes.hasPath(path);
        return HttpResponse.error(otherMethod ? 405 : 404,
                (otherMethod ? "method not allowed: " : "no route: ") + method + " " + path);
    }

    /** The route guard's refusal of a request (headers only), or {@code null}; a failing guard refuses with 500. */
    static HttpResponse guard(Route route, HttpRequest head) {
        if (route.guard == null) {
            return null;
        }
        try {
            return route.guard.check(head);
        } catch (Exception e) {
            LOG.error("request guard for {} {} failed", head.method(), head.path(), e);
            return HttpResponse.error(500, "internal error");
        }
    }

    /** The route handler's stage for a request; a handler that throws gives a failed stage. */
    static CompletableFuture<HttpResponse> handle(Route route, HttpRequest request) {
        try {
            return route.handler.handle(request).toCompletableFuture();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The answer to write for a handler's outcome (its response, or the failure of the body read or the handler),
     * reported to the answer listener.
     */
    HttpResponse answer(Route route, String method, String path, int localPort, String peer,
                        HttpResponse response, Throwable failure) {
        HttpResponse written = response != null ? response : failureResponse(method, path, failure);
        if (response == null && written.status() == 413) {
            logTooLarge(method, path, localPort, peer);
        }
        answered(route, written.status());
        return written;
    }

    /**
     * The body of a request whose declared length has all arrived with its head (the common case for a callback
     * or an event): read without waiting, so the request needs no asynchronous read. {@code null} when some of it
     * is still on its way (then it is read with a {@link BodyReader}), nothing having been consumed.
     */
    private static byte[] bodyIfArrived(Context ctx, long declared) {
        if (declared <= 0 || declared > MAX_BODY_BYTES) {
            return null;
        }
        try {
            ServletInputStream in = ctx.req().getInputStream();
            if (in.available() < declared) {
                return null;
            }
            byte[] body = new byte[(int) declared];
            int read = in.readNBytes(body, 0, body.length); // all in the chunk at hand: never waits
            return read == body.length ? body : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The answer to a failed body read or handler stage; never a stack trace in the body. */
    static HttpResponse failureResponse(String method, String path, Throwable failure) {
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

    /**
     * Writes {@code response} to the servlet response directly, with its length: Javalin would copy a result
     * through a stream and a fresh 32 KiB buffer per answer (measured with JFR: a quarter of the committer's time
     * when it answers a batch of callbacks).
     */
    private static void write(Context ctx, HttpResponse response) {
        HttpServletResponse res = ctx.res();
        head(res, response);
        byte[] body = response.body();
        res.setContentLength(body.length);
        if (body.length == 0) {
            return;
        }
        try {
            res.getOutputStream().write(body);
        } catch (IOException e) {
            LOG.debug("could not write an answer ({} {}): {}", ctx.method(), ctx.path(), e.toString());
        }
    }

    /** The status, headers and content type of {@code response}; the caller sets the length and writes the body. */
    private static void head(HttpServletResponse res, HttpResponse response) {
        res.setStatus(response.status());
        response.headers().forEach(res::setHeader);
        if (response.contentType() != null) {
            res.setContentType(response.contentType());
        }
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
            head(res, response);
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

    /** Per port and path: when an oversized body was last logged (nanoTime) and how many were not logged since. */
    private final Map<String, long[]> tooLargeLogged = new ConcurrentHashMap<>();

    /**
     * Logs a 413 at WARN (never the body) at most once a minute per port and path, with the sender's address and
     * how many were not logged since, so a sender whose notifications are too large is visible.
     */
    private void logTooLarge(String method, String path, int port, String peer) {
        String where = method + " " + path + " on port " + port;
        if (tooLargeLogged.size() > 1_000) {
            tooLargeLogged.clear();
        }
        long[] state = tooLargeLogged.computeIfAbsent(where,
                k -> new long[] {System.nanoTime() - TimeUnit.MINUTES.toNanos(2), 0});
        long suppressed = -1;
        synchronized (state) {
            long now = System.nanoTime();
            if (now - state[0] >= TimeUnit.MINUTES.toNanos(1)) {
                state[0] = now;
                suppressed = state[1];
                state[1] = 0;
            } else {
                state[1]++;
            }
        }
        if (suppressed >= 0) {
            LOG.warn("{}: refused a request from {} with 413: request body larger than {} bytes{}", where, peer,
                    MAX_BODY_BYTES, suppressed == 0 ? "" : " (" + suppressed + " more in the last minute not logged)");
        }
    }

    /** The answer to a body not received within {@code bodyTimeout}; the connection closes after it. */
    static HttpResponse timedOut(Duration bodyTimeout) {
        HttpResponse error = HttpResponse.error(408, "request body not received within "
                + bodyTimeout.toSeconds() + " s");
        return new HttpResponse(408, error.contentType(), error.body(), Map.of("Connection", "close"));
    }

    static HttpResponse tooLarge() {
        HttpResponse error = HttpResponse.error(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        return new HttpResponse(413, error.contentType(), error.body(), Map.of("Connection", "close"));
    }

    /** A request body that could not be read, with the answer to give. */
    static final class BodyProblem extends RuntimeException {
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
                if (result.completeExceptionally(new BodyProblem(overLimit ? tooLarge() : timedOut(bodyTimeout)))) {
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

    }

    /** Whether {@code path} fits {@code template}, whose {@code {name}} segments match one non-empty segment. */
    static boolean pathMatches(String template, String path) {
        String[] t = template.split("/", -1);
        String[] p = path.split("/", -1);
        if (t.length != p.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            boolean variable = t[i].length() > 2 && t[i].startsWith("{") && t[i].endsWith("}");
            if (variable ? p[i].isEmpty() : !t[i].equals(p[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@code /events/} is {@code /events}; {@code /} stays. */
    static String normalise(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** A route's guard (or {@code null}) and handler. */
    record Route(RequestGuard guard, AsyncHttpHandler handler, String owner) {
    }

    private static final class PortRoutes implements HttpRoutes {
        private final int port;
        private final Map<String, Route> handlers;
        private final String owner;

        PortRoutes(int port, String owner) {
            this(port, owner, new LinkedHashMap<>());
        }

        private PortRoutes(int port, String owner, Map<String, Route> handlers) {
            this.port = port;
            this.owner = owner;
            this.handlers = handlers;
        }

        /** A view registering into the same routes on behalf of {@code routeOwner}. */
        PortRoutes ownedBy(String routeOwner) {
            return new PortRoutes(port, routeOwner, handlers);
        }

        /**
         * The route for a request, trailing slash ignored as Javalin does. An exact path wins; else a path with
         * {@code {name}} segments (such as {@code /dingtalk/{target}/send}), each matching one non-empty segment.
         */
        Route find(String method, String path) {
            String normal = normalise(path);
            synchronized (handlers) {
                Route exact = handlers.get(method + " " + normal);
                if (exact != null) {
                    return exact;
                }
                for (Map.Entry<String, Route> e : handlers.entrySet()) {
                    String key = e.getKey();
                    int space = key.indexOf(' ');
                    if (key.substring(0, space).equals(method) && key.indexOf('{') > 0
                            && pathMatches(key.substring(space + 1), normal)) {
                        return e.getValue();
                    }
                }
                return null;
            }
        }

        boolean hasPath(String path) {
            String normal = normalise(path);
            synchronized (handlers) {
                return handlers.keySet().stream().map(key -> key.substring(key.indexOf(' ') + 1))
                        .anyMatch(p -> p.equals(normal) || (p.indexOf('{') >= 0 && pathMatches(p, normal)));
            }
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

        private void add(String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
            String m = method.toUpperCase(Locale.ROOT);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
            if (path.equals("/healthz") || path.equals("/readyz")) {
                throw new IllegalStateException(path + " is reserved by the bridge");
            }
            String key = m + " " + normalise(path);
            Route previous;
            synchronized (handlers) {
                previous = handlers.putIfAbsent(key, new Route(guard, handler, owner));
            }
            if (previous != null) {
                throw new IllegalStateException(key + " on port " + port + " is already used by another instance");
            }
        }

        List<String> describe() {
            return new ArrayList<>(handlers.keySet());
        }
    }
}
