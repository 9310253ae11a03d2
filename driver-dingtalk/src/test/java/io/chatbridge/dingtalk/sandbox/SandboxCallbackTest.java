package io.chatbridge.dingtalk.sandbox;

import static io.chatbridge.dingtalk.sandbox.SandboxHttp.JSON;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.hmacBase64;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.sandbox.SandboxHttp.Answer;
import io.chatbridge.dingtalk.sandbox.SandboxMessage.Delivery.State;
import io.javalin.Javalin;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Members' messages reach the bridge as HTTP-mode callbacks (protocol §1); a tiny Javalin app plays the bridge. */
@ExtendWith(QuietJettyLogs.class)
class SandboxCallbackTest {

    private static final String SIGNING_SECRET = "test-signing-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    record Received(String timestamp, String sign, String contentType, JsonNode body) {}

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final AtomicInteger bridgeStatus = new AtomicInteger(200);
    private Javalin bridge;
    private DingTalkSandbox sandbox;

    @BeforeEach
    void start() {
        bridge = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/dingtalk/event", ctx -> {
                received.add(new Received(ctx.header("timestamp"), ctx.header("sign"), ctx.header("Content-Type"),
                        JSON.readTree(ctx.body())));
                ctx.status(bridgeStatus.get()).result(bridgeStatus.get() == 200 ? "" : "outbox unavailable");
            });
        }).start("127.0.0.1", 0);
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(callbackUrl())
                .withSigningSecret(SIGNING_SECRET)).start();
    }

    @AfterEach
    void stop() {
        sandbox.close();
        bridge.stop();
    }

    private URI callbackUrl() {
        return URI.create("http://127.0.0.1:" + bridge.port() + "/dingtalk/event");
    }

    private SandboxMessage awaitDelivery(String group, String msgId) throws Exception {
        return sandbox.awaitMessage(group, m -> m.id().equals(msgId) && m.delivery().state() != State.PENDING, WAIT);
    }

    @Test
    void deliversASignedCallbackShapedLikeDingTalk() throws Exception {
        long before = System.currentTimeMillis();
        SandboxMessage sent = sandbox.postAsMember("cidGroupA", "Alice", "hello bridge");

        Received callback = received.poll(5, TimeUnit.SECONDS);
        assertThat(callback).isNotNull();
        assertThat(Long.parseLong(callback.timestamp())).isBetween(before, System.currentTimeMillis());
        assertThat(callback.sign()).isEqualTo(hmacBase64(SIGNING_SECRET, callback.timestamp()));
        assertThat(callback.contentType()).startsWith("application/json");
        JsonNode body = callback.body();
        assertThat(body.get("conversationId").asText()).isEqualTo("cidGroupA");
        assertThat(body.get("openConversationId").asText()).isEqualTo("cidGroupA");
        assertThat(body.get("conversationType").asText()).isEqualTo("2");
        assertThat(body.get("conversationTitle").asText()).isEqualTo("Group A");
        assertThat(body.get("msgId").asText()).isEqualTo(sent.id());
        assertThat(body.get("msgtype").asText()).isEqualTo("text");
        assertThat(body.get("text").get("content").asText()).isEqualTo(" hello bridge");
        assertThat(body.get("senderNick").asText()).isEqualTo("Alice");
        assertThat(body.get("senderStaffId").asText()).isEqualTo("alice");
        assertThat(body.get("senderId").asText()).startsWith("$:LWCP_v1:$");
        assertThat(body.get("chatbotUserId").asText()).startsWith("$:LWCP_v1:$");
        assertThat(body.get("robotCode").asText()).isEqualTo("sandbox-robot");
        assertThat(body.get("isInAtList").asBoolean()).isTrue();
        assertThat(body.get("atUsers").get(0).get("dingtalkId").asText()).isEqualTo(body.get("chatbotUserId").asText());
        assertThat(body.get("createAt").isNumber()).isTrue();
        assertThat(body.get("sessionWebhookExpiredTime").asLong() - body.get("createAt").asLong())
                .isEqualTo(Duration.ofMinutes(90).toMillis());
        assertThat(body.get("sessionWebhook").asText()).startsWith(sandbox.baseUrl() + "/robot/sendBySession?session=");

        SandboxMessage delivered = awaitDelivery("cidGroupA", sent.id());
        assertThat(delivered.delivery().detail()).isEqualTo("HTTP 200");
        assertThat(delivered.via()).isEqualTo("member");
        assertThat(delivered.sender()).isEqualTo("Alice");
        assertThat(delivered.content().text()).isEqualTo("hello bridge");
    }

    @Test
    void everyCallbackHasItsOwnMsgId() throws Exception {
        sandbox.postAsMember("cidGroupA", "Alice", "one");
        sandbox.postAsMember("cidGroupA", "Alice", "two");

        Received first = received.poll(5, TimeUnit.SECONDS);
        Received second = received.poll(5, TimeUnit.SECONDS);
        assertThat(first.body().get("text").get("content").asText()).isEqualTo(" one");
        assertThat(second.body().get("text").get("content").asText()).isEqualTo(" two");
        assertThat(first.body().get("msgId").asText()).isNotEqualTo(second.body().get("msgId").asText());
    }

    @Test
    void sendsUnsignedCallbacksWithoutASigningSecret() throws Exception {
        try (DingTalkSandbox unsigned = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)
                .withCallbackUrl(callbackUrl()).withSigningSecret(null)).start()) {
            unsigned.postAsMember("cidGroupB", "Bob", "no signature");

            Received callback = received.poll(5, TimeUnit.SECONDS);
            assertThat(callback.sign()).isNull();
            assertThat(callback.timestamp()).isNull();
            assertThat(callback.body().get("conversationId").asText()).isEqualTo("cidGroupB");
        }
    }

    @Test
    void thePageApiPostsAsAMember() throws Exception {
        Answer answer = post(sandbox.baseUrl() + "/sandbox/api/groups/cidGroupB/messages",
                Map.of("senderNick", "Carol", "text", "from the page"));

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.body().get("delivery").get("state").asText()).isEqualTo("PENDING");
        assertThat(received.poll(5, TimeUnit.SECONDS).body().get("senderNick").asText()).isEqualTo("Carol");
        awaitDelivery("cidGroupB", answer.body().get("id").asText());
        assertThat(post(sandbox.baseUrl() + "/sandbox/api/groups/cidNope/messages", Map.of("text", "x")).status())
                .isEqualTo(404);
        assertThat(post(sandbox.baseUrl() + "/sandbox/api/groups/cidGroupB/messages", Map.of("text", " ")).status())
                .isEqualTo(400);
    }

    @Test
    void recordsABridgeThatAnswersAnError() throws Exception {
        bridgeStatus.set(503);
        SandboxMessage sent = sandbox.postAsMember("cidGroupA", "Alice", "will fail");

        SandboxMessage failed = awaitDelivery("cidGroupA", sent.id());
        assertThat(failed.delivery().state()).isEqualTo(State.FAILED);
        assertThat(failed.delivery().detail()).isEqualTo("bridge answered HTTP 503: outbox unavailable");
    }

    @Test
    void recordsAnUnreachableBridge() throws Exception {
        try (Ports.ClosedPort closed = Ports.closedPort();
             DingTalkSandbox lonely = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)
                .withCallbackUrl(URI.create("http://127.0.0.1:" + closed.port() + "/dingtalk/event"))).start()) {
            SandboxMessage sent = lonely.postAsMember("cidGroupA", "Alice", "anyone there?");

            SandboxMessage failed = lonely.awaitMessage("cidGroupA",
                    m -> m.id().equals(sent.id()) && m.delivery().state() != State.PENDING, WAIT);
            assertThat(failed.delivery().state()).isEqualTo(State.FAILED);
            assertThat(failed.delivery().detail()).contains("unreachable");
            JsonNode state = JSON.readTree(SandboxHttp.get(lonely.baseUrl() + "/sandbox/api/state").body());
            assertThat(state.get("groups").get(0).get("messages").get(0).get("delivery").get("state").asText())
                    .isEqualTo("FAILED");
        }
    }

    @Test
    void aFileInAOneToOneChatIsAFileCallbackWhoseDownloadCodeMessageFilesDownloadServes() throws Exception {
        byte[] bytes = "quarterly numbers".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SandboxMessage sent = sandbox.postFileAsDirectMember("Alice", "q3.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes);

        JsonNode body = received.poll(5, TimeUnit.SECONDS).body();
        assertThat(body.get("conversationType").asText()).isEqualTo("1");
        assertThat(body.get("conversationId").asText()).isEqualTo(DingTalkSandbox.directConversationId("alice"))
                .startsWith("cid");
        assertThat(body.has("openConversationId")).isFalse();
        assertThat(body.has("conversationTitle")).isFalse();
        assertThat(body.get("atUsers")).isEmpty();
        assertThat(body.get("msgId").asText()).isEqualTo(sent.id());
        assertThat(body.get("msgtype").asText()).isEqualTo("file");
        assertThat(body.has("text")).isFalse();
        assertThat(body.get("content").get("fileName").asText()).isEqualTo("q3.xlsx");
        String code = body.get("content").get("downloadCode").asText();

        String token = SandboxHttp.token(sandbox);
        Answer download = post(sandbox.baseUrl() + "/v1.0/robot/messageFiles/download",
                Map.of("downloadCode", code, "robotCode", "sandbox-robot"),
                Map.of("x-acs-dingtalk-access-token", token));
        String url = download.body().get("downloadUrl").asText();
        java.net.http.HttpResponse<byte[]> file = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.body()).isEqualTo(bytes);
        assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(bytes.length);
        // the member's message shows in the one-to-one chat, delivered
        assertThat(sandbox.awaitDirectMessage("alice", m -> m.id().equals(sent.id())
                && m.delivery().state() == State.DELIVERED, WAIT).content().type()).isEqualTo("file");
    }

    @Test
    void voiceAndVideoInAOneToOneChatCarryTheirDurationAndRecognition() throws Exception {
        sandbox.postVoiceAsDirectMember("Bob", null, null, 3_500, "on my way");
        sandbox.postVideoAsDirectMember("Bob", null, 9_000);

        JsonNode voice = received.poll(5, TimeUnit.SECONDS).body();
        JsonNode video = received.poll(5, TimeUnit.SECONDS).body();
        assertThat(voice.get("msgtype").asText()).isEqualTo("audio");
        assertThat(voice.get("content").get("duration").asLong()).isEqualTo(3_500);
        assertThat(voice.get("content").get("recognition").asText()).isEqualTo("on my way");
        assertThat(voice.get("content").get("downloadCode").asText()).isNotBlank();
        assertThat(video.get("msgtype").asText()).isEqualTo("video");
        assertThat(video.get("content").get("duration").asLong()).isEqualTo(9_000);
        assertThat(video.get("content").get("videoType").asText()).isEqualTo("mp4");
    }

    @Test
    void sessionWebhookRepliesInAOneToOneChatLandInThatChat() throws Exception {
        sandbox.postDirectAsMember("Carol", "hello robot");
        String sessionWebhook = received.poll(5, TimeUnit.SECONDS).body().get("sessionWebhook").asText();

        post(sessionWebhook, Map.of("msgtype", "text", "text", Map.of("content", "hello Carol")));

        assertThat(sandbox.awaitDirectMessage("carol", m -> m.shows("hello Carol"), WAIT).via()).isEqualTo("session");
    }

    @Test
    void thePageApiWritesInAOneToOneChatAndRefusesAnEmptyMessage() throws Exception {
        Answer voice = post(sandbox.baseUrl() + "/sandbox/api/directs/messages",
                Map.of("senderNick", "Dana", "voice", true));
        Answer empty = post(sandbox.baseUrl() + "/sandbox/api/directs/messages", Map.of("senderNick", "Dana"));

        assertThat(voice.status()).isEqualTo(202);
        assertThat(received.poll(5, TimeUnit.SECONDS).body().get("msgtype").asText()).isEqualTo("audio");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.body().get("error").asText()).isEqualTo("text is required");
        assertThat(sandbox.directMessages("dana")).hasSize(1);
    }

    @Test
    void sessionWebhookRepliesLandInTheGroup() throws Exception {
        sandbox.postAsMember("cidGroupB", "Alice", "reply please");
        String sessionWebhook = received.poll(5, TimeUnit.SECONDS).body().get("sessionWebhook").asText();

        Answer answer = post(sessionWebhook, Map.of("msgtype", "text", "text", Map.of("content", "a reply")));
        Answer unknown = post(sandbox.baseUrl() + "/robot/sendBySession?session=nope",
                Map.of("msgtype", "text", "text", Map.of("content", "lost")));

        assertThat(answer.body().get("errcode").asInt()).isZero();
        assertThat(sandbox.awaitMessage("cidGroupB", m -> m.shows("a reply"), WAIT).via()).isEqualTo("session");
        assertThat(unknown.body().get("errcode").asInt()).isEqualTo(300001);
    }

    @Test
    void stateEndpointSaysUnchangedForTheCurrentVersion() throws Exception {
        JsonNode full = JSON.readTree(SandboxHttp.get(sandbox.baseUrl() + "/sandbox/api/state").body());
        JsonNode same = JSON.readTree(SandboxHttp.get(sandbox.baseUrl() + "/sandbox/api/state?since="
                + full.get("version").asLong()).body());

        assertThat(full.get("groups")).extracting(g -> g.get("openConversationId").asText())
                .containsExactly("cidGroupA", "cidGroupB");
        assertThat(same.get("unchanged").asBoolean()).isTrue();
        assertThat(full.toString()).doesNotContain("sandbox-app-secret").doesNotContain(SIGNING_SECRET);
    }

    @Test
    void awaitMessageTimesOutWithWhatItSaw() {
        assertThatThrownBy(() -> sandbox.awaitMessage("cidGroupA", m -> false, Duration.ofMillis(50)))
                .isInstanceOf(java.util.concurrent.TimeoutException.class).hasMessageContaining("cidGroupA");
        assertThatThrownBy(() -> sandbox.conversation("cidNope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void servesThePage() throws Exception {
        var page = SandboxHttp.get(sandbox.baseUrl() + "/");
        var script = SandboxHttp.get(sandbox.baseUrl() + "/sandbox/web/sandbox.js");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(page.body()).contains("/sandbox/web/sandbox.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).doesNotContain(".innerHTML");
        assertThat(SandboxHttp.get(sandbox.baseUrl() + "/sandbox/web/..%2Fsecret").statusCode()).isEqualTo(404);
    }
}
