package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chatbridge.testkit.MutableClock;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Alertmanager and Grafana notifications into the webhook ingress: recognised without configuration, answered 2xx
 * (a 4xx makes Alertmanager drop the alert), de-duplicated across Alertmanager's retries but not its repeats, and
 * every refusal logged at WARN.
 */
class WebhookAlertIngressTest {

    private static final String JSON = "application/json";

    private IngressFixture ingress;

    @AfterEach
    void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    private IngressFixture start(Map<String, Object> settings) throws Exception {
        ingress = new IngressFixture(settings, BridgeServedContext::new); // the bridge's servers: 413, routes
        return ingress;
    }

    @Test
    void alertmanagerNotificationIsAcceptedAsOneMarkdownMessage() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.post(JSON, alert("alertmanager-firing.json"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published()).hasSize(1);
        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.rich()).isInstanceOf(RichContent.Markdown.class);
        assertThat(((RichContent.Markdown) message.rich()).title()).isEqualTo("[FIRING:2] DiskFull");
        assertThat(message.text()).contains("**Disk almost full on node1**", "**Disk almost full on node2**");
        assertThat(message.channel()).containsEntry("status", "firing").containsEntry("severity", "critical")
                .containsEntry("receiver", "team-ops");
    }

    @Test
    void grafanaNotificationIsAccepted() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.post(JSON, alert("grafana-firing.json"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).channel()).isEqualTo(Map.of("receiver", "My Super Webhook",
                "status", "firing", "team", "blue"));
    }

    @Test
    void notificationWithoutAlertsIsAcceptedNotRefused() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.post(JSON, alert("alertmanager-no-alerts.json"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).text()).contains("The notification lists no alerts.");
    }

    @Test
    void alertsWithoutAnnotationsAreAccepted() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.post(JSON, alert("alertmanager-no-annotations.json"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).text()).contains("**Test**", "instance: localhost:9091");
    }

    @Test
    void alertmanagersRetryOfTheSameNotificationIsADuplicateButARepeatAfterRepeatIntervalIsDelivered()
            throws Exception {
        start(Map.of());
        MutableClock clock = new MutableClock(Instant.parse("2024-05-01T08:30:00Z"));
        ingress.context.setClock(clock);
        String body = alert("alertmanager-firing.json");

        assertThat(ingress.post(JSON, body).body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        clock.advance(Duration.ofSeconds(20)); // Alertmanager's retry after a timeout
        assertThat(ingress.post(JSON, body).body()).isEqualTo("{\"accepted\":0,\"duplicates\":1}");
        clock.advance(Duration.ofHours(4)); // repeat_interval: the same group notified again
        assertThat(ingress.post(JSON, body).body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");

        assertThat(ingress.context.published()).hasSize(2);
    }

    @Test
    void resolvedNotificationOfTheSameGroupIsANewMessage() throws Exception {
        start(Map.of());

        ingress.post(JSON, alert("alertmanager-firing.json"));
        HttpResponse<String> resolved = ingress.post(JSON, alert("alertmanager-resolved.json"));

        assertThat(resolved.body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        assertThat(ingress.context.published()).extracting(m -> m.channel().get("status"))
                .containsExactly("firing", "resolved");
        assertThat(((RichContent.Markdown) ingress.context.published().get(1).rich()).title())
                .isEqualTo("[RESOLVED] DiskFull");
    }

    @Test
    void fiveMegabytePayloadIs413AndLoggedAtWarnWithoutTheBody() throws Exception {
        start(Map.of());
        ListAppender<ILoggingEvent> logs = capture("io.chatbridge.core.http.HttpServers");
        StringBuilder big = new StringBuilder("{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[");
        while (big.length() < 5 * 1024 * 1024) {
            big.append("{\"labels\":{\"alertname\":\"SECRET-PAYLOAD-WORD\"}},");
        }
        big.setLength(big.length() - 1);
        big.append("]}");

        HttpResponse<String> response = ingress.post(JSON, big.toString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(ingress.context.published()).isEmpty();
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("POST /events", "127.0.0.1", "413", "larger than");
        });
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("SECRET-PAYLOAD-WORD"));
    }

    @Test
    void refusedRequestIsLoggedAtWarnWithReasonAndAddressOncePerWindow() throws Exception {
        start(Map.of());
        ListAppender<ILoggingEvent> logs = capture("io.chatbridge.webhook.WebhookIngress");

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = ingress.post(JSON, "{\"note\": \"SECRET-BODY-WORD\"}");
            assertThat(response.statusCode()).isEqualTo(400);
        }
        ingress.post("{}", "Content-Type", JSON); // no token: 401, its own line

        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(2);
        assertThat(logs.list.get(0).getFormattedMessage()).contains("webhook alerts POST /events", "127.0.0.1",
                "400", "text or attachments required");
        assertThat(logs.list.get(1).getFormattedMessage()).contains("401", "missing bearer token");
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("SECRET-BODY-WORD"));
    }

    @Test
    void compatPathMapsTheTargetToAChannelField() throws Exception {
        start(Map.of("compat", "prometheus-webhook-dingtalk"));

        HttpResponse<String> response = ingress.postTo("/dingtalk/webhook1/send",
                alert("alertmanager-firing.json").getBytes(StandardCharsets.UTF_8), "Content-Type", JSON,
                "Authorization", "Bearer " + IngressFixture.TOKEN);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).channel()).containsEntry("target", "webhook1")
                .containsEntry("status", "firing");
        assertThat(ingress.post(JSON, alert("alertmanager-resolved.json")).statusCode()).isEqualTo(202);
        assertThat(ingress.context.published().get(1).channel()).doesNotContainKey("target");
    }

    @Test
    void withoutCompatThePrometheusWebhookDingtalkPathIsNotServed() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.postTo("/dingtalk/webhook1/send",
                alert("alertmanager-firing.json").getBytes(StandardCharsets.UTF_8), "Content-Type", JSON,
                "Authorization", "Bearer " + IngressFixture.TOKEN);

        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void payloadJsonAcceptsAGitLabPushEventWithItsTopLevelFieldsAsChannel() throws Exception {
        start(Map.of("payload", "json"));

        HttpResponse<String> response = ingress.post("""
                {"object_kind": "push", "ref": "refs/heads/main", "user_name": "Jane", "total_commits_count": 1,
                 "project": {"name": "bridge"}}""", "Content-Type", JSON, "Authorization",
                "Bearer " + IngressFixture.TOKEN, "X-Gitlab-Event-UUID", "6b1a-44");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.channel()).isEqualTo(Map.of("object_kind", "push", "ref", "refs/heads/main",
                "user_name", "Jane", "total_commits_count", 1));
        assertThat(message.id()).isEqualTo("x-gitlab-event-uuid:6b1a-44");
        assertThat(message.text()).contains("\"object_kind\":\"push\"");
    }

    @Test
    void payloadJsonRefusesNonObjectJsonNamingWhatItGot() throws Exception {
        start(Map.of("payload", "json"));

        HttpResponse<String> array = ingress.post(JSON, "[1, 2]");
        HttpResponse<String> string = ingress.post(JSON, "\"hello\"");

        assertThat(array.statusCode()).isEqualTo(400);
        assertThat(array.body()).contains("payload \\\"json\\\" takes a JSON object, got an array");
        assertThat(string.statusCode()).isEqualTo(400);
        assertThat(string.body()).contains("got a string");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void withoutPayloadJsonOtherJsonStillNeedsText() throws Exception {
        start(Map.of());

        HttpResponse<String> response = ingress.post(JSON, "{\"object_kind\": \"push\"}");

        assertThat(response.statusCode()).isEqualTo(400);
    }

    private static ListAppender<ILoggingEvent> capture(String logger) {
        Logger log = (Logger) LoggerFactory.getLogger(logger);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.list = new java.util.concurrent.CopyOnWriteArrayList<>(); // server threads log while the test reads
        appender.start();
        log.addAppender(appender);
        return appender;
    }

    static String alert(String name) {
        try (InputStream in = WebhookAlertIngressTest.class.getResourceAsStream("/alerts/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
