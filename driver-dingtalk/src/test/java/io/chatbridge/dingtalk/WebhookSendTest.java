package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.dingtalk.FakeDingTalk.Reply;
import io.chatbridge.dingtalk.TestTime.FakeSleeper;
import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.SendResult;
import io.chatbridge.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookSendTest {

    private FakeDingTalk fake;
    private MutableClock clock;
    private FakeSleeper sleeper;
    private DriverFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeDingTalk();
        fake.webhookSecrets.put("tokOPS", "SECops0123456789");
        fake.webhookSecrets.put("tokVANUS", "SECvanus987");
        clock = new MutableClock(Instant.now());
        sleeper = new FakeSleeper(clock);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("webhooks", List.of(
                Map.of("chat_group", "ops", "url", fake.webhookUrl("tokOPS"), "secret", "SECops0123456789"),
                Map.of("chat_group", "dev", "url", fake.webhookUrl("tokDEV")),
                Map.of("chat_group", "vanus", "url", fake.webhookUrl("tokVANUS"), "signature", "SECvanus987"),
                Map.of("chat_group", "slow", "url", fake.webhookUrl("tokSLOW"), "rate_per_minute", 3)));
        settings.put("defalult", "dev");
        fixture = new DriverFixture(settings, List.of(), clock, new FakeTicker(), sleeper);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        fake.close();
    }

    private SendResult send(Messages message) throws DeliveryException {
        return fixture.driver.send(message.build());
    }

    private static Messages toGroup(String group) {
        return Messages.to(Map.of("chat_group", group));
    }

    @Test
    void signedWebhookCarriesTimestampAndSignThatDingTalkAccepts() throws Exception {
        SendResult result = send(toGroup("ops").text("hello"));

        assertThat(result).isEqualTo(SendResult.OK);
        FakeDingTalk.Request post = fake.webhookPosts.get(0);
        assertThat(post.path()).isEqualTo("/robot/send");
        assertThat(post.query().get("access_token")).containsExactly("tokOPS");
        String ts = post.query().get("timestamp").get(0);
        assertThat(Long.parseLong(ts)).isEqualTo(clock.millis());
        assertThat(post.query().get("sign")).containsExactly(DingTalkSignature.sign(ts, "SECops0123456789"));
        assertThat(post.header("content-type")).startsWith("application/json");
        assertThat(post.body()).isEqualTo("{\"msgtype\":\"text\",\"text\":{\"content\":\"hello\"}}");
    }

    @Test
    void vanusSignatureKeyIsTheSecret() throws Exception {
        assertThat(send(toGroup("vanus").text("from vanus"))).isEqualTo(SendResult.OK);
        assertThat(fake.webhookPosts.get(0).query()).containsKeys("timestamp", "sign");
    }

    @Test
    void unsignedWebhookSendsNoTimestampOrSign() throws Exception {
        send(toGroup("dev").text("plain"));

        assertThat(fake.webhookPosts.get(0).query()).containsOnlyKeys("access_token");
    }

    @Test
    void wrongSecretIsPermanentWithDingTalkErrmsg() throws Exception {
        fake.webhookSecrets.put("tokOPS", "SECrotated");

        assertThatThrownBy(() -> send(toGroup("ops").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.platformCode()).isEqualTo("310000");
                    assertThat(e.reason()).isEqualTo(Reason.AUTH_FAILED);
                    assertThat(e.getMessage()).contains("ops").contains("sign not match")
                            .doesNotContain("tokOPS");
                });
    }

    @Test
    void errcodeZeroAsNumberOrStringIsSuccess() throws Exception {
        fake.webhookReplies.add(new Reply(200, "{\"errcode\":\"0\",\"errmsg\":\"ok\"}"));
        assertThat(send(toGroup("dev").text("a"))).isEqualTo(SendResult.OK);
        fake.webhookReplies.add(new Reply(200, "{\"errcode\":0,\"errmsg\":\"ok\"}"));
        assertThat(send(toGroup("dev").text("b"))).isEqualTo(SendResult.OK);
    }

    @Test
    void answerWithoutErrcodeIsPermanentUnexpectedAnswer() {
        for (String body : List.of("{\"errmsg\":\"ok\"}", "{\"errcode\":null}", "{}")) {
            fake.webhookReplies.add(new Reply(200, body));
            assertThatThrownBy(() -> send(toGroup("ops").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                        assertThat(e.getMessage()).contains("custom robot 'ops'").contains("without errcode")
                                .doesNotContain("tokOPS").doesNotContain("http");
                    });
        }
    }

    @Test
    void answerThatIsNotJsonIsPermanentUnexpectedAnswer() {
        fake.webhookReplies.add(new Reply(200, "<html>\n<body>portal</body></html>", "text/html"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                    assertThat(e.getMessage()).contains("not a JSON object");
                });
    }

    @Test
    void sendingTooFastCodesAreRetryable() {
        for (String code : List.of("410100", "130101", "\"660026\"")) {
            fake.webhookReplies.add(new Reply(200, "{\"errcode\":" + code + ",\"errmsg\":\"send too fast\"}"));
            assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.code()).isEqualTo("RATE_LIMITED");
                        assertThat(e.retryAfter()).isPositive();
                    });
        }
    }

    @Test
    void systemBusyIsRetryable() {
        fake.webhookReplies.add(new Reply(200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void otherErrcodesArePermanent() {
        Map<String, Reason> reasons = Map.of("310000", Reason.AUTH_FAILED, "300001", Reason.UNKNOWN_TARGET,
                "400102", Reason.TARGET_GONE, "400105", Reason.BAD_REQUEST, "430101", Reason.CONTENT_REJECTED);
        for (String code : List.of("310000", "300001", "400102", "400105", "430101")) {
            fake.webhookReplies.add(new Reply(200, "{\"errcode\":" + code + ",\"errmsg\":\"nope\"}"));
            assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.platformCode()).isEqualTo(code);
                        assertThat(e.reason()).as(code).isEqualTo(reasons.get(code));
                        assertThat(e.code()).isEqualTo(reasons.get(code).name());
                    });
        }
    }

    @Test
    void anUnreachableCustomRobotIsARetryableNetworkErrorThatSaysWhy() {
        fake.close();
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.code()).isEqualTo("NETWORK");
                        assertThat(e.getMessage()).isEqualTo("custom robot 'dev' (text): network error reaching"
                                + " 127.0.0.1: connection refused");
                    });
            assertThat(logs.all()).contains("network error reaching 127.0.0.1: connection refused")
                    .doesNotContain("tokDEV");
        }
    }

    @Test
    void tooManyRequestsFromACustomRobotHonoursRetryAfter() {
        fake.webhookReplies.add(new Reply(429, "slow down", "text/plain", Map.of("Retry-After", "30")));

        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(30));
                });
    }

    @Test
    void keywordsMissingIsContentRejectedAndAnUnknownErrcodeKeepsItsOwnCode() {
        fake.webhookReplies.add(new Reply(200, "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CONTENT_REJECTED));
        fake.webhookReplies.add(new Reply(200, "{\"errcode\":499999,\"errmsg\":\"new\"}"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.reason()).isEqualTo(Reason.OTHER);
                    assertThat(e.code()).as("what dead letters store").isEqualTo("499999");
                });
    }

    @Test
    void httpStatusErrorsAreClassified() {
        fake.webhookReplies.add(new Reply(502, "bad gateway"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        fake.webhookReplies.add(new Reply(429, "slow down"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        fake.webhookReplies.add(new Reply(404, "not found"));
        assertThatThrownBy(() -> send(toGroup("dev").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse());
    }

    @Test
    void unreachableWebhookIsRetryableAndNamesNoToken() {
        fake.close();
        assertThatThrownBy(() -> send(toGroup("ops").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).doesNotContain("tokOPS");
                });
    }

    @Test
    void xvchatgroupExtensionPicksTheGroupWhenAddressNamesNone() throws Exception {
        send(Messages.to(Map.of()).text("x").extension("xvchatgroup", "ops"));
        assertThat(fake.webhookPosts.get(0).query().get("access_token")).containsExactly("tokOPS");
    }

    @Test
    void defaultGroupIsUsedWhenNothingNamesOne() throws Exception {
        send(Messages.to(Map.of()).text("x"));
        assertThat(fake.webhookPosts.get(0).query().get("access_token")).containsExactly("tokDEV");
    }

    @Test
    void unknownChatGroupAtRuntimeIsPermanent() {
        assertThatThrownBy(() -> send(Messages.to(Map.of()).text("x").extension("xvchatgroup", "nope")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("unknown chat_group 'nope'").contains("ops, dev, vanus, slow");
                });
    }

    @Test
    void pacesEachWebhookToItsRatePerMinuteWithoutDropping() throws Exception {
        Instant start = clock.instant();
        List<Duration> sentAt = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            send(toGroup("slow").text("m" + i));
            sentAt.add(Duration.between(start, clock.instant()));
        }

        assertThat(fake.webhookPosts).hasSize(7);
        assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(60));
        assertThat(sentAt).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(120));
        // another robot is not held back by the slow one
        send(toGroup("dev").text("other"));
        assertThat(sleeper.waits).hasSize(2);
    }

    @Test
    void chatGroupsSharingOneRobotUrlShareItsRate() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("webhooks", List.of(
                Map.of("chat_group", "alerts", "url", fake.webhookUrl("tokSHARED"), "rate_per_minute", 3),
                Map.of("chat_group", "alerts-copy", "url", fake.webhookUrl("tokSHARED"), "rate_per_minute", 3),
                Map.of("chat_group", "own", "url", fake.webhookUrl("tokOWN"), "rate_per_minute", 3)));
        try (DriverFixture shared = new DriverFixture(settings, List.of(), clock, new FakeTicker(), sleeper)) {
            Instant start = clock.instant();
            for (String group : List.of("alerts", "alerts-copy", "alerts")) {
                shared.driver.send(toGroup(group).text(group).build());
            }
            assertThat(sleeper.waits).isEmpty();
            assertThat(shared.driver.sendDelay(toGroup("alerts-copy").text("4th").build()))
                    .isEqualTo(Duration.ofSeconds(60));
            assertThat(shared.driver.sendDelay(toGroup("own").text("other robot").build())).isZero();

            shared.driver.send(toGroup("alerts-copy").text("4th").build());

            assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(60));
            assertThat(Duration.between(start, clock.instant())).isEqualTo(Duration.ofSeconds(60));
            assertThat(fake.webhookPosts).hasSize(4);
        }
    }

    @Test
    void sendDelayTellsTheEngineToPostponeARobotWhoseRateIsUsedUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(fixture.driver.sendDelay(toGroup("slow").text("m" + i).build())).isZero();
            send(toGroup("slow").text("m" + i));
        }

        assertThat(fixture.driver.sendDelay(toGroup("slow").text("m3").build())).isEqualTo(Duration.ofSeconds(60));
        assertThat(fixture.driver.sendDelay(Messages.to(Map.of()).text("x").extension("xvchatgroup", "slow").build()))
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(fixture.context.counted("custom_robot_pacing_waits")).as("pacing waits counted").isEqualTo(2);
        assertThat(fixture.driver.sendDelay(toGroup("dev").text("other").build())).isZero();
        clock.advance(Duration.ofSeconds(60));
        assertThat(fixture.driver.sendDelay(toGroup("slow").text("m3").build())).isZero();
        assertThat(fake.webhookPosts).hasSize(3);
    }

    @Test
    void logsNeverShowWebhookTokenOrSecret() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            fake.webhookReplies.add(new Reply(200, "{\"errcode\":400102,\"errmsg\":\"robot stopped\"}"));
            assertThatThrownBy(() -> send(toGroup("ops").text("x")));
            fake.close();
            assertThatThrownBy(() -> send(toGroup("vanus").text("y")));

            assertThat(logs.all()).contains("ops").contains("400102").contains("robot stopped")
                    .doesNotContain("tokOPS").doesNotContain("tokVANUS").doesNotContain("SECops")
                    .doesNotContain("SECvanus").doesNotContain("access_token=");
        }
    }
}
