package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A message deleted at the source is recalled from every group the bridge delivered it to. */
class RecallSandboxTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private Bridge bridge;
    private DingTalkSandbox sandbox;
    private int ingressPort;

    @BeforeEach
    void startBridge() throws Exception {
        ingressPort = RichMessagesSandboxTest.freePort();
        String config = """
                {"global": {"database": {"path": ":memory:"}},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "listen_port": %d}},
                 "webhook": {"events": {"listen_port": %d, "token": "t0ken-for-tests"}}}
                """.formatted(RichMessagesSandboxTest.freePort(), ingressPort);
        String rules = """
                {"rules": [
                  {"id": "ops-to-a", "from": {"events": {"room": "ops"}}, "to": {"dt": {"open_conversation_id": "cidGroupA"}}},
                  {"id": "ops-to-b", "from": {"events": {"room": "ops"}}, "to": {"dt": {"open_conversation_id": "cidGroupB"}}}
                ]}""";
        Setup setup = Setup.load(Files.writeString(dir.resolve("config.json"), config),
                Files.writeString(dir.resolve("rules.json"), rules), DriverRegistry.discover(null), k -> null,
                new Setup.Options().allowRandomPorts());
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1").retryBase(Duration.ofMillis(10)));
        sandbox = ((DingTalkDriver) setup.drivers().get("dt")).sandbox();
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    private int post(String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port(ingressPort) + "/events"))
                .header("Authorization", "Bearer t0ken-for-tests").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    void aMessageRecalledThroughTheWebhookIngressDisappearsFromBothGroups() throws Exception {
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-1\", \"text\": \"deploy started\"}"))
                .isEqualTo(202);
        SandboxMessage inA = sandbox.awaitMessage("cidGroupA", m -> m.shows("deploy started"), WAIT);
        SandboxMessage inB = sandbox.awaitMessage("cidGroupB", m -> m.shows("deploy started"), WAIT);

        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"recall\": \"evt-1\"}")).isEqualTo(202);

        for (SandboxMessage copy : List.of(inA, inB)) {
            String group = copy == inA ? "cidGroupA" : "cidGroupB";
            SandboxMessage recalled = sandbox.awaitMessage(group,
                    m -> m.id().equals(copy.id()) && "recalled".equals(m.content().type()), WAIT);
            assertThat(recalled.content().text()).isEqualTo("message recalled");
            assertThat(sandbox.conversation(group)).noneMatch(m -> m.shows("deploy started"));
        }
    }

    @Test
    void aRecallForAnUnknownIdIsANoOp() throws Exception {
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-2\", \"text\": \"still here\"}"))
                .isEqualTo(202);
        sandbox.awaitMessage("cidGroupA", m -> m.shows("still here"), WAIT);
        sandbox.awaitMessage("cidGroupB", m -> m.shows("still here"), WAIT);

        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"recall\": \"never-sent\"}")).isEqualTo(202);
        // a marker sent after the recall is delivered after it (same queues): by then the recall was handled
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-3\", \"text\": \"marker\"}")).isEqualTo(202);
        sandbox.awaitMessage("cidGroupA", m -> m.shows("marker"), WAIT);
        sandbox.awaitMessage("cidGroupB", m -> m.shows("marker"), WAIT);

        for (String group : List.of("cidGroupA", "cidGroupB")) {
            assertThat(sandbox.conversation(group)).noneMatch(m -> "recalled".equals(m.content().type()));
            assertThat(sandbox.conversation(group)).anyMatch(m -> m.shows("still here"));
        }
        assertThat(bridge.store().deadLetters(10)).isEmpty();
    }
}
