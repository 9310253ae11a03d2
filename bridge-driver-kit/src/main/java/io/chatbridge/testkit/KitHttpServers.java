package io.chatbridge.testkit;

import io.chatbridge.spi.AsyncHttpHandler;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.RequestGuard;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's stand-in for the bridge's HTTP servers, built on the SPI alone: one Javalin server per configured port
 * on loopback, the bridge's rules for drivers (exact method and path, {@code /healthz} reserved, bodies over 1 MiB
 * answered 413 before a handler runs, a throwing handler answered 500, a stage failed with
 * {@link BridgeUnavailableException} answered 503) and asynchronous handlers served without holding the server
 * thread.
 */
final class KitHttpServers {

    private static final Logger LOG = LoggerFactory.getLogger(KitHttpServers.class);

    /** Largest request body a handler sees, as in the bridge. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    /** How much of a refused body is read and dropped before the answer, as the bridge does. */
    private static final long DISCARD_LIMIT = 16L * 1024 * 1024;

    private final Map<Integer, Map<String, AsyncHttpHandler>> ports = new LinkedHashMap<>();
    /** The guards given with routes, by port and "METHOD path"; checked before the body is read, as the bridge does. */
    private final Map<Integer, Map<String, RequestGuard>> guards = new ConcurrentHashMap<>();

    synchronized void route(int port, String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
        route(port, method, path, handler);
        guards.computeIfAbsent(port, p -> new ConcurrentHashMap<>())
                .put(method.toUpperCase(Locale.ROOT) + " " + path, guard);
    }
    private final Map<Integer, Javalin> servers = new ConcurrentHashMap<>();

    synchronized void route(int port, String method, String path, AsyncHttpHandler handler) {
        if (!servers.isEmpty()) {
            throw new IllegalStateException("routes must be added before the HTTP servers start");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
        if (path.equals("/healthz")) {
            throw new IllegalStateException("/healthz is reserved by the bridge");
        }
        String key = method.toUpperCase(Locale.ROOT) + " " + path;
        if (ports.computeIfAbsent(port, p -> new LinkedHashMap<>()).putIfAbsent(key, handler) != null) {
            throw new IllegalStateException(key + " on port " + port + " is already used by another instance");
        }
    }

    synchronized void openPort(int port) {
        ports.computeIfAbsent(port, p -> new LinkedHashMap<>());
    }

    synchronized void start() {
        for (Map.Entry<Integer, Map<String, AsyncHttpHandler>> port : ports.entrySet()) {
            Javalin app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.http.maxRequestSize = MAX_BODY_BYTES;
                config.routes.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
                port.getValue().forEach((key, handler) -> {
                    int space = key.indexOf(' ');
                    String method = key.substring(0, space);
                    String path = key.substring(space + 1);
                    RequestGuard guard = guards.getOrDefault(port.getKey(), Map.of()).get(key);
                    io.javalin.http.Handler h = ctx -> dispatch(ctx, guard, handler);
                    switch (method) {
                        case "GET" -> config.routes.get(path, h);
                        case "POST" -> config.routes.post(path, h);
                        case "PUT" -> config.routes.put(path, h);
                        case "PATCH" -> config.routes.patch(path, h);
                        case "DELETE" -> config.routes.delete(path, h);
                        default -> throw new IllegalArgumentException("unsupported method " + method);
                    }
                });
            });
            app.start("127.0.0.1", port.getKey());
            servers.put(port.getKey(), app);
        }
    }

    int boundPort(int configuredPort) {
        Javalin app = servers.get(configuredPort);
        if (app == null) {
            throw new IllegalArgumentException("no server for port " + configuredPort);
        }
        return app.port();
    }

    synchronized void stop() {
        servers.values().forEach(Javalin::stop);
        servers.clear();
    }

    private static void dispatch(Context ctx, RequestGuard guard, AsyncHttpHandler handler) {
        if (guard != null) {
            Map<String, List<String>> head = new TreeMap<>();
            for (String name : Collections.list(ctx.req().getHeaderNames())) {
                head.put(name.toLowerCase(Locale.ROOT), Collections.list(ctx.req().getHeaders(name)));
            }
            HttpResponse refused;
            try {
                refused = guard.check(new HttpRequest(ctx.method().name(), ctx.path(), head, ctx.queryParamMap(),
                        new byte[0], ctx.ip()));
            } catch (Exception e) {
                LOG.error("request guard failed", e);
                refused = HttpResponse.error(500, "internal error");
            }
            if (refused != null) {
                refuse(ctx, refused); // at once, before the body; it never reaches the handler
                return;
            }
        }
        byte[] body;
        try {
            body = ctx.req().getContentLengthLong() > MAX_BODY_BYTES ? null
                    : ctx.req().getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            write(ctx, HttpResponse.error(400, "could not read request body"));
            return;
        }
        if (body == null || body.length > MAX_BODY_BYTES) {
            refuse(ctx, HttpResponse.error(413, "request body larger than " + MAX_BODY_BYTES + " bytes"));
            return;
        }
        Map<String, List<String>> headers = new TreeMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), Collections.list(ctx.req().getHeaders(name)));
        }
        HttpRequest request = new HttpRequest(ctx.method().name(), ctx.path(), headers, ctx.queryParamMap(), body,
                ctx.ip());
        CompletableFuture<HttpResponse> answer;
        try {
            answer = handler.handle(request).toCompletableFuture();
        } catch (Exception e) {
            answer = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<HttpResponse> stage = answer;
        ctx.future(() -> stage.handle((response, failure) -> {
            write(ctx, failure == null ? response : failed(failure));
            return null;
        }));
    }

    private static HttpResponse failed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof BridgeUnavailableException) {
            return HttpResponse.error(503, "bridge unavailable");
        }
        LOG.error("handler failed", cause);
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
     * Writes a refusal at once, as the bridge does, then reads and drops what the client still sends (at most
     * {@link #DISCARD_LIMIT}) before the connection closes: closing with unread data resets the connection and the
     * client loses the answer (the JDK's client reported "broken pipe" instead of the 413 about once in 150 tries).
     */
    private static void refuse(Context ctx, HttpResponse response) {
        jakarta.servlet.http.HttpServletResponse res = ctx.res();
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
            return; // the client went away
        }
        drain(ctx);
    }

    private static void drain(Context ctx) {
        byte[] buffer = new byte[8192];
        long total = 0;
        try {
            java.io.InputStream in = ctx.req().getInputStream();
            for (int n = in.read(buffer); n >= 0 && total < DISCARD_LIMIT; n = in.read(buffer)) {
                total += n;
            }
        } catch (IOException e) {
            // the client went away; the answer is written anyway
        }
    }
}
