package io.chatbridge.bench.load;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A minimal DingTalk stand-in that answers at once: issues one access token per request to
 * {@code /v1.0/oauth2/accessToken}, accepts {@code /v1.0/robot/groupMessages/send} with the issued token, and records
 * when each benchmark message first arrived ({@link System#nanoTime()}, keyed by the {@code seq=N;} marker the load
 * generator puts in the callback text).
 */
final class StandIn implements AutoCloseable {

    static final String TOKEN = "bench-access-token-0001";

    private final Javalin app;
    private final AtomicLongArray arrival;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicLong sends = new AtomicLong();
    private final AtomicLong unique = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final String appKey;
    private final String appSecret;

    StandIn(int capacity, String appKey, String appSecret) {
        this.arrival = new AtomicLongArray(capacity);
        this.appKey = appKey;
        this.appSecret = appSecret;
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/oauth2/accessToken", this::token);
            config.routes.post("/v1.0/robot/groupMessages/send", this::groupSend);
        }).start("127.0.0.1", 0);
    }

    int port() {
        return app.port();
    }

    private void token(Context ctx) {
        tokenRequests.incrementAndGet();
        String body = ctx.body();
        if (!body.contains("\"" + appKey + "\"") || !body.contains("\"" + appSecret + "\"")) {
            badRequests.incrementAndGet();
            ctx.status(400).contentType("application/json")
                    .result("{\"code\":\"invalidClientIdOrSecret\",\"message\":\"bad app key or secret\"}");
            return;
        }
        ctx.status(200).contentType("application/json")
                .result("{\"accessToken\":\"" + TOKEN + "\",\"expireIn\":7200}");
    }

    private void groupSend(Context ctx) {
        long now = System.nanoTime();
        if (!TOKEN.equals(ctx.header("x-acs-dingtalk-access-token"))) {
            badRequests.incrementAndGet();
            ctx.status(400).contentType("application/json")
                    .result("{\"code\":\"InvalidAuthentication\",\"message\":\"token invalid\"}");
            return;
        }
        String body = new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8);
        sends.incrementAndGet();
        int seq = LoadRun.seqOf(body);
        if (seq < 0 || seq >= arrival.length()) {
            badRequests.incrementAndGet();
        } else if (arrival.compareAndSet(seq, 0, now)) {
            unique.incrementAndGet();
        } else {
            duplicates.incrementAndGet();
        }
        ctx.status(200).contentType("application/json")
                .result("{\"processQueryKey\":\"pqk-" + seq + "\"}");
    }

    /** When message {@code seq} first arrived, or 0 when it has not. */
    long arrival(int seq) {
        return arrival.get(seq);
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    long sends() {
        return sends.get();
    }

    long unique() {
        return unique.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long badRequests() {
        return badRequests.get();
    }

    @Override
    public void close() {
        app.stop();
    }
}
