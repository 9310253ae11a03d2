package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.dingtalk.protocol.CallbackBody;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Turns a message typed by a group member into DingTalk's HTTP-mode callback (protocol §1) and POSTs it to the
 * bridge. Callbacks go out one at a time on a single daemon thread, so the bridge sees them in the order they were
 * typed and no Jetty thread waits for the bridge.
 */
final class MemberCallbacks implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String CORP_ID = "dingsandboxcorp";
    private static final String OPAQUE_ID_PREFIX = "$:LWCP_v1:$";

    private final URI callbackUrl;
    private final String signingSecret;
    private final String robotCode;
    private final HttpClient client;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "dingtalk-sandbox-callbacks");
        thread.setDaemon(true);
        return thread;
    });

    MemberCallbacks(URI callbackUrl, String signingSecret, String robotCode) {
        this.callbackUrl = callbackUrl;
        this.signingSecret = signingSecret;
        this.robotCode = robotCode;
        this.client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** The callback body DingTalk would send for {@code text} typed by {@code senderNick} in {@code group}. */
    ObjectNode body(SandboxSettings.Group group, String msgId, String senderNick, String text, long createAt,
            String sessionWebhook, long sessionWebhookExpiredTime) {
        String staffId = staffId(senderNick);
        String chatbotUserId = opaqueId("robot:" + robotCode);
        return CallbackBody.text()
                .conversation(group.openConversationId(), true)
                .group(group.title())
                .atUser(chatbotUserId, null)
                .chatbot(CORP_ID, chatbotUserId)
                .msgId(msgId)
                .sender(senderNick, staffId, opaqueId("user:" + staffId), CORP_ID)
                .createAt(createAt)
                .sessionWebhook(sessionWebhook, sessionWebhookExpiredTime)
                // DingTalk strips the "@robot" mention and leaves the space after it
                .content(" " + text)
                .robotCode(robotCode)
                .toJson();
    }

    /**
     * The callback body DingTalk would send for {@code text} written by {@code senderNick} to the robot in their
     * one-to-one chat {@code conversationId}: no title, no mentions, the text as typed.
     */
    ObjectNode directBody(String conversationId, String msgId, String senderNick, String text, long createAt,
            String sessionWebhook, long sessionWebhookExpiredTime) {
        String staffId = staffId(senderNick);
        return CallbackBody.text()
                .conversation(conversationId, false)
                .oneToOne()
                .chatbot(CORP_ID, opaqueId("robot:" + robotCode))
                .msgId(msgId)
                .sender(senderNick, staffId, opaqueId("user:" + staffId), CORP_ID)
                .createAt(createAt)
                .sessionWebhook(sessionWebhook, sessionWebhookExpiredTime)
                .content(text)
                .robotCode(robotCode)
                .toJson();
    }

    /** What the sandbox's one-to-one {@code conversationId}s start with (DingTalk's are {@code cid…} too). */
    static final String DIRECT_PREFIX = "cidDirect-";

    /**
     * The {@code conversationId} of {@code staffId}'s one-to-one chat with the robot: {@code cidDirect-<staffId>},
     * readable for rules, stable.
     */
    static String directConversationId(String staffId) {
        return DIRECT_PREFIX + staffId;
    }

    /** POSTs {@code body} with {@code timestamp}/{@code sign} headers; completes with how it went, never exceptionally. */
    CompletableFuture<SandboxMessage.Delivery> deliver(ObjectNode body, long timestamp) {
        if (callbackUrl == null) {
            return CompletableFuture.completedFuture(new SandboxMessage.Delivery(SandboxMessage.Delivery.State.FAILED,
                    "no callback URL configured"));
        }
        return CompletableFuture.supplyAsync(() -> post(body, timestamp), executor);
    }

    private SandboxMessage.Delivery post(ObjectNode body, long timestamp) {
        HttpRequest.Builder request = HttpRequest.newBuilder(callbackUrl)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (signingSecret != null) {
            String ts = Long.toString(timestamp);
            request.header("timestamp", ts).header("sign", DingTalkSignature.sign(ts, signingSecret));
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return new SandboxMessage.Delivery(SandboxMessage.Delivery.State.DELIVERED, "HTTP " + status);
            }
            String answer = response.body() == null ? "" : response.body().strip();
            if (answer.length() > 200) {
                answer = answer.substring(0, 200) + "…";
            }
            return new SandboxMessage.Delivery(SandboxMessage.Delivery.State.FAILED,
                    "bridge answered HTTP " + status + (answer.isEmpty() ? "" : ": " + answer));
        } catch (ConnectException e) {
            return failed("bridge unreachable at " + callbackUrl + " (connection refused)");
        } catch (HttpTimeoutException e) {
            return failed("bridge did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            return failed("bridge unreachable at " + callbackUrl + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("sandbox stopped before delivery");
        }
    }

    private static SandboxMessage.Delivery failed(String detail) {
        return new SandboxMessage.Delivery(SandboxMessage.Delivery.State.FAILED, detail);
    }

    /** A stable, readable user id for a nick: "Alice Smith" → {@code alicesmith}; non-Latin nicks get a hash. */
    static String staffId(String senderNick) {
        String slug = senderNick.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return slug.isEmpty() ? "user" + hash(senderNick).substring(0, 8).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]", "0") : slug;
    }

    /** DingTalk's encrypted ids look like {@code $:LWCP_v1:$…}; these are stable per input. */
    static String opaqueId(String seed) {
        return OPAQUE_ID_PREFIX + hash(seed).substring(0, 22);
    }

    private static String hash(String seed) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
