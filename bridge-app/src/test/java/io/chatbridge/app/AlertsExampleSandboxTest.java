package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/alerts-to-dingtalk} as its README runs it without a DingTalk account: {@code config.sandbox.json}
 * with the example's own rules.json. Both halves land in the sandbox: the markdown alert in the ops custom robot's
 * group and the critical one-to-one messages to manager01 and manager02 (no retries against api.dingtalk.com).
 * Only the ports and the database are moved.
 */
class AlertsExampleSandboxTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path dir;
    private Bridge bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void bothHalvesOfTheExampleRunAgainstTheSandbox() throws Exception {
        Path example = BridgeJarIT.ROOT.resolve("examples/alerts-to-dingtalk");
        int[] ports = new int[2]; // the example's ports moved to free ones (chosen again when taken meanwhile)
        bridge = Ports.retryingBindFailures(() -> {
            ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.sandbox.json").toFile());
            ports[0] = Ports.freePort();
            ports[1] = Ports.freePort();
            ((ObjectNode) config.path("dingtalk").path("oncall")).put("sandbox_port", ports[0]);
            ((ObjectNode) config.path("webhook").path("alerts")).put("listen_port", ports[1]);
            ((ObjectNode) config.path("global").path("database")).put("path", ":memory:");
            Path configFile = Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
            Setup setup = Setup.load(configFile, example.resolve("rules.json"), DriverRegistry.discover(null),
                    k -> null);
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            return Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
        });
        int sandboxPort = ports[0];
        int alertsPort = ports[1];

        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + alertsPort + "/alerts"))
                .header("Authorization", "Bearer sandbox-alerts-token-0123456789")
                .header("Content-Type", "application/cloudevents+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"a-1\", \"source\": \"prometheus\","
                        + " \"specversion\": \"1.0\", \"type\": \"alert.critical\", \"data\": \"disk full on db-1\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isBetween(200, 299);

        JsonNode state = awaitState(sandboxPort);
        assertThat(state.path("directs").findValuesAsText("userId")).contains("manager01", "manager02");
        assertThat(state.path("directs").toString()).contains("CRITICAL: disk full on db-1");
        JsonNode ops = null;
        for (JsonNode group : state.path("groups")) {
            if (group.path("openConversationId").asText().equals("cidRobot_ops")) {
                ops = group;
            }
        }
        assertThat(ops).isNotNull();
        assertThat(ops.path("messages").toString()).contains("### disk full on db-1");
    }

    /** The sandbox's state once the ops group and both managers have their message. */
    private JsonNode awaitState(int sandboxPort) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            JsonNode state = JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sandboxPort + "/sandbox/api/state")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String text = state.toString();
            if (text.contains("### disk full") && state.path("directs").size() >= 2 || System.nanoTime() > deadline) {
                return state;
            }
            Thread.sleep(20);
        }
    }
}
