package io.chatbridge.bench.load;

import io.javalin.Javalin;

/**
 * The baseline: a Javalin server (same version and settings as the bridge's HTTP server) whose callback route only
 * reads the body and answers 200. Run as a child process with the same JVM options as the bridge.
 */
public final class BareServer {

    private BareServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = 1024 * 1024;
            config.routes.get("/healthz", ctx -> ctx.status(200).contentType("application/json")
                    .result("{\"status\":\"ok\"}"));
            config.routes.post(LoadRun.CALLBACK_PATH, ctx -> {
                byte[] body = ctx.bodyAsBytes();
                ctx.status(body.length > 0 ? 200 : 400);
            });
        }).start("127.0.0.1", port);
    }
}
