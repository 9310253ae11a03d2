package io.chatbridge.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.Readiness;
import io.chatbridge.core.config.AdminSettings;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStore.DeadLetter;
import io.chatbridge.core.delivery.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port ({@code global.admin}): {@code GET /healthz} (live), {@code GET /readyz} (ready to take messages),
 * {@code GET /metrics} (Prometheus text format) and a small JSON API under {@code /admin}. Everything but the two
 * health checks needs {@code Authorization: Bearer <token>}; every text it answers passes through the bridge's
 * secret masking.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DLQ_LIMIT = 1000;

    /** The outcome of a reload: applied, or refused with the problems (as {@code validate} prints them). */
    public record ReloadResult(boolean applied, String summary, List<String> problems) {
    }

    /** What the admin port reads and does; implemented by the bridge. */
    public interface Backend {
        /** Whether the bridge can take messages now. */
        Readiness readiness();

        /** Instances with their health, rules, outbox counts: JSON-ready maps and lists, secrets masked. */
        Map<String, Object> status();

        /** The outbox, for the dead-letter calls. */
        DeliveryStore store();

        /** Re-reads config and rules and swaps them in, or refuses the whole change. */
        ReloadResult reload();

        /** The metrics in Prometheus text format. */
        String metrics();

        /** Masks every secret the bridge knows in {@code text}. */
        String redact(String text);

        /** The bridge's clock. */
        Clock clock();
    }

    private final Javalin app;
    private final byte[] token;
    private final Backend backend;

    private AdminServer(AdminSettings settings, Backend backend) {
        this.backend = backend;
        this.token = settings.token() == null ? null : settings.token().getBytes(StandardCharsets.UTF_8);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = 64 * 1024;
            config.routes.get("/healthz", ctx -> json(ctx, 200, Map.of("status", "ok")));
            config.routes.get("/readyz", this::readyz);
            config.routes.get("/metrics", ctx -> guarded(ctx, () ->
                    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(backend.metrics())));
            config.routes.get("/admin/status", ctx -> guarded(ctx, () -> json(ctx, 200, backend.status())));
            config.routes.get("/admin/dlq", ctx -> guarded(ctx, () -> json(ctx, 200, deadLetters())));
            config.routes.post("/admin/dlq/retry-all", ctx -> guarded(ctx, () -> json(ctx, 200,
                    Map.of("retried", backend.store().retryAllDeadLetters(backend.clock().instant())))));
            config.routes.post("/admin/dlq/{id}/retry", ctx -> guarded(ctx, () -> {
                Long id = id(ctx);
                if (id != null) {
                    boolean found = backend.store().retryDeadLetter(id, backend.clock().instant());
                    notFoundOr(ctx, found, id, Map.of("retried", id));
                }
            }));
            config.routes.delete("/admin/dlq/{id}", ctx -> guarded(ctx, () -> {
                Long id = id(ctx);
                if (id != null) {
                    notFoundOr(ctx, backend.store().dropDeadLetter(id), id, Map.of("dropped", id));
                }
            }));
            config.routes.post("/admin/reload", ctx -> guarded(ctx, () -> {
                ReloadResult result = backend.reload();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", result.applied() ? "reloaded" : "refused");
                body.put("summary", result.summary());
                body.put("problems", result.problems());
                json(ctx, result.applied() ? 200 : 422, body);
            }));
        });
    }

    /**
     * Opens the admin port.
     *
     * @throws IllegalStateException naming {@code global.admin.port} when the port cannot be opened
     */
    public static AdminServer start(AdminSettings settings, Backend backend) {
        AdminServer server = new AdminServer(settings, backend);
        try {
            server.app.start(settings.host(), settings.port());
        } catch (RuntimeException e) {
            server.close();
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalStateException("global.admin.port: cannot listen on " + settings.host() + ":"
                    + settings.port() + " (" + root.getMessage() + ")", e);
        }
        LOG.info("admin port listening on {}:{} (/healthz, /readyz, /metrics, /admin)", settings.host(),
                server.app.port());
        return server;
    }

    /** The port it listens on. */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("error while stopping the admin port: {}", e.toString());
        }
    }

    private void readyz(Context ctx) {
        Readiness readiness = backend.readiness();
        json(ctx, readiness.ready() ? 200 : 503, readiness.ready() ? Map.of("status", "ready")
                : Map.of("status", "not ready", "reason", backend.redact(String.valueOf(readiness.reason()))));
    }

    private List<Map<String, Object>> deadLetters() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeadLetter letter : backend.store().deadLetters(DLQ_LIMIT)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", letter.id());
            row.put("rule", letter.message().ruleId());
            row.put("target", letter.message().instanceId());
            row.put("channel", backend.redact(String.valueOf(letter.message().channel())));
            row.put("attempts", letter.attempts());
            row.put("created_at", String.valueOf(letter.createdAt()));
            row.put("error", backend.redact(letter.error()));
            row.put("text", backend.redact(letter.message().text()));
            out.add(row);
        }
        return out;
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} when the request carries the token; 401 (and nothing done) otherwise. */
    private void guarded(Context ctx, Action action) throws Exception {
        String header = ctx.header("Authorization");
        byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : null;
        if (token == null || given == null || !MessageDigest.isEqual(token, given)) {
            ctx.header("WWW-Authenticate", "Bearer");
            json(ctx, 401, Map.of("error", given == null ? "missing bearer token (Authorization: Bearer <token>)"
                    : "wrong token"));
            return;
        }
        try {
            action.run();
        } catch (StoreException e) {
            LOG.warn("admin call {} {} failed: {}", ctx.method(), ctx.path(), backend.redact(e.getMessage()));
            json(ctx, 503, Map.of("error", "the store is unavailable: " + backend.redact(e.getMessage())));
        }
    }

    private static Long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            json(ctx, 400, Map.of("error", "dead letter id must be a number, got \"" + clip(ctx.pathParam("id"))
                    + "\""));
            return null;
        }
    }

    private static void notFoundOr(Context ctx, boolean found, long id, Map<String, Object> body) {
        if (found) {
            json(ctx, 200, body);
        } else {
            json(ctx, 404, Map.of("error", "no dead letter " + id));
        }
    }

    private static String clip(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }

    private static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
