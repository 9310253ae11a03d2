package io.chatbridge.dingtalk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A stand-in for api.dingtalk.com and oapi.dingtalk.com on loopback: issues tokens, accepts Robot v1.0 sends and
 * custom robot webhooks (checking their signature the way DingTalk does), records every request, and answers
 * with scripted replies when a test queues them.
 */
final class FakeDingTalk implements AutoCloseable {

    static final String APP_KEY = "dingappkey01";
    static final String APP_SECRET = "app-secret-XYZ-123";

    /** One recorded request. */
    record Request(String path, Map<String, String> headers, Map<String, List<String>> query, String body) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** A scripted reply. */
    record Reply(int status, String body, String contentType, Map<String, String> headers) {
        Reply(int status, String body) {
            this(status, body, "application/json");
        }

        Reply(int status, String body, String contentType) {
            this(status, body, contentType, Map.of());
        }
    }

    private final Javalin app;
    final List<Request> tokenRequests = new CopyOnWriteArrayList<>();
    final List<Request> groupSends = new CopyOnWriteArrayList<>();
    final List<Request> batchSends = new CopyOnWriteArrayList<>();
    final List<Request> webhookPosts = new CopyOnWriteArrayList<>();
    final Deque<Reply> tokenReplies = new ConcurrentLinkedDeque<>();
    final Deque<Reply> sendReplies = new ConcurrentLinkedDeque<>();
    final Deque<Reply> webhookReplies = new ConcurrentLinkedDeque<>();
    /** Webhook secrets by access_token; a token without an entry is an unsigned robot. */
    final Map<String, String> webhookSecrets = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    volatile long expireIn = 7200;
    volatile long tokenDelayMillis;
    /** Runs on the server thread when a Robot v1.0 send arrives, before it is answered. */
    volatile Runnable onRobotSend = () -> { };

    FakeDingTalk() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/v1.0/oauth2/accessToken", this::token);
            cfg.routes.post("/v1.0/robot/groupMessages/send", ctx -> robotSend(ctx, groupSends,
                    n -> "{\"processQueryKey\":\"pqk-" + n + "\"}"));
            cfg.routes.post("/v1.0/robot/oToMessages/batchSend", ctx -> robotSend(ctx, batchSends,
                    n -> "{\"processQueryKey\":\"oto-" + n
                            + "\",\"invalidStaffIdList\":[],\"flowControlledStaffIdList\":[]}"));
            cfg.routes.post("/robot/send", this::webhook);
        }).start("127.0.0.1", 0);
    }

    String endpoint() {
        return "http://127.0.0.1:" + app.port();
    }

    String webhookUrl(String accessToken) {
        return endpoint() + "/robot/send?access_token=" + accessToken;
    }

    /** The token the n-th successful token request returned (1-based). */
    static String token(int n) {
        return "tok-" + n + "-SECRETVALUE";
    }

    private void token(Context ctx) throws InterruptedException {
        tokenRequests.add(record(ctx));
        if (tokenDelayMillis > 0) {
            Thread.sleep(tokenDelayMillis);
        }
        Reply scripted = tokenReplies.poll();
        if (scripted != null) {
            reply(ctx, scripted);
            return;
        }
        JsonNode body = record(ctx).json();
        if (!APP_KEY.equals(body.path("appKey").asText()) || !APP_SECRET.equals(body.path("appSecret").asText())) {
            reply(ctx, new Reply(400, "{\"code\":\"invalidClientIdOrSecret\",\"message\":\"无效的clientId或者clientSecret\"}"));
            return;
        }
        reply(ctx, new Reply(200, "{\"accessToken\":\"" + token(issued.incrementAndGet()) + "\",\"expireIn\":"
                + expireIn + "}"));
    }

    private synchronized void robotSend(Context ctx, List<Request> log, IntFunction<String> ok) {
        log.add(record(ctx));
        onRobotSend.run();
        Reply scripted = sendReplies.poll();
        reply(ctx, scripted != null ? scripted : new Reply(200, ok.apply(log.size())));
    }

    private void webhook(Context ctx) {
        Request request = record(ctx);
        webhookPosts.add(request);
        String accessToken = first(request.query(), "access_token");
        String secret = accessToken == null ? null : webhookSecrets.get(accessToken);
        if (secret != null) {
            String timestamp = first(request.query(), "timestamp");
            String sign = first(request.query(), "sign");
            if (timestamp == null || sign == null
                    || Math.abs(System.currentTimeMillis() - Long.parseLong(timestamp)) > 3_600_000L) {
                reply(ctx, new Reply(200, "{\"errcode\":310000,\"errmsg\":\"invalid timestamp\"}"));
                return;
            }
            if (!DingTalkSignature.sign(timestamp, secret).equals(sign)) {
                reply(ctx, new Reply(200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}"));
                return;
            }
        }
        Reply scripted = webhookReplies.poll();
        reply(ctx, scripted != null ? scripted : new Reply(200, "{\"errcode\":0,\"errmsg\":\"ok\"}"));
    }

    private static String first(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Request record(Context ctx) {
        Map<String, String> headers = new ConcurrentHashMap<>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        // decode the raw query ourselves so '+' and '%2B' in sign stay distinguishable the way DingTalk sees them
        Map<String, List<String>> query = new ConcurrentHashMap<>();
        String raw = ctx.queryString();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
        return new Request(ctx.path(), headers, query, ctx.body());
    }

    private static void reply(Context ctx, Reply reply) {
        reply.headers().forEach(ctx::header);
        ctx.status(reply.status()).contentType(reply.contentType()).result(reply.body());
    }

    @Override
    public void close() {
        app.stop();
    }
}
