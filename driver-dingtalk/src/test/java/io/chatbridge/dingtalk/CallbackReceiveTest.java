package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.testkit.MutableClock;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Sender;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallbackReceiveTest {

    static final String SIGNING_SECRET = "this-is-the-signing-secret";
    static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);

    /** The documented sample callback (protocol §1). */
    static final String SAMPLE = """
            {
              "conversationId": "cidXXXX", "atUsers": [{ "dingtalkId": "$:LWCP_v1:$xxxx", "staffId": "xxx" }],
              "chatbotCorpId": "dinge8a565xxxx", "chatbotUserId": "$:LWCP_v1:$Cxxxxx", "msgId": "msg0xxxxx",
              "senderNick": "杨xx", "isAdmin": true, "senderStaffId": "user123",
              "sessionWebhookExpiredTime": 1613635652738, "createAt": 1613630252678, "senderCorpId": "dinge8a565xxxx",
              "conversationType": "2", "senderId": "$:LWCP_v1:$Ff09GIxxxxx", "conversationTitle": "机器人测试-TEST",
              "isInAtList": true, "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=xxxxx",
              "text": { "content": " 你好" }, "msgtype": "text", "robotCode": "dingxxxx"
            }""";

    private final MutableClock clock = new MutableClock(NOW);
    private final HttpClient http = HttpClient.newHttpClient();
    private DriverFixture fixture;

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void start(String signingSecret) throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", "dingappkey01");
        settings.put("app_secret", "app-secret");
        settings.put("robot_code", "dingrobot01");
        if (signingSecret != null) {
            settings.put("signing_secret", signingSecret);
        }
        settings.put("listen_port", 0);
        fixture = new DriverFixture(settings, List.of(), clock, new FakeTicker(), Sleeper.SYSTEM);
    }

    private HttpResponse<String> post(String body, String timestamp, String sign) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(fixture.context.url(0, "/dingtalk/event"))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (timestamp != null) {
            request.header("timestamp", timestamp);
        }
        if (sign != null) {
            request.header("sign", sign);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postSigned(String body) throws Exception {
        String ts = Long.toString(clock.millis());
        return post(body, ts, DingTalkSignature.sign(ts, SIGNING_SECRET));
    }

    @Test
    void acceptsCorrectlySignedCallback() throws Exception {
        start(SIGNING_SECRET);
        // the independently computed vector for this secret and timestamp
        HttpResponse<String> response = post(SAMPLE, "1700000000000", "XZ2uPU9jflTl6Pioja8PODdMhDk6Q7FIud3SWb1KdD8=");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fixture.context.published()).hasSize(1);
    }

    @Test
    void rejectsCallbackSignedWithWrongSecret() throws Exception {
        start(SIGNING_SECRET);
        String ts = Long.toString(clock.millis());
        HttpResponse<String> response = post(SAMPLE, ts, DingTalkSignature.sign(ts, "another-secret"));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).isEqualTo("{\"error\":\"signature mismatch\"}");
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void anUnsignedCallbackIsAnswered403BeforeItsBodyIsSent() throws Exception {
        start(SIGNING_SECRET);
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(),
                fixture.context.url(0, "/").getPort())) {
            socket.setSoTimeout(10_000);
            // headers announce a body that never comes: the answer must not wait for it
            socket.getOutputStream().write(("POST /dingtalk/event HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            StringBuilder status = new StringBuilder();
            int c;
            while ((c = socket.getInputStream().read()) >= 0 && c != '\n') {
                status.append((char) c);
            }
            assertThat(status.toString()).startsWith("HTTP/1.1 403");
        }
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void rejectsCallbackOlderThanOneHour() throws Exception {
        start(SIGNING_SECRET);
        String ts = Long.toString(clock.millis() - Duration.ofHours(1).toMillis() - 1);
        HttpResponse<String> response = post(SAMPLE, ts, DingTalkSignature.sign(ts, SIGNING_SECRET));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("timestamp outside the allowed window");
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void acceptsCallbackExactlyOneHourOld() throws Exception {
        start(SIGNING_SECRET);
        String ts = Long.toString(clock.millis() - Duration.ofHours(1).toMillis());
        assertThat(post(SAMPLE, ts, DingTalkSignature.sign(ts, SIGNING_SECRET)).statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsCallbackFromMoreThanOneHourInTheFuture() throws Exception {
        start(SIGNING_SECRET);
        String ts = Long.toString(clock.millis() + Duration.ofHours(1).toMillis() + 1);
        assertThat(post(SAMPLE, ts, DingTalkSignature.sign(ts, SIGNING_SECRET)).statusCode()).isEqualTo(403);
    }

    @Test
    void rejectsCallbackWithoutTimestampOrSign() throws Exception {
        start(SIGNING_SECRET);
        String ts = Long.toString(clock.millis());

        HttpResponse<String> noSign = post(SAMPLE, ts, null);
        HttpResponse<String> noTimestamp = post(SAMPLE, null, DingTalkSignature.sign(ts, SIGNING_SECRET));

        assertThat(noSign.statusCode()).isEqualTo(403);
        assertThat(noSign.body()).isEqualTo("{\"error\":\"missing timestamp or sign header\"}");
        assertThat(noTimestamp.statusCode()).isEqualTo(403);
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void rejectsCallbackWithSignThatIsNotBase64() throws Exception {
        start(SIGNING_SECRET);
        HttpResponse<String> response = post(SAMPLE, Long.toString(clock.millis()), "not base64 !!!");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void rejectsCallbackWithNonNumericTimestamp() throws Exception {
        start(SIGNING_SECRET);
        assertThat(post(SAMPLE, "yesterday", "abc=").statusCode()).isEqualTo(403);
    }

    @Test
    void normalisesDocumentedSampleFieldByField() throws Exception {
        start(SIGNING_SECRET);
        assertThat(postSigned(SAMPLE).statusCode()).isEqualTo(200);

        assertThat(fixture.context.published()).hasSize(1);
        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.platform()).isEqualTo("dingtalk");
        assertThat(m.instanceId()).isEqualTo("dt");
        assertThat(m.channel()).isEqualTo(Map.of("open_conversation_id", "cidXXXX"));
        assertThat(m.sender()).isEqualTo(Sender.of("user123", "杨xx"));
        assertThat(m.text()).isEqualTo("你好");
        assertThat(m.id()).isEqualTo("msg0xxxxx");
        assertThat(m.time()).isEqualTo(Instant.ofEpochMilli(1613630252678L));
        assertThat(m.mentions().userIds()).containsExactly("xxx");
        assertThat(m.mentions().all()).isFalse();
        assertThat(m.extensions()).containsEntry("chat_type", "group")
                .containsEntry("conversation_title", "机器人测试-TEST");
        assertThat(m.rich()).isNull();
        assertThat(m.attachments()).isEmpty();
    }

    @Test
    void prefersOpenConversationIdAndFallsBackToSenderId() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":"hi"},"conversationId":"cidOLD","openConversationId":"cidOPEN",
                 "conversationType":"1","senderId":"$:LWCP_v1:$enc","senderNick":"Ann","msgId":"m2","createAt":1}""";
        assertThat(post(body, null, null).statusCode()).isEqualTo(200);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.channel()).isEqualTo(Map.of("open_conversation_id", "cidOPEN"));
        assertThat(m.sender().id()).isEqualTo("$:LWCP_v1:$enc");
        assertThat(m.extensions()).containsEntry("chat_type", "direct").doesNotContainKey("conversation_title");
    }

    @Test
    void dropsRobotFromMentionsAndLeadingRobotMention() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":"@Bot  deploy now "},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m3",
                 "atUsers":[{"dingtalkId":"$:bot"}]}""";
        post(body, null, null);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.text()).isEqualTo("deploy now");
        assertThat(m.mentions().isEmpty()).isTrue();
    }

    @Test
    void keepsLeadingMentionOfAnotherUser() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":" @Alice look"},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m4",
                 "atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:alice","staffId":"alice01"}]}""";
        post(body, null, null);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.text()).isEqualTo("@Alice look");
        assertThat(m.mentions().userIds()).containsExactly("alice01");
        assertThat(m.mentions().nameOf("alice01")).isEqualTo("Alice");
    }

    @Test
    void dropsLeadingRobotMentionWhenOthersAreMentionedToo() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":"@Bot @Alice look"},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m5",
                 "atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:alice","staffId":"alice01"}]}""";
        post(body, null, null);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.text()).isEqualTo("@Alice look");
        assertThat(m.mentions().userIds()).containsExactly("alice01");
    }

    @Test
    void mentionsKeepTheDisplayNameTheTextGivesEachId() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":" @Alice @王小明 please review, cc ops@example.com"},
                 "conversationId":"cid1","conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1",
                 "msgId":"m8","atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:alice","staffId":"alice01"},
                 {"dingtalkId":"$:wang","staffId":"wang02"}]}""";
        post(body, null, null);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.mentions().userIds()).containsExactly("alice01", "wang02");
        assertThat(m.mentions().names()).containsExactly(Map.entry("alice01", "Alice"), Map.entry("wang02", "王小明"));
        assertThat(m.text()).isEqualTo("@Alice @王小明 please review, cc ops@example.com");
    }

    @Test
    void mentionsWhoseNamesTheTextDoesNotPairUpGoOnAsIdsOnly() throws Exception {
        start(null);
        // two people mentioned, one @name in the text (the other's was edited away): no name is guessed
        String body = """
                {"msgtype":"text","text":{"content":" @Alice look"},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m9",
                 "atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:alice","staffId":"alice01"},
                 {"dingtalkId":"$:bob","staffId":"bob02"}]}""";
        post(body, null, null);

        InboundMessage m = fixture.context.published().get(0);
        assertThat(m.mentions().userIds()).containsExactly("alice01", "bob02");
        assertThat(m.mentions().names()).isEmpty();
    }

    @Test
    void atSignInsideWordsIsNotTakenForAMention() throws Exception {
        start(null);
        String body = """
                {"msgtype":"text","text":{"content":"@Alice mail a@b.com"},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m6",
                 "atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:alice","staffId":"alice01"}]}""";
        post(body, null, null);
        String robotOnly = """
                {"msgtype":"text","text":{"content":" write to ops@example.com"},"conversationId":"cid1",
                 "conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"u1","msgId":"m7",
                 "atUsers":[{"dingtalkId":"$:bot"}]}""";
        post(robotOnly, null, null);

        assertThat(fixture.context.published()).extracting(InboundMessage::text)
                .containsExactly("@Alice mail a@b.com", "write to ops@example.com");
    }

    @Test
    void bodyOverOneMebibyteIsRefusedWith413AndTheEndpointKeepsServing() throws Exception {
        start(SIGNING_SECRET);
        String oversized = SAMPLE.replace("\" 你好\"", "\"" + "x".repeat(1024 * 1024) + "\"");
        assertThat(oversized.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1024 * 1024);

        assertThat(postSigned(oversized).statusCode()).isEqualTo(413);
        // without Content-Length (chunked) too
        String ts = Long.toString(clock.millis());
        HttpRequest chunked = HttpRequest.newBuilder(fixture.context.url(0, "/dingtalk/event"))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("timestamp", ts).header("sign", DingTalkSignature.sign(ts, SIGNING_SECRET))
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(oversized.getBytes(StandardCharsets.UTF_8))))
                .build();
        assertThat(http.send(chunked, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(413);
        assertThat(fixture.context.published()).isEmpty();

        assertThat(postSigned(SAMPLE).statusCode()).isEqualTo(200);
        assertThat(fixture.context.published()).extracting(InboundMessage::text).containsExactly("你好");
    }

    @Test
    void duplicateMsgIdIsAnsweredButRoutedOnce() throws Exception {
        start(SIGNING_SECRET);
        assertThat(postSigned(SAMPLE).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(9));
        assertThat(postSigned(SAMPLE).statusCode()).isEqualTo(200);

        assertThat(fixture.context.published()).hasSize(1);
    }

    @Test
    void signedPictureCallbackIsRoutedNotIgnored() throws Exception {
        start(SIGNING_SECRET);
        String picture = """
                {"msgtype":"picture","content":{"downloadCode":"dc","pictureDownloadCode":"pdc"},
                 "conversationId":"cid1","conversationType":"2","msgId":"m5"}""";

        assertThat(postSigned(picture).statusCode()).isEqualTo(200);
        assertThat(fixture.context.published()).hasSize(1);
        assertThat(fixture.context.published().get(0).attachments()).singleElement()
                .satisfies(a -> assertThat(a.sourceRef()).isEqualTo("dc"));
    }

    @Test
    void malformedJsonIsBadRequest() throws Exception {
        start(SIGNING_SECRET);
        HttpResponse<String> response = postSigned("{\"msgtype\": \"text\",");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"body is not valid JSON\"}");
        assertThat(postSigned("[1,2]").statusCode()).isEqualTo(400);
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void storeUnavailableIsServiceUnavailable() throws Exception {
        start(SIGNING_SECRET);
        fixture.context.failPublishes(true);

        assertThat(postSigned(SAMPLE).statusCode()).isEqualTo(503);
    }

    @Test
    void withoutSigningSecretAcceptsUnsignedCallbacksAndWarnsAtStart() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            start(null);
            assertThat(logs.all()).contains("WARN").contains("signing_secret is not set");
        }
        assertThat(post(SAMPLE, null, null).statusCode()).isEqualTo(200);
        assertThat(fixture.context.published()).hasSize(1);
    }

    @Test
    void rejectionLogsNeverShowSecretOrSignature() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            start(SIGNING_SECRET);
            String ts = Long.toString(clock.millis());
            String wrong = DingTalkSignature.sign(ts, "another-secret");
            post(SAMPLE, ts, wrong);
            postSigned(SAMPLE);

            assertThat(logs.all()).contains("rejected callback").doesNotContain(SIGNING_SECRET).doesNotContain(wrong)
                    .doesNotContain("app-secret");
        }
    }
}
