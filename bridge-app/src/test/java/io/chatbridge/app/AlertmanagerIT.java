package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.MessageContent;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager}) whose webhook receivers point at the
 * packaged bridge running {@code examples/alertmanager-to-dingtalk} (its prometheus-webhook-dingtalk URLs and
 * Bearer token, as in the example's alertmanager.yml), with signed custom robots in a DingTalk sandbox: alerts
 * posted to Alertmanager's API fire and resolve, every notification is answered 2xx, and the groups show readable
 * firing and resolved messages. Timings are shortened (group_wait and group_interval 1 s) to keep it to seconds.
 * Skipped with a message when the Alertmanager binary is not installed ({@code .ci/run} installs it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertmanagerIT {

    private static final Path ALERTMANAGER = Path.of(System.getProperty("alertmanager.binary",
            "/usr/bin/prometheus-alertmanager"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOKEN = "alertmanager-it-token-0123456789";

    private final HttpClient http = HttpClient.newHttpClient();
    private DingTalkSandbox dingtalk;
    private Process bridge;
    private Process alertmanager;
    private Path dir;
    private int alertmanagerPort;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(ALERTMANAGER), "skipped: " + ALERTMANAGER + " not found (Debian package "
                + "prometheus-alertmanager; .ci/run installs it)");
        dingtalk = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)
                .withWebhooks(List.of(
                        new SandboxSettings.Webhook("webhook1", "am-token-1", "SECam-one", "cidGroupA"),
                        new SandboxSettings.Webhook("webhook2", "am-token-2", "SECam-two", "cidGroupB"))))
                .start();

        dir = Files.createTempDirectory("alertmanager-it-");
        Path example = BridgeJarIT.ROOT.resolve("examples/alertmanager-to-dingtalk");
        int[] bridgePorts = new int[1];
        BridgeJarIT.Prepare prepare = () -> {
            bridgePorts[0] = Ports.freePort();
            ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
            ((ObjectNode) config.path("webhook").path("alertmanager")).put("listen_port", bridgePorts[0]);
            ObjectNode robot = (ObjectNode) config.path("dingtalk").path("dingtalk");
            robot.remove(List.of("sandbox", "sandbox_port")); // the test's own sandbox checks the robots' signatures
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
            return bridgePorts;
        };
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        Files.createDirectories(dir.resolve("templates"));
        Files.copy(example.resolve("templates/dingtalk.peb"), dir.resolve("templates/dingtalk.peb"));
        bridge = BridgeJarIT.startHealthy(dir, Map.of("ALERTMANAGER_TOKEN", TOKEN,
                "DINGTALK_WEBHOOK_URL", dingtalk.webhookUrl("webhook1"), "DINGTALK_WEBHOOK_SECRET", "SECam-one",
                "DINGTALK_WEBHOOK_URL_2", dingtalk.webhookUrl("webhook2"), "DINGTALK_WEBHOOK_SECRET_2", "SECam-two"),
                dir.resolve("bridge.log"), prepare, "--config", "config.json", "--rules", "rules.json");
        int bridgePort = bridgePorts[0];

        // the example's alertmanager.yml with the test's port, token and second-scale timings
        String yml = Files.readString(example.resolve("alertmanager.yml"))
                .replace("127.0.0.1:8060", "127.0.0.1:" + bridgePort)
                .replace("credentials: alertmanager-example-token", "credentials: " + TOKEN)
                .replace("group_wait: 30s", "group_wait: 1s")
                .replace("group_interval: 5m", "group_interval: 1s")
                .replace("resolve_timeout: 5m", "resolve_timeout: 10s");
        assertThat(yml).contains("group_wait: 1s", "group_interval: 1s", "127.0.0.1:" + bridgePort, TOKEN);
        Files.writeString(dir.resolve("alertmanager.yml"), yml);
        Ports.retryingBindFailures(() -> { // its port is on its command line: chosen again when taken meanwhile
            alertmanagerPort = Ports.freePort();
            alertmanager = new ProcessBuilder(ALERTMANAGER.toString(),
                    "--config.file=" + dir.resolve("alertmanager.yml"),
                    "--storage.path=" + dir.resolve("am-data"),
                    "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                    "--cluster.listen-address=",
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
            awaitAlertmanager();
            return alertmanager;
        });
    }

    @AfterAll
    void stop() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            alertmanager.waitFor();
        }
        BridgeJarIT.stop(bridge);
        if (dingtalk != null) {
            dingtalk.close();
        }
    }

    @Test
    void firingAndResolvedAlertsReachTheGroupAsReadableMarkdown() throws Exception {
        Instant start = Instant.now().minusSeconds(60);
        postAlert("DiskFull", "warning", "node1:9100", "Disk almost full on node1", start, null);

        SandboxMessage firing = await("cidGroupA", m -> m.content().title() != null
                && m.content().title().startsWith("[FIRING:1] DiskFull"));
        MessageContent shown = firing.content();
        assertThat(shown.type()).isEqualTo("markdown");
        assertThat(shown.text()).startsWith("#### \\[FIRING:1\\] DiskFull")
                .contains("**Disk almost full on node1**", "severity: warning · instance: node1:9100",
                        "[Alertmanager](http://");

        postAlert("DiskFull", "warning", "node1:9100", "Disk almost full on node1", start, Instant.now());

        SandboxMessage resolved = await("cidGroupA", m -> "[RESOLVED] DiskFull".equals(m.content().title()));
        assertThat(resolved.content().text()).contains("**Disk almost full on node1**", "ended: ");
        assertNoFailedNotifications();
    }

    @Test
    void criticalAlertsUseTheExamplesTemplateAndMentionEveryone() throws Exception {
        Instant start = Instant.now().minusSeconds(30);
        postAlert("ApiDown", "critical", "api:443", "API is down", start, null);

        SandboxMessage firing = await("cidGroupB", m -> "[FIRING] ApiDown".equals(m.content().title()));
        assertThat(firing.content().type()).isEqualTo("markdown");
        assertThat(firing.content().text()).startsWith("#### [FIRING:1] ApiDown").contains("**API is down**",
                "owner\\_mobile=13800000000");
        assertThat(firing.content().atAll()).isTrue();
        assertThat(firing.content().atMobiles()).containsExactly("13800000000");
        assertThat(firing.content().text()).contains("@13800000000"); // DingTalk shows a mention only in the text

        postAlert("ApiDown", "critical", "api:443", "API is down", start, Instant.now());

        SandboxMessage resolved = await("cidGroupB", m -> "[RESOLVED] ApiDown".equals(m.content().title()));
        assertThat(resolved.content().text()).contains("resolved ");
        assertThat(resolved.content().atAll()).isFalse();
        assertNoFailedNotifications();
    }

    private void postAlert(String name, String severity, String instance, String summary, Instant startsAt,
                           Instant endsAt) throws Exception {
        ArrayNode alerts = JSON.createArrayNode();
        ObjectNode alert = alerts.addObject();
        alert.putObject("labels").put("alertname", name).put("severity", severity).put("instance", instance)
                .put("owner_mobile", "13800000000");
        alert.putObject("annotations").put("summary", summary).put("description", summary + " (from the test)");
        alert.put("startsAt", startsAt.toString()).put("generatorURL", "http://prometheus.example:9090/graph");
        if (endsAt != null) {
            alert.put("endsAt", endsAt.toString());
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + alertmanagerPort + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alerts.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private SandboxMessage await(String group, java.util.function.Predicate<SandboxMessage> wanted)
            throws Exception {
        try {
            return dingtalk.awaitMessage(group, wanted, WAIT);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("no such message in " + group + "; messages: " + dingtalk.conversation(group)
                    + "\nbridge log:\n" + Files.readString(dir.resolve("bridge.log"))
                    + "\nalertmanager log:\n" + Files.readString(dir.resolve("alertmanager.log")), e);
        }
    }

    /** Alertmanager counts every notification the bridge did not answer with 2xx. */
    private void assertNoFailedNotifications() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + alertmanagerPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher failed = Pattern.compile("alertmanager_notifications_failed_total\\{integration=\"webhook\"[^}]*} (\\S+)")
                .matcher(metrics);
        assertThat(failed.find()).as("webhook failure counter in Alertmanager's metrics").isTrue();
        assertThat(Double.parseDouble(failed.group(1))).as("failed webhook notifications").isZero();
        Matcher sent = Pattern.compile("alertmanager_notifications_total\\{integration=\"webhook\"[^}]*} (\\S+)")
                .matcher(metrics);
        assertThat(sent.find()).isTrue();
        assertThat(Double.parseDouble(sent.group(1))).isGreaterThanOrEqualTo(2);
    }

    private void awaitAlertmanager() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + alertmanagerPort + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // still starting
            }
            assertThat(alertmanager.isAlive()).as("alertmanager exited:\n"
                    + Files.readString(dir.resolve("alertmanager.log"))).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("alertmanager did not become ready:\n"
                + Files.readString(dir.resolve("alertmanager.log")));
    }
}
