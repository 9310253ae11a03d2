package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.RichHeader;
import io.chatbridge.spi.SendResult;
import io.chatbridge.spi.Sender;
import io.chatbridge.testkit.TestDriverContext;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook egress against a real Javalin receiver on loopback. */
class WebhookEgressTest {

    private static final Instant NOW = Instant.parse("2024-05-01T08:00:00Z");

    /** What the receiver got. */
    record Received(String method, Map<String, String> headers, String body) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile Map<String, String> responseHeaders = Map.of();
    private volatile String responseBody = "";
    private volatile long delayMillis;
    private Javalin receiver;
    private TestDriverContext context;
    private WebhookDriver driver;

    @BeforeEach
    void startReceiver() {
        io.javalin.http.Handler handler = ctx -> {
            Map<String, String> headers = new LinkedHashMap<>();
            ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
            received.add(new Received(ctx.method().name(), headers, ctx.body()));
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            ctx.status(status);
            responseHeaders.forEach(ctx::header);
            ctx.result(responseBody);
        };
        receiver = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/hook", handler);
            cfg.routes.put("/hook", handler);
            cfg.routes.patch("/hook", handler);
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.stop();
        }
        if (context != null) {
            context.close();
        }
        receiver.stop();
    }

    private String url() {
        return "http://127.0.0.1:" + receiver.port() + "/hook";
    }

    private void startDriver(Map<String, Object> extra) throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("url", url() + "?access_token=SECRET-IN-URL");
        settings.putAll(extra);
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("webhook", "out", settings, problems, List.of());
        driver = (WebhookDriver) new WebhookDriverFactory().create(config);
        assertThat(problems).isEmpty();
        context = new TestDriverContext(config, Clock.fixed(NOW, ZoneOffset.UTC));
        driver.start(context);
    }

    private static OutboundMessage message(Map<String, Object> options) {
        Origin source = new Origin("dingtalk", "dt_main", Map.of("open_conversation_id", "cidAAA"), "msg-1",
                Sender.of("user123", "Yang"), Instant.parse("2024-05-01T07:59:00Z"));
        return OutboundMessage.builder().deliveryId("del-1").ruleId("ops-room").instanceId("out")
                .channel(Map.of("room", "ops")).text("Yang: hello").header(new RichHeader("Alert", "db1"))
                .rich(RichContent.markdown("T", "**hello**"))
                .attachment(Attachment.builder().type("image").url("https://example.com/a.png").name("a.png").size(10)
                        .mime("image/png").build())
                .mentions(new Mentions(List.of("u1"), List.of("138"), false)).options(options).source(source)
                .extensions(Map.of("xvchatgroup", "bot1")).attempt(1).build();
    }

    private static JsonNode json(String body) throws Exception {
        return JsonBodies.MAPPER.readTree(body);
    }

    @Test
    void aVoiceMessagesDurationIsCarriedAsDurationMs() throws Exception {
        startDriver(Map.of());

        driver.send(message(Map.of()).toBuilder().attachments(List.of(Attachment.builder().type("audio")
                .url("https://example.com/v.amr").name("voice message").durationMillis(4200).build())).build());

        assertThat(json(received.get(0).body()).get("attachments")).isEqualTo(json("[{\"type\":\"audio\","
                + "\"url\":\"https://example.com/v.amr\",\"name\":\"voice message\",\"duration_ms\":4200}]"));
    }

    @Test
    void postsMessageJsonWithConfiguredHeadersAndIdempotencyKey() throws Exception {
        startDriver(Map.of("headers", Map.of("Authorization", "Bearer egress-token", "X-Team", "ops")));
        responseBody = "{\"id\": \"remote-9\"}";

        SendResult result = driver.send(message(Map.of("msg_type", "markdown", "text", "must not override")));

        assertThat(result.platformMessageId()).isEqualTo("remote-9");
        Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.headers()).containsEntry("authorization", "Bearer egress-token")
                .containsEntry("x-team", "ops").containsEntry("idempotency-key", "del-1");
        assertThat(request.headers().get("content-type")).startsWith("application/json");
        JsonNode body = json(request.body());
        assertThat(body.get("text").asText()).isEqualTo("[Alert · db1]\nYang: hello\n[image] https://example.com/a.png");
        assertThat(body.get("channel")).isEqualTo(json("{\"room\":\"ops\"}"));
        assertThat(body.get("sender")).isEqualTo(json("{\"id\":\"user123\",\"display_name\":\"Yang\"}"));
        assertThat(body.get("attachments")).isEqualTo(json("[{\"type\":\"image\",\"url\":\"https://example.com/a.png\","
                + "\"name\":\"a.png\",\"size\":10,\"mime\":\"image/png\"}]"));
        assertThat(body.get("rich")).isEqualTo(json("{\"type\":\"markdown\",\"title\":\"T\",\"text\":\"**hello**\"}"));
        assertThat(body.get("mentions")).isEqualTo(json("{\"user_ids\":[\"u1\"],\"mobiles\":[\"138\"],\"all\":false}"));
        assertThat(body.get("rule_id").asText()).isEqualTo("ops-room");
        assertThat(body.get("delivery_id").asText()).isEqualTo("del-1");
        assertThat(body.get("source")).isEqualTo(json("{\"platform\":\"dingtalk\",\"instance_id\":\"dt_main\","
                + "\"channel\":{\"open_conversation_id\":\"cidAAA\"},\"message_id\":\"msg-1\","
                + "\"time\":\"2024-05-01T07:59:00Z\"}"));
        assertThat(body.get("extensions")).isEqualTo(json("{\"xvchatgroup\":\"bot1\"}"));
        assertThat(body.get("msg_type").asText()).isEqualTo("markdown");
    }

    @Test
    void usesConfiguredMethod() throws Exception {
        startDriver(Map.of("method", "put"));

        driver.send(message(Map.of()));

        assertThat(received.get(0).method()).isEqualTo("PUT");
    }

    @Test
    void usesPatchWhenConfigured() throws Exception {
        startDriver(Map.of("method", "PATCH"));

        driver.send(message(Map.of()));

        assertThat(received.get(0).method()).isEqualTo("PATCH");
    }

    @Test
    void ceModeSendsStructuredCloudEventWithMessageJsonAsData() throws Exception {
        startDriver(Map.of("ce_mode", true));

        driver.send(message(Map.of()));

        Received request = received.get(0);
        assertThat(request.headers().get("content-type")).startsWith("application/cloudevents+json");
        assertThat(request.headers()).containsEntry("idempotency-key", "del-1");
        CloudEvent event = new JsonFormat().deserialize(request.body().getBytes(StandardCharsets.UTF_8));
        assertThat(event.getType()).isEqualTo("io.chatbridge.message");
        assertThat(event.getSource().toString()).isEqualTo("chatbridge/out");
        assertThat(event.getId()).isEqualTo("del-1");
        assertThat(event.getTime().toInstant()).isEqualTo(NOW);
        assertThat(event.getDataContentType()).isEqualTo("application/json");
        assertThat(event.getExtension("xvchatgroup")).isEqualTo("bot1");
        JsonNode data = json(new String(event.getData().toBytes(), StandardCharsets.UTF_8));
        assertThat(data.get("delivery_id").asText()).isEqualTo("del-1");
        assertThat(data.get("text").asText()).contains("Yang: hello");
    }

    @Test
    void plainHttpTargetGetsHttp11WithoutAnH2cUpgradeOffer() throws Exception {
        startDriver(Map.of());

        driver.send(message(Map.of()));
        driver.send(message(Map.of())); // and on a reused connection

        assertThat(received).hasSize(2).allSatisfy(request -> {
            assertThat(request.headers()).doesNotContainKeys("upgrade", "http2-settings");
            assertThat(request.headers().getOrDefault("connection", "")).doesNotContainIgnoringCase("upgrade")
                    .doesNotContainIgnoringCase("http2-settings");
        });
    }

    @Test
    void succeedsOn200WithoutId() throws Exception {
        startDriver(Map.of());
        responseBody = "ok";

        assertThat(driver.send(message(Map.of()))).isEqualTo(SendResult.OK);
    }

    @Test
    void classifies500AsRetryableWithRetryAfterSecondsAndHidesUrl() throws Exception {
        startDriver(Map.of());
        status = 500;
        responseHeaders = Map.of("Retry-After", "30");
        responseBody = "{\"error\":\"db down\"}";

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isTrue();
        assertThat(e.code()).isEqualTo("SERVER_ERROR");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(e.getMessage()).isEqualTo("HTTP 500 from webhook egress of instance out: {\"error\":\"db down\"}")
                .doesNotContain("SECRET-IN-URL").doesNotContain("127.0.0.1");
    }

    @Test
    void classifies429AsRetryableWithRetryAfterHttpDate() throws Exception {
        startDriver(Map.of());
        status = 429;
        responseHeaders = Map.of("Retry-After", "Wed, 01 May 2024 08:02:00 GMT");

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isTrue();
        assertThat(e.code()).isEqualTo("RATE_LIMITED");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void classifies408AsRetryable() throws Exception {
        startDriver(Map.of());
        status = 408;

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isTrue();
        assertThat(e.code()).isEqualTo("TIMEOUT");
        assertThat(e.retryAfter()).isNull();
    }

    @Test
    void classifies400AsPermanent() throws Exception {
        startDriver(Map.of());
        status = 400;
        responseBody = "bad field";

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isFalse();
        assertThat(e.code()).isEqualTo("BAD_REQUEST");
        assertThat(e.getMessage()).isEqualTo("HTTP 400 from webhook egress of instance out: bad field");
    }

    @Test
    void classifies401AsPermanentAuthFailure() throws Exception {
        startDriver(Map.of());
        status = 401;

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isFalse();
        assertThat(e.code()).isEqualTo("AUTH_FAILED");
    }

    @Test
    void classifiesConnectionRefusedAsRetryableWithoutNamingTheUrl() throws Exception {
        try (Ports.ClosedPort closed = Ports.closedPort()) {
            int closedPort = closed.port();
            List<ConfigProblem> problems = new ArrayList<>();
            DriverConfig config = TestDriverContext.config("webhook", "out",
                    Map.of("url", "http://127.0.0.1:" + closedPort + "/hook?access_token=SECRET-IN-URL"), problems,
                    List.of());
            driver = (WebhookDriver) new WebhookDriverFactory().create(config);
            context = new TestDriverContext(config);
            driver.start(context);

            DeliveryException e = sendFailure();

            assertThat(e.retryable()).isTrue();
            assertThat(e.code()).isEqualTo("NETWORK");
            assertThat(e.getMessage()).startsWith("cannot reach webhook egress of instance out")
                    .doesNotContain("SECRET-IN-URL").doesNotContain(String.valueOf(closedPort));
        }
    }

    @Test
    void classifiesSlowReceiverAsRetryableTimeout() throws Exception {
        startDriver(Map.of("timeout_seconds", 1));
        delayMillis = 2000;

        DeliveryException e = sendFailure();

        assertThat(e.retryable()).isTrue();
        assertThat(e.code()).isEqualTo("TIMEOUT");
    }

    private DeliveryException sendFailure() {
        return catchThrowableOfType(DeliveryException.class, () -> driver.send(message(Map.of())));
    }
}
