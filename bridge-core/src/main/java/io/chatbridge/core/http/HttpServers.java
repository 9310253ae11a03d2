package io.chatbridge.core.http;

import io.chatbridge.spi.HttpHandler;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.HttpRoutes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's HTTP servers: one Javalin server per distinct configured port, shared by every instance naming that
 * port. Routes are collected first ({@link #routes(int)}), then {@link #start()} opens all ports at once; Javalin 7
 * wants every route known before a server starts, which also means no request reaches a half-started bridge.
 */
public final class HttpServers implements AutoCloseable {

    /** How much of an oversized body is read and dropped so the 413 reaches the client. */
    private static final long DISCARD_LIMIT = 16L * 1024 * 1024;
    /** Largest request body accepted; larger bodies are answered with 413 before any handler runs. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(HttpServers.class);

    private final String host;
    private final Map<Integer, PortRoutes> ports = new LinkedHashMap<>();
    private final Map<Integer, Javalin> servers = new ConcurrentHashMap<>();
    private final AtomicBoolean ready = new AtomicBoolean();
    private volatile boolean accepting = true;

    /** @param host the address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1} */
    public HttpServers(String host) {
        this.host = host;
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
                for (Map.Entry<String, HttpHandler> route : port.handlers.entrySet()) {
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
                app.start(host, port.port);
            } catch (RuntimeException e) {
                stop();
                throw new IllegalStateException("cannot listen on " + host + ":" + port.port + ": "
                        + rootMessage(e), e);
            }
            servers.put(port.port, app);
            LOG.info("HTTP server listening on {}:{} ({})", host, app.port(),
                    port.handlers.isEmpty() ? "healthz only" : String.join(", ", port.handlers.keySet()));
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

    private void dispatch(Context ctx, HttpHandler handler) {
        if (!accepting) {
            ctx.status(503).contentType("application/json").result("{\"error\":\"shutting down\"}");
            return;
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BODY_BYTES) {
            discardBody(ctx);
            tooLarge(ctx);
            return;
        }
        byte[] body;
        try {
            body = readLimited(ctx.req().getInputStream());
        } catch (IOException e) {
            ctx.status(400).contentType("application/json").result("{\"error\":\"could not read request body\"}");
            return;
        }
        if (body == null) {
            discardBody(ctx);
            tooLarge(ctx);
            return;
        }
        Map<String, List<String>> headers = new TreeMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), Collections.list(ctx.req().getHeaders(name)));
        }
        HttpRequest request = new HttpRequest(ctx.method().name(), ctx.path(), headers,
                ctx.queryParamMap(), body, ctx.ip());
        HttpResponse response;
        try {
            response = handler.handle(request);
        } catch (Exception e) {
            LOG.error("handler for {} {} failed", request.method(), request.path(), e);
            response = HttpResponse.error(500, "internal error");
        }
        ctx.status(response.status());
        response.headers().forEach(ctx::header);
        if (response.contentType() != null) {
            ctx.contentType(response.contentType());
        }
        ctx.result(response.body());
    }

    /**
     * Reads and drops what the client is still sending (up to {@link #DISCARD_LIMIT}) before a 413: closing a
     * connection with unread data makes the kernel reset it, and the client would often lose the answer.
     */
    private static void discardBody(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            long left = DISCARD_LIMIT;
            byte[] buffer = new byte[8192];
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not discard an oversized request body: {}", e.toString());
        }
        ctx.header("Connection", "close");
    }

    /** Per port and path: when an oversized body was last logged (nanoTime) and how many were not logged since. */
    private static final Map<String, long[]> TOO_LARGE_LOGGED = new ConcurrentHashMap<>();

    private static void tooLarge(Context ctx) {
        // logged at WARN at most once a minute per port and path (never the body), so a sender's 413 is visible
        String where = ctx.method().name() + " " + ctx.path() + " on port " + ctx.req().getLocalPort();
        if (TOO_LARGE_LOGGED.size() > 1_000) {
            TOO_LARGE_LOGGED.clear();
        }
        long[] state = TOO_LARGE_LOGGED.computeIfAbsent(where,
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
            LOG.warn("{}: refused a request from {} with 413: request body larger than {} bytes{}", where, ctx.ip(),
                    MAX_BODY_BYTES, suppressed == 0 ? "" : " (" + suppressed + " more in the last minute not logged)");
        }
        ctx.status(413).contentType("application/json")
                .result("{\"error\":\"request body larger than " + MAX_BODY_BYTES + " bytes\"}");
    }

    /** Reads at most {@link #MAX_BODY_BYTES}; {@code null} when the body is larger. */
    private static byte[] readLimited(InputStream in) throws IOException {
        byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
        return data.length > MAX_BODY_BYTES ? null : data;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static final class PortRoutes implements HttpRoutes {
        private final int port;
        private final Map<String, HttpHandler> handlers = new LinkedHashMap<>();

        PortRoutes(int port) {
            this.port = port;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public synchronized void route(String method, String path, HttpHandler handler) {
            String m = method.toUpperCase(Locale.ROOT);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
            if (path.equals("/healthz")) {
                throw new IllegalStateException("/healthz is reserved by the bridge");
            }
            String key = m + " " + path;
            if (handlers.putIfAbsent(key, handler) != null) {
                throw new IllegalStateException(key + " on port " + port + " is already used by another instance");
            }
        }

        List<String> describe() {
            return new ArrayList<>(handlers.keySet());
        }
    }
}
