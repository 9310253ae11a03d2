package io.chatbridge.dingtalk.sandbox;

import static io.chatbridge.dingtalk.sandbox.SandboxHttp.hmacBase64;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.sandbox.SandboxHttp.Answer;
import io.chatbridge.testkit.MutableClock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Custom robot webhooks (protocol §5) over real loopback HTTP. */
@ExtendWith(QuietJettyLogs.class)
class SandboxWebhookTest {

    private static final String SECRET = "SEC0123456789abcdef";
    private static final Map<String, Object> TEXT = Map.of("msgtype", "text", "text", Map.of("content", "hi"));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T08:00:00Z"));
    private DingTalkSandbox sandbox;

    @BeforeEach
    void start() {
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null).withWebhooks(List.of(
                new SandboxSettings.Webhook("alerts", "alerts-token", SECRET, "cidGroupA"),
                new SandboxSettings.Webhook("plain", "plain-token", null, "cidGroupB"))), clock).start();
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private String signedUrl(long timestamp, String secret) {
        String sign = URLEncoder.encode(hmacBase64(secret, Long.toString(timestamp)), StandardCharsets.UTF_8);
        return sandbox.webhookUrl("alerts") + "&timestamp=" + timestamp + "&sign=" + sign;
    }

    private static void assertError(Answer answer, int errcode, String errmsg) {
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("errcode").asInt()).isEqualTo(errcode);
        assertThat(answer.body().get("errmsg").asText()).isEqualTo(errmsg);
    }

    @Test
    void webhookUrlCarriesTheAccessToken() {
        assertThat(sandbox.webhookUrl("alerts")).isEqualTo(sandbox.baseUrl() + "/robot/send?access_token=alerts-token");
    }

    @Test
    void acceptsACorrectlySignedMessage() throws Exception {
        Answer answer = post(signedUrl(clock.millis() - 5_000, SECRET), TEXT);

        assertError(answer, 0, "ok");
        assertThat(sandbox.conversation("cidGroupA")).singleElement().satisfies(message -> {
            assertThat(message.via()).isEqualTo("webhook:alerts");
            assertThat(message.sender()).isEqualTo("alerts");
            assertThat(message.content().text()).isEqualTo("hi");
        });
    }

    @Test
    void rejectsASignatureMadeWithAnotherSecret() throws Exception {
        assertError(post(signedUrl(clock.millis(), "SECwrong"), TEXT), 310000, "sign not match");
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void rejectsATimestampOlderOrNewerThanOneHour() throws Exception {
        long hourAndASecond = Duration.ofHours(1).plusSeconds(1).toMillis();

        assertError(post(signedUrl(clock.millis() - hourAndASecond, SECRET), TEXT), 310000, "invalid timestamp");
        assertError(post(signedUrl(clock.millis() + hourAndASecond, SECRET), TEXT), 310000, "invalid timestamp");
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void rejectsAMissingSignatureWhenTheRobotHasASecret() throws Exception {
        assertError(post(sandbox.webhookUrl("alerts"), TEXT), 310000, "invalid timestamp");
        assertError(post(sandbox.webhookUrl("alerts") + "&timestamp=" + clock.millis(), TEXT), 310000,
                "sign not match");
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void rejectsASignatureThatWasNotUrlEncoded() throws Exception {
        // Base64 '+' turns into a space when the query is decoded, as on DingTalk; find a timestamp that has one
        long ts = clock.millis();
        while (!hmacBase64(SECRET, Long.toString(ts)).contains("+")) {
            ts--;
        }
        String raw = sandbox.webhookUrl("alerts") + "&timestamp=" + ts + "&sign=" + hmacBase64(SECRET, Long.toString(ts));

        assertError(post(raw, TEXT), 310000, "sign not match");
    }

    @Test
    void acceptsAnUnsignedMessageWhenTheRobotHasNoSecret() throws Exception {
        assertError(post(sandbox.webhookUrl("plain"), TEXT), 0, "ok");
        assertThat(sandbox.conversation("cidGroupB")).hasSize(1);
    }

    @Test
    void unknownTokenIs300001() throws Exception {
        assertError(post(sandbox.baseUrl() + "/robot/send?access_token=nope", TEXT), 300001, "token does not exist");
        assertError(post(sandbox.baseUrl() + "/robot/send", TEXT), 300001, "token does not exist");
    }

    @Test
    void unsupportedMsgtypeIs400105() throws Exception {
        assertError(post(sandbox.webhookUrl("plain"), Map.of("msgtype", "sampleText", "text", Map.of("content", "x"))),
                400105, "unsupported msgtype");
        assertThat(sandbox.conversation("cidGroupB")).isEmpty();
    }

    @Test
    void missingContentIsAnInvalidParameter() throws Exception {
        Answer answer = post(sandbox.webhookUrl("plain"), Map.of("msgtype", "markdown", "markdown", Map.of("title", "t")));

        assertThat(answer.body().get("errcode").asInt()).isEqualTo(40035);
        assertThat(answer.body().get("errmsg").asText()).contains("markdown.text");
    }

    @Test
    void storesEveryMsgtype() throws Exception {
        List<Map<String, Object>> bodies = List.of(
                Map.of("msgtype", "text", "text", Map.of("content", "ping @13800000000"),
                        "at", Map.of("atMobiles", List.of("13800000000"), "atUserIds", List.of("uid1"), "isAtAll", false)),
                Map.of("msgtype", "markdown", "markdown", Map.of("title", "MD", "text", "# Title\n- item")),
                Map.of("msgtype", "link", "link", Map.of("title", "Link", "text", "body",
                        "picUrl", "https://example.com/p.png", "messageUrl", "https://example.com/m")),
                Map.of("msgtype", "actionCard", "actionCard", Map.of("title", "Single", "text", "one button",
                        "btnOrientation", "0", "singleTitle", "Read", "singleURL", "https://example.com/r")),
                Map.of("msgtype", "actionCard", "actionCard", Map.of("title", "Multi", "text", "two buttons",
                        "btnOrientation", "1", "btns", List.of(
                                Map.of("title", "Yes", "actionURL", "https://example.com/y"),
                                Map.of("title", "No", "actionURL", "https://example.com/n")))),
                Map.of("msgtype", "feedCard", "feedCard", Map.of("links", List.of(
                        Map.of("title", "F1", "messageURL", "https://example.com/1", "picURL", "https://example.com/1.png"),
                        Map.of("title", "F2", "messageURL", "https://example.com/2", "picURL", "https://example.com/2.png")))));
        for (Map<String, Object> body : bodies) {
            assertError(post(sandbox.webhookUrl("plain"), body), 0, "ok");
        }

        List<MessageContent> contents = sandbox.conversation("cidGroupB").stream().map(SandboxMessage::content).toList();
        assertThat(contents).extracting(MessageContent::type)
                .containsExactly("text", "markdown", "link", "actionCard", "actionCard", "feedCard");
        assertThat(contents.get(0).atMobiles()).containsExactly("13800000000");
        assertThat(contents.get(0).atUserIds()).containsExactly("uid1");
        assertThat(contents.get(1).title()).isEqualTo("MD");
        assertThat(contents.get(2).picUrl()).isEqualTo("https://example.com/p.png");
        assertThat(contents.get(2).messageUrl()).isEqualTo("https://example.com/m");
        assertThat(contents.get(3).buttons()).containsExactly(new MessageContent.Button("Read", "https://example.com/r"));
        assertThat(contents.get(4).buttons()).extracting(MessageContent.Button::title).containsExactly("Yes", "No");
        assertThat(contents.get(4).btnOrientation()).isEqualTo("1");
        assertThat(contents.get(5).links()).containsExactly(
                new MessageContent.FeedLink("F1", "https://example.com/1", "https://example.com/1.png"),
                new MessageContent.FeedLink("F2", "https://example.com/2", "https://example.com/2.png"));
    }
}
