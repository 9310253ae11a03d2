package io.chatbridge.webhook.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The default rendering of Alertmanager and Grafana notifications, compared with golden files under
 * {@code src/test/resources/alerts/} ({@code NAME.json} → {@code NAME.md}). The payloads follow the examples of
 * Alertmanager's and Grafana's documentation. Run with {@code -Dgolden.update=true} to rewrite the expected files
 * after a deliberate change, then review the diff.
 */
class AlertRenderingGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T08:30:00Z");

    private final AlertMessages messages = new AlertMessages(
            new AlertMarkdown(ZoneOffset.UTC, AlertMarkdown.DEFAULT_MAX_BYTES), AlertMessages.DEFAULT_RETRY_WINDOW);

    @ParameterizedTest
    @ValueSource(strings = {"alertmanager-firing", "alertmanager-resolved", "alertmanager-mixed",
            "alertmanager-probe-failure", "alertmanager-no-annotations", "alertmanager-no-alerts",
            "alertmanager-markdown-labels", "grafana-firing", "grafana-resolved", "grafana-missing-fields"})
    void rendersAsTheGoldenFile(String name) {
        JsonNode body = read(name + ".json");
        assertThat(AlertNotification.recognises(body)).isTrue();

        InboundMessage message = messages.toMessage(body, NOW);

        assertGolden(name + ".md", message.text());
        RichContent.Markdown markdown = (RichContent.Markdown) message.rich();
        assertThat(markdown.text()).isEqualTo(message.text());
        assertThat(markdown.title()).isEqualTo(message.text().lines().findFirst().orElseThrow()
                .substring("#### ".length()).replace("\\", ""));
    }

    @Test
    void manyAlertsAreCutToTheSizeLimitWithTheCountOfTheRestAndTheLink() {
        ObjectNode body = (ObjectNode) read("alertmanager-firing.json");
        ArrayNode alerts = (ArrayNode) body.get("alerts");
        JsonNode template = alerts.get(0);
        alerts.removeAll();
        for (int i = 0; i < 300; i++) {
            ObjectNode alert = template.deepCopy();
            ((ObjectNode) alert.get("labels")).put("instance", "node" + i + ":9100");
            ((ObjectNode) alert.get("annotations")).put("summary", "Disk almost full on node" + i);
            alert.put("fingerprint", String.format("%016x", i));
            alerts.add(alert);
        }
        body.put("truncatedAlerts", 5);

        String text = messages.toMessage(body, NOW).text();

        assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(AlertMarkdown.DEFAULT_MAX_BYTES);
        assertThat(text).startsWith("#### \\[FIRING:305\\] DiskFull");
        assertGolden("alertmanager-many.md", text);
        assertThat(text).endsWith("more alerts: [Alertmanager](http://alertmanager.example.org:9093/#/alerts"
                + "?receiver=team-ops)");
    }

    @Test
    void oneHugeDescriptionIsCutSoTheAlertStillFits() {
        ObjectNode body = (ObjectNode) read("alertmanager-probe-failure.json");
        ((ObjectNode) body.get("alerts").get(0).get("annotations")).put("description", "x".repeat(50_000));

        String text = messages.toMessage(body, NOW).text();

        assertThat(text).contains("x".repeat(AlertMarkdown.MAX_DESCRIPTION - 1) + "…");
        assertThat(text.length()).isLessThan(AlertMarkdown.DEFAULT_MAX_BYTES);
    }

    @Test
    void channelFieldsAreReceiverStatusAndEveryCommonLabel() {
        InboundMessage message = messages.toMessage(read("alertmanager-firing.json"), NOW);

        assertThat(message.channel()).isEqualTo(Map.of("receiver", "team-ops", "status", "firing",
                "alertname", "DiskFull", "job", "node", "severity", "critical"));
        assertThat(message.sender().bestName()).isEmpty();
        assertThat(message.extensions()).containsKey(AlertMessages.PAYLOAD_EXTENSION);
    }

    @Test
    void otherJsonIsNotTakenForAnAlert() {
        assertThat(AlertNotification.recognises(JSON.createObjectNode().put("text", "hi"))).isFalse();
        assertThat(AlertNotification.recognises(JSON.createObjectNode().put("groupKey", 3))).isFalse();
        assertThat(AlertNotification.recognises(JSON.createArrayNode())).isFalse();
    }

    private static JsonNode read(String name) {
        try (InputStream in = AlertRenderingGoldenTest.class.getResourceAsStream("/alerts/" + name)) {
            assertThat(in).as("test resource /alerts/" + name).isNotNull();
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertGolden(String name, String actual) {
        Path source = Path.of("src/test/resources/alerts", name);
        try {
            if (Boolean.getBoolean("golden.update")) {
                Files.writeString(source, actual + "\n");
            }
            try (InputStream in = AlertRenderingGoldenTest.class.getResourceAsStream("/alerts/" + name)) {
                String expected = in == null && Files.exists(source) ? Files.readString(source)
                        : in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(expected).as("golden file " + source + " (create it with -Dgolden.update=true)")
                        .isNotNull();
                assertThat(actual + "\n").as("rendering of " + name).isEqualTo(expected);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
