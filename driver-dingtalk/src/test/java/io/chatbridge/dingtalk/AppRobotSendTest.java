package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.dingtalk.FakeDingTalk.Reply;
import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.SendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AppRobotSendTest {

    private FakeDingTalk fake;
    private FakeTicker ticker;
    private DriverFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeDingTalk();
        ticker = new FakeTicker();
        fixture = DriverFixture.app(fake, ticker);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        fake.close();
    }

    private SendResult send(Messages message) throws DeliveryException {
        return fixture.driver.send(message.build());
    }

    @Test
    void groupSendCallsRobotApiWithTokenHeaderAndSampleTextThenThePicture() throws Exception {
        SendResult result = send(Messages.toGroup("cidAAA").text("hello").header("Alert", "disk full")
                .attachment("image", "https://img.example/a.png"));

        assertThat(result.platformMessageId()).isEqualTo("pqk-1,pqk-2");
        assertThat(fake.tokenRequests).hasSize(1);
        assertThat(fixture.context.counted("token_fetches", "outcome", "ok")).isEqualTo(1);
        FakeDingTalk.Request tokenRequest = fake.tokenRequests.get(0);
        assertThat(tokenRequest.path()).isEqualTo("/v1.0/oauth2/accessToken");
        assertThat(tokenRequest.json().path("appKey").asText()).isEqualTo(FakeDingTalk.APP_KEY);
        assertThat(tokenRequest.json().path("appSecret").asText()).isEqualTo(FakeDingTalk.APP_SECRET);

        assertThat(fake.groupSends).hasSize(2);
        FakeDingTalk.Request send = fake.groupSends.get(0);
        assertThat(send.path()).isEqualTo("/v1.0/robot/groupMessages/send");
        assertThat(send.header("x-acs-dingtalk-access-token")).isEqualTo(FakeDingTalk.token(1));
        JsonNode body = send.json();
        assertThat(body.path("robotCode").asText()).isEqualTo("dingrobot01");
        assertThat(body.path("openConversationId").asText()).isEqualTo("cidAAA");
        assertThat(body.path("msgKey").asText()).isEqualTo("sampleText");
        assertThat(body.path("msgParam").isTextual()).as("msgParam is a JSON string").isTrue();
        assertThat(body.path("msgParam").asText())
                .isEqualTo("{\"content\":\"[Alert · disk full]\\nhello\"}");
        // a public, lasting picture URL goes to DingTalk as it is
        JsonNode picture = fake.groupSends.get(1).json();
        assertThat(picture.path("msgKey").asText()).isEqualTo("sampleImageMsg");
        assertThat(picture.path("msgParam").asText()).isEqualTo("{\"photoURL\":\"https://img.example/a.png\"}");
    }

    @Test
    void sdkCallRunsOnTheDeliveryWorkerInsteadOfHoldingASecondThread() throws Exception {
        Thread worker = Thread.currentThread();
        List<StackTraceElement[]> workerStacks = new ArrayList<>();
        fake.onRobotSend = () -> workerStacks.add(worker.getStackTrace());

        send(Messages.toGroup("cidAAA").text("one"));
        send(Messages.to(Map.of("user_ids", List.of("u1"))).text("two"));

        // while DingTalk handles each call, the worker itself is inside the SDK call, not waiting on a future
        assertThat(workerStacks).hasSize(2).allSatisfy(stack -> assertThat(stack)
                .anyMatch(f -> f.getClassName().equals("io.chatbridge.dingtalk.outbound.RobotApi")
                        && (f.getMethodName().equals("groupSend") || f.getMethodName().equals("batchSend"))));
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("dingtalk-dt-api-"));
    }

    @Test
    void secondSendReusesCachedToken() throws Exception {
        send(Messages.toGroup("cidAAA").text("one"));
        send(Messages.toGroup("cidAAA").text("two"));

        assertThat(fake.tokenRequests).hasSize(1);
        assertThat(fake.groupSends).extracting(r -> r.header("x-acs-dingtalk-access-token"))
                .containsOnly(FakeDingTalk.token(1));
    }

    @Test
    void burstOfSendsFetchesOneToken() throws Exception {
        fake.tokenDelayMillis = 200; // keep the fetch in flight while the burst arrives
        ExecutorService pool = Executors.newFixedThreadPool(100);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<SendResult>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String text = "m" + i;
                Callable<SendResult> task = () -> {
                    go.await();
                    return send(Messages.toGroup("cid" + text).text(text));
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            for (Future<SendResult> result : results) {
                assertThat(result.get().platformMessageId()).startsWith("pqk-");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fake.tokenRequests).hasSize(1);
        assertThat(fake.groupSends).hasSize(100);
    }

    @Test
    void tokenIsRefetchedSixtySecondsBeforeExpiry() throws Exception {
        fake.expireIn = 7200;
        send(Messages.toGroup("cidAAA").text("first"));

        ticker.advance(Duration.ofSeconds(7200 - 60).minusNanos(1));
        send(Messages.toGroup("cidAAA").text("just before"));
        assertThat(fake.tokenRequests).hasSize(1);

        ticker.advance(Duration.ofNanos(1));
        send(Messages.toGroup("cidAAA").text("at refresh point"));
        assertThat(fake.tokenRequests).hasSize(2);
        assertThat(fake.groupSends.get(2).header("x-acs-dingtalk-access-token")).isEqualTo(FakeDingTalk.token(2));
    }

    @Test
    void invalidAuthenticationRefetchesTokenAndRetriesOnce() throws Exception {
        send(Messages.toGroup("cidAAA").text("warm up"));
        fake.sendReplies.add(new Reply(400, "{\"code\":\"InvalidAuthentication\",\"message\":\"不合法的access_token\"}"));

        SendResult result = send(Messages.toGroup("cidAAA").text("again"));

        assertThat(result.platformMessageId()).isEqualTo("pqk-3");
        assertThat(fake.tokenRequests).hasSize(2);
        assertThat(fake.groupSends).extracting(r -> r.header("x-acs-dingtalk-access-token"))
                .containsExactly(FakeDingTalk.token(1), FakeDingTalk.token(1), FakeDingTalk.token(2));
    }

    @Test
    void invalidAuthenticationTwiceIsPermanentAuthFailure() {
        fake.sendReplies.add(new Reply(400, "{\"code\":\"InvalidAuthentication\",\"message\":\"bad token\"}"));
        fake.sendReplies.add(new Reply(400, "{\"code\":\"InvalidAuthentication\",\"message\":\"bad token\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("AUTH_FAILED");
                });
        assertThat(fake.groupSends).hasSize(2);
        assertThat(fake.tokenRequests).hasSize(2);
    }

    @Test
    void qpsLimitIsRetryableAfterAtLeastOneSecond() {
        fake.sendReplies.add(new Reply(403,
                "{\"code\":\"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi\",\"message\":\"too fast\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void tooManyRequestsFromTheRobotApiIsRetryableAfterItsRetryAfter() {
        fake.sendReplies.add(new Reply(429, "{\"code\":\"Throttling\",\"message\":\"too many requests\"}",
                "application/json", Map.of("Retry-After", "7")));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                });
    }

    @Test
    void tooManyRequestsWithAnHtmlPageIsRetryableToo() {
        fake.sendReplies.add(new Reply(429, "<html><body>slow down</body></html>", "text/html",
                Map.of("Retry-After", "3")));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
                });
    }

    @Test
    void tooManyRequestsFromTheTokenEndpointIsRetryableAfterItsRetryAfter() {
        fake.tokenReplies.add(new Reply(429, "{\"code\":\"Throttling\",\"message\":\"too many requests\"}",
                "application/json", Map.of("Retry-After", "12")));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(12));
                    assertThat(e.getMessage()).startsWith("access token fetch for group send");
                });
        assertThat(fake.groupSends).isEmpty();
    }

    @Test
    void tokenEndpointAnswering200WithHtmlOrGarbageIsRetryableBecauseNothingWasSent() throws Exception {
        fake.tokenReplies.add(new Reply(200, "<html><body>Welcome to nginx!</body></html>", "text/html"));
        fake.tokenReplies.add(new Reply(200, "\u0000\u0001garbage", "application/octet-stream"));
        fake.tokenReplies.add(new Reply(200, "{\"unexpected\":true}"));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).as(e.getMessage()).isTrue();
                        assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                        assertThat(e.getMessage()).contains("(HTTP 200)").contains("nothing was sent yet")
                                .doesNotContain("may have");
                    });
        }
        assertThat(fake.groupSends).isEmpty();
        assertThat(send(Messages.toGroup("cidAAA").text("y")).platformMessageId()).isEqualTo("pqk-1");
    }

    @Test
    void serverErrorIsRetryable() {
        fake.sendReplies.add(new Reply(500, "{\"code\":\"ServiceUnavailable\",\"message\":\"try later\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void missingPermissionIsPermanentAndSaysSo() {
        fake.sendReplies.add(new Reply(403,
                "{\"code\":\"Forbidden.AccessDenied.AccessTokenPermissionDenied\",\"message\":\"no permission\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("PERMISSION_DENIED");
                    assertThat(e.getMessage()).contains("permission").contains("cidAAA").contains("sampleText");
                });
    }

    @Test
    void otherClientErrorIsPermanentWithDingTalkCode() {
        fake.sendReplies.add(new Reply(400,
                "{\"code\":\"invalidParameter.openConversationId\",\"message\":\"bad conversation\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.platformCode()).isEqualTo("invalidParameter.openConversationId");
                    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TARGET);
                });
    }

    @Test
    void wrongAppSecretIsPermanentAuthFailure() {
        fake.tokenReplies.add(new Reply(400, "{\"code\":\"invalidClientIdOrSecret\",\"message\":\"bad secret\"}"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("AUTH_FAILED");
                });
        assertThat(fake.groupSends).isEmpty();
    }

    @Test
    void failedTokenFetchLogNamesTheConversationAndMsgKeyButNoSecret() {
        fake.tokenReplies.add(new Reply(400, "{\"code\":\"invalidClientIdOrSecret\",\"message\":\"bad secret\"}"));

        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> send(Messages.toGroup("cidTOKEN").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.getMessage())
                            .contains("access token fetch for group send to open_conversation_id=cidTOKEN"));
            String warn = logs.lines().stream().filter(l -> l.startsWith("WARN")).findFirst().orElseThrow();
            assertThat(warn).contains("[dt] access token fetch for group send to open_conversation_id=cidTOKEN"
                    + " msgKey=sampleText failed").contains("invalidClientIdOrSecret");
            assertThat(logs.all()).doesNotContain(FakeDingTalk.APP_SECRET);
        }
    }

    @Test
    void failedTokenFetchIsNotCached() throws Exception {
        fake.tokenReplies.add(new Reply(500, "{\"code\":\"SystemBusy\",\"message\":\"busy\"}"));
        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());

        assertThat(send(Messages.toGroup("cidAAA").text("y")).platformMessageId()).isEqualTo("pqk-1");
        assertThat(fake.tokenRequests).hasSize(2);
    }

    @Test
    void unreachableApiIsRetryableNetworkErrorThatSaysConnectionRefused() throws Exception {
        fake.close();
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.code()).isEqualTo("NETWORK");
                        assertThat(e.getMessage()).isEqualTo("access token fetch for group send to "
                                + "open_conversation_id=cidAAA msgKey=sampleText: network error reaching 127.0.0.1: "
                                + "connection refused");
                    });
            // a retryable failure never reads as "unretryable"
            assertThat(logs.all()).contains("network error reaching 127.0.0.1: connection refused")
                    .doesNotContain("Unretryable");
        }
    }

    @Test
    void unknownApiHostIsRetryableNetworkErrorThatSaysUnknownHost() throws Exception {
        Map<String, Object> settings = new java.util.LinkedHashMap<>(DriverFixture.appSettings(fake));
        settings.put("api_endpoint", "http://api.dingtalk.invalid");
        try (DriverFixture unknown = new DriverFixture(settings, List.of(), java.time.Clock.systemUTC(), ticker,
                io.chatbridge.dingtalk.outbound.Sleeper.SYSTEM); LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> unknown.driver.send(Messages.toGroup("cidAAA").text("x").build()))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.code()).isEqualTo("NETWORK");
                        assertThat(e.getMessage()).endsWith(": network error reaching api.dingtalk.invalid: unknown host");
                    });
            assertThat(logs.all()).doesNotContain("Unretryable");
        }
    }

    @Test
    void htmlPageWith400IsPermanentAndQuotedByItsFirstLineOnly() throws Exception {
        send(Messages.toGroup("cidAAA").text("warm up"));
        String firstLine = "<html><head><title>400 Bad Request</title></head><body>" + "x".repeat(500);
        fake.sendReplies.add(new Reply(400, firstLine + "\n<p>second line</p>\n</body></html>", "text/html"));

        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> send(Messages.toGroup("cidHTML").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                        assertThat(e.getMessage()).contains("cidHTML").contains("(HTTP 400)")
                                .contains("answer is not JSON: <html><head><title>400 Bad Request")
                                .doesNotContain("\n").doesNotContain("second line").doesNotContain("x".repeat(200));
                    });
            String warn = logs.lines().stream().filter(l -> l.startsWith("WARN")).findFirst().orElseThrow();
            assertThat(warn).contains("cidHTML").contains("status=400").doesNotContain("\n")
                    .doesNotContain("second line").doesNotContain("x".repeat(200));
        }
        assertThat(fake.groupSends).hasSize(2);
    }

    @Test
    void nonJsonAnswerWith200IsPermanentSoTheMessageIsNotSentTwice() {
        fake.sendReplies.add(new Reply(200, "not json", "text/plain"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                    assertThat(e.getMessage()).contains("(HTTP 200)").contains("answer is not JSON: not json");
                });
        assertThat(fake.groupSends).hasSize(1);
    }

    @Test
    void htmlBadGatewayIsRetryable() {
        fake.sendReplies.add(new Reply(502,
                "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>", "text/html"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.platformCode()).isEqualTo("HTTP_502");
                    assertThat(e.reason()).isEqualTo(Reason.SERVER_ERROR);
                    assertThat(e.getMessage()).contains("answer is not JSON: <html>").doesNotContain("nginx");
                });
    }

    @Test
    void quotedAnswerHasCredentialsMasked() {
        fake.sendReplies.add(new Reply(200, "proxy error for /send?access_token=" + FakeDingTalk.token(1)
                + "&x=1 appSecret: " + FakeDingTalk.APP_SECRET, "text/plain"));

        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.getMessage())
                            .contains("access_token=***").doesNotContain("SECRETVALUE")
                            .doesNotContain(FakeDingTalk.APP_SECRET));
            assertThat(logs.all()).contains("access_token=***").doesNotContain("SECRETVALUE")
                    .doesNotContain(FakeDingTalk.APP_SECRET);
        }
    }

    @Test
    void htmlAnswerToTokenFetchIsPermanent() {
        fake.tokenReplies.add(new Reply(400, "<html>\n<body>Bad Request</body></html>", "text/html"));

        assertThatThrownBy(() -> send(Messages.toGroup("cidAAA").text("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
                });
        assertThat(fake.groupSends).isEmpty();
    }

    @Test
    void logsNameTargetAndCodeButNeverSecretsOrToken() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            send(Messages.toGroup("cidAAA").text("warm up"));
            fake.sendReplies.add(new Reply(400, "{\"code\":\"InvalidAuthentication\",\"message\":\"expired\"}"));
            fake.sendReplies.add(new Reply(400, "{\"code\":\"invalidParameter.msgKey\",\"message\":\"bad key\"}"));
            assertThatThrownBy(() -> send(Messages.toGroup("cidLOG").text("x")));

            String all = logs.all();
            assertThat(all).contains("[dt]").contains("cidLOG").contains("sampleText")
                    .contains("invalidParameter.msgKey").contains("bad key");
            assertThat(all).doesNotContain(FakeDingTalk.APP_SECRET).doesNotContain("SECRETVALUE");
        }
    }

    @Test
    void userIdsAreSentInBatchesOfTwenty() throws Exception {
        List<String> ids = IntStream.rangeClosed(1, 45).mapToObj(i -> "user" + i).toList();

        SendResult result = send(Messages.to(Map.of("user_ids", ids)).text("to everyone"));

        assertThat(fake.batchSends).hasSize(3);
        assertThat(fake.batchSends).extracting(FakeDingTalk.Request::path)
                .containsOnly("/v1.0/robot/oToMessages/batchSend");
        assertThat(fake.batchSends).extracting(r -> r.json().path("userIds").size()).containsExactly(20, 20, 5);
        JsonNode first = fake.batchSends.get(0).json();
        assertThat(first.path("robotCode").asText()).isEqualTo("dingrobot01");
        assertThat(first.path("userIds").get(0).asText()).isEqualTo("user1");
        assertThat(fake.batchSends.get(2).json().path("userIds").get(4).asText()).isEqualTo("user45");
        assertThat(first.path("msgKey").asText()).isEqualTo("sampleText");
        assertThat(first.path("msgParam").asText()).isEqualTo("{\"content\":\"to everyone\"}");
        assertThat(fake.batchSends.get(0).header("x-acs-dingtalk-access-token")).isEqualTo(FakeDingTalk.token(1));
        assertThat(result.platformMessageId()).isEqualTo("oto-1,oto-2,oto-3");
    }

    @Test
    void retryAfterPartialBatchFailureSkipsBatchesAlreadySent() throws Exception {
        List<String> ids = IntStream.rangeClosed(1, 45).mapToObj(i -> "user" + i).toList();
        fake.sendReplies.add(new Reply(200, "{\"processQueryKey\":\"first\"}"));
        fake.sendReplies.add(new Reply(503, "{\"code\":\"ServiceUnavailable\",\"message\":\"later\"}"));
        assertThatThrownBy(() -> send(Messages.to(Map.of("user_ids", ids)).text("x").deliveryId("d-9")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());

        SendResult result = send(Messages.to(Map.of("user_ids", ids)).text("x").deliveryId("d-9"));

        assertThat(fake.batchSends).extracting(r -> r.json().path("userIds").get(0).asText())
                .containsExactly("user1", "user21", "user21", "user41");
        assertThat(result.platformMessageId()).startsWith("first,");
    }

    @Test
    void invalidAndFlowControlledStaffIdsAreLogged() throws Exception {
        fake.sendReplies.add(new Reply(200, "{\"processQueryKey\":\"k\",\"invalidStaffIdList\":[\"ghost\"],"
                + "\"flowControlledStaffIdList\":[\"busy1\"]}"));
        try (LogCapture logs = new LogCapture()) {
            send(Messages.to(Map.of("user_ids", List.of("ghost", "busy1", "ok"))).text("x"));
            assertThat(logs.all()).contains("invalid staff ids [ghost]").contains("flow-controlled staff ids [busy1]");
        }
    }
}
