package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.PostgresServer;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.dingtalk.sandbox.StreamGateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole bridges receiving through Stream mode from the sandbox's gateway on loopback: no port is opened for the
 * DingTalk instance, messages typed in group A are sent into group B by the rules.
 */
class StreamModeBridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULES = """
            {"rules": [{"from": {"dt": {"open_conversation_id": "cidGroupA"}},
                        "to": {"dt": {"open_conversation_id": "cidGroupB"}},
                        "msg": {"msg_format": "{user}: {msg}"}}]}
            """;

    @TempDir
    Path dir;

    private final List<Bridge> bridges = new ArrayList<>();
    private final List<Setup> setups = new ArrayList<>();
    private DingTalkSandbox sandbox;

    @AfterEach
    void tearDown() {
        bridges.forEach(Bridge::close);
        if (sandbox != null) {
            sandbox.stop();
        }
    }

    private Bridge start(String name, String config) throws IOException {
        return start(name, config, new Setup.Options());
    }

    private Bridge start(String name, String config, Setup.Options options) throws IOException {
        Path c = Files.writeString(dir.resolve(name + ".json"), config);
        Path r = Files.writeString(dir.resolve("rules.json"), RULES);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null, options);
        setups.add(setup);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        Bridge bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1")
                .retryBase(Duration.ofMillis(20)).pollInterval(Duration.ofMillis(50)));
        bridges.add(bridge);
        return bridge;
    }

    private String streamInstance(String database) {
        return """
                {"global": {"database": %s, "strict_echo_match": true},
                 "dingtalk": {"dt": {"receive_mode": "stream", "app_key": "%s", "app_secret": "%s",
                                     "robot_code": "%s", "api_endpoint": "%s"}}}
                """.formatted(database, SandboxSettings.DEFAULT_APP_KEY, SandboxSettings.DEFAULT_APP_SECRET,
                SandboxSettings.DEFAULT_ROBOT_CODE, sandbox.baseUrl());
    }

    private void awaitConnections(int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (sandbox.streamGateway().connections() < n) {
            assertThat(System.nanoTime()).as("%d stream connection(s)", n).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void aMessageTypedInAGroupReachesItsTargetThroughStreamModeWithNoPortOpened() throws Exception {
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)).useStreamMode()
                .start();
        Bridge bridge = start("config", streamInstance("{\"path\": \"" + dir.resolve("bridge.db") + "\"}"));
        assertThat(bridge.ports()).as("no port for a stream-mode instance").isEmpty();
        awaitConnections(1);

        sandbox.postAsMember("cidGroupA", "Alice", "hello through stream");

        SandboxMessage inB = sandbox.awaitMessage("cidGroupB", m -> m.shows("Alice: hello through stream"), WAIT);
        assertThat(inB.via()).isEqualTo(SandboxMessage.VIA_OPENAPI);
        SandboxMessage inA = sandbox.awaitMessage("cidGroupA", m -> m.shows("hello through stream")
                && m.delivery().state() == SandboxMessage.Delivery.State.DELIVERED, WAIT);
        assertThat(inA.delivery().detail()).isEqualTo("acknowledged over Stream (code 200)");
    }

    @Test
    void eachHealthChangeOfAStreamInstanceIsLoggedOnceWithItsReason() throws Exception {
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)).useStreamMode()
                .start();
        List<String> lines;
        try (LogCapture logs = new LogCapture()) {
            start("config", streamInstance("{\"path\": \"" + dir.resolve("bridge.db") + "\"}"));
            awaitConnections(1);
            sandbox.streamGateway().drop(); // the socket is cut without a close frame; the bridge reconnects
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (logs.lines().stream().noneMatch(l -> l.contains("InstanceHealth") && l.contains("(connection 2)"))) {
                assertThat(System.nanoTime()).as("reconnected:\n%s", logs.all()).isLessThan(deadline);
                Thread.sleep(10);
            }
            // the bridge's and the driver's lines (not the sandbox's own)
            lines = logs.lines().stream().filter(l -> l.contains(" io.chatbridge.core.InstanceHealth ")
                    || l.contains(".stream.StreamClient ")).toList();
        }
        String all = String.join("\n", lines);
        // one line per change, the bridge's (the contract for every driver), with the driver's reason
        assertThat(lines).filteredOn(l -> l.contains("connecting through")).as(all).singleElement().asString()
                .startsWith("WARN io.chatbridge.core.InstanceHealth instance dt (dingtalk) reconnecting: Stream mode:"
                        + " connecting through http://127.0.0.1:");
        assertThat(lines).filteredOn(l -> l.contains("(connection 1)")).as(all).singleElement().asString()
                .startsWith("INFO io.chatbridge.core.InstanceHealth instance dt (dingtalk) connected: Stream mode,"
                        + " ws://127.0.0.1:").endsWith("/connect (connection 1); receiving robot messages");
        assertThat(lines).filteredOn(l -> l.contains("connection 1 ") && l.contains("attempt 2")).as(all)
                .singleElement().asString()
                .matches("WARN io.chatbridge.core.InstanceHealth instance dt \\(dingtalk\\) reconnecting: connection 1"
                        + " .+; next attempt in [0-9.]+ s \\(attempt 2\\)");
        assertThat(lines).filteredOn(l -> l.contains("(connection 2)")).as(all).singleElement().asString()
                .startsWith("INFO io.chatbridge.core.InstanceHealth instance dt (dingtalk) connected: Stream mode,"
                        + " ws://127.0.0.1:").contains("/connect (connection 2) after 1 failed attempt(s), ");
        assertThat(lines).filteredOn(l -> l.contains("StreamClient")).as(all)
                .noneMatch(l -> l.contains("connected") || l.contains("reconnecting") || l.contains("connecting"));
    }

    @Test
    void theInProcessSandboxServesTheGatewayAndItsPageShowsTheConnection() throws Exception {
        start("config", """
                {"global": {"database": {"path": "%s"}, "strict_echo_match": true},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "receive_mode": "stream"}}}
                """.formatted(dir.resolve("bridge.db")), new Setup.Options().allowRandomPorts());
        int port = ((DingTalkDriver) setups.get(0).drivers().get("dt")).sandbox().port();
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        JsonNode state = awaitState(http, base, s -> s.path("stream").path("connected").asBoolean());
        assertThat(state.path("stream").path("mode").asBoolean()).isTrue();
        assertThat(state.path("stream").path("connections").asInt()).isEqualTo(1);

        HttpResponse<String> typed = http.send(HttpRequest.newBuilder(URI.create(base
                        + "/sandbox/api/groups/cidGroupA/messages")).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"senderNick\": \"Bob\", \"text\": \"from the page\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(typed.statusCode()).isEqualTo(202);
        awaitState(http, base, s -> s.path("groups").toString().contains("Bob: from the page"));

        // the page's control: the socket is cut, the bridge comes back on its own
        HttpResponse<String> dropped = http.send(HttpRequest.newBuilder(URI.create(base + "/sandbox/api/stream/drop"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(dropped.body()).isEqualTo("{\"dropped\":1}");
        http.send(HttpRequest.newBuilder(URI.create(base + "/sandbox/api/groups/cidGroupA/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"senderNick\": \"Bob\", \"text\": \"after the drop\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        awaitState(http, base, s -> s.path("groups").toString().contains("Bob: after the drop"));
    }

    @Test
    void twoReplicasOnPostgresEachHoldAConnectionAndEveryMessageIsDeliveredOnce() throws Exception {
        String url = PostgresServer.get().newDatabase();
        String database = "{\"url\": \"" + url + "\", \"user\": \"postgres\"}";
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)).useStreamMode()
                .start();
        start("a", streamInstance(database));
        start("b", streamInstance(database));
        awaitConnections(2);
        StreamGateway gateway = sandbox.streamGateway();

        int n = 40;
        for (int i = 0; i < n; i++) {
            sandbox.postAsMember("cidGroupA", "Alice", "message " + i);
            if (i == 20) {
                // DingTalk may push a message to both connections (or again after a lost ack): both replicas get it
                gateway.sendRaw(duplicateFrame("msgTwice", "pushed to both"));
            }
        }
        for (int i = 0; i < n; i++) {
            String text = "Alice: message " + i;
            sandbox.awaitMessage("cidGroupB", m -> m.shows(text), WAIT);
        }
        sandbox.awaitMessage("cidGroupB", m -> m.shows("pushed to both"), WAIT);
        Thread.sleep(500); // a duplicate would arrive now, if there were one

        Map<String, Long> counts = sandbox.conversation("cidGroupB").stream()
                .collect(Collectors.groupingBy(m -> m.content().text(), Collectors.counting()));
        assertThat(counts).hasSize(n + 1);
        assertThat(counts.values()).allMatch(c -> c == 1);
        assertThat(gateway.connections()).isEqualTo(2);
        assertThat(gateway.replies().stream().filter(r -> r.contains("\"code\":200")).count())
                .as("every push acknowledged, the duplicate on both connections").isGreaterThanOrEqualTo(n + 2);
    }

    private static String duplicateFrame(String msgId, String text) {
        String body = io.chatbridge.dingtalk.protocol.CallbackBody.text().conversation("cidGroupA", true)
                .group("Group A").msgId(msgId).sender("Carol", "carol", "$:LWCP_v1:$carol", "corp")
                .content(" " + text).createAt(System.currentTimeMillis()).toJson().toString();
        com.fasterxml.jackson.databind.node.ObjectNode frame = JSON.createObjectNode();
        frame.put("specVersion", "1.0").put("type", "CALLBACK");
        frame.putObject("headers").put("contentType", "application/json").put("messageId", "dup-1")
                .put("topic", StreamGateway.BOT_TOPIC).put("time", Long.toString(System.currentTimeMillis()));
        frame.put("data", body);
        return frame.toString();
    }

    private static JsonNode awaitState(HttpClient http, String base, Function<JsonNode, Boolean> condition)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/sandbox/api/state"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode state = JSON.readTree(answer.body());
            if (condition.apply(state)) {
                return state;
            }
            assertThat(System.nanoTime()).as("sandbox state: %s", state).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

}
