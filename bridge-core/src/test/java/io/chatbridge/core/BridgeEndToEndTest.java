package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.spi.OutboundMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two test drivers exchanging messages through rules, over real HTTP on loopback. */
class BridgeEndToEndTest {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private Bridge bridge;

    @BeforeEach
    void reset() {
        MemoryDriverFactory.reset();
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    private Bridge start(String config, String rules) {
        Setup setup = Setup.load(Files.write(dir, "config.json", config), Files.write(dir, "rules.json", rules),
                DriverRegistry.discover(null), k -> null);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1").retryBase(Duration.ofMillis(10)));
        return bridge;
    }

    private HttpResponse<String> post(int port, String path, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<OutboundMessage> awaitSent(String instance, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (MemoryDriverFactory.sent(instance).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return MemoryDriverFactory.sent(instance);
    }

    @Test
    void connectRuleCarriesMessagesBothWays() throws Exception {
        start("""
                {"global": {"database": {"path": ":memory:"}},
                 "memory": {"left": {"listen_port": 0}, "right": {"listen_port": 0}}}
                """, """
                {"rules": [{"id": "room", "type": "connect",
                  "channels": {"left": {"room": "L"}, "right": {"room": "R", "msg": {"msg_format": "<{user}> {msg}"}}}}]}
                """);
        int port = bridge.port(0);

        assertThat(post(port, "/memory/left", "{\"channel\": {\"room\": \"L\"}, \"user\": \"Ann\", \"text\": \"hi\"}")
                .statusCode()).isEqualTo(202);
        assertThat(post(port, "/memory/right", "{\"channel\": {\"room\": \"R\"}, \"user\": \"Bob\", \"text\": \"yo\"}")
                .statusCode()).isEqualTo(202);

        assertThat(awaitSent("right", 1)).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualTo("<Ann> hi");
            assertThat(m.channel()).containsEntry("room", "R");
            assertThat(m.ruleId()).isEqualTo("room");
        });
        assertThat(awaitSent("left", 1)).singleElement().satisfies(m -> assertThat(m.text()).isEqualTo("Bob: yo"));
    }

    @Test
    void healthzAnswersOnEveryPortOnceStarted() throws Exception {
        start("{\"global\": {\"database\": {\"path\": \":memory:\"}}, \"memory\": {\"a\": {\"listen_port\": 0}, \"b\": {}}}",
                "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + bridge.port(0) + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void duplicateMessageIdsAreRoutedOnce() throws Exception {
        start("{\"global\": {\"database\": {\"path\": \":memory:\"}}, \"memory\": {\"a\": {\"listen_port\": 0}, \"b\": {}}}",
                "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        String body = "{\"id\": \"m-1\", \"text\": \"once\"}";
        assertThat(post(bridge.port(0), "/memory/a", body).body()).contains("ACCEPTED");
        assertThat(post(bridge.port(0), "/memory/a", body).body()).contains("DUPLICATE");
        awaitSent("b", 1);
        Thread.sleep(100);
        assertThat(MemoryDriverFactory.sent("b")).hasSize(1);
    }

    @Test
    void retryableFailuresAreRetriedUntilDelivered() throws Exception {
        start("{\"global\": {\"database\": {\"path\": \":memory:\"}}, \"memory\": {\"a\": {\"listen_port\": 0}, "
                + "\"b\": {\"fail_first\": 2}}}", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        post(bridge.port(0), "/memory/a", "{\"text\": \"persist\"}");
        assertThat(awaitSent("b", 1)).singleElement().satisfies(m -> assertThat(m.attempt()).isEqualTo(3));
    }

    @Test
    void permanentFailuresBecomeDeadLettersThatCanBeRetried() throws Exception {
        start("{\"global\": {\"database\": {\"path\": \":memory:\"}}, \"memory\": {\"a\": {\"listen_port\": 0}, "
                + "\"b\": {\"fail_first\": 1, \"fail_mode\": \"permanent\"}}}",
                "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        post(bridge.port(0), "/memory/a", "{\"text\": \"refused once\"}");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (bridge.store().deadLetters(10).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bridge.store().deadLetters(10)).singleElement()
                .satisfies(d -> assertThat(d.error()).isEqualTo("BAD_REQUEST: memory target refuses"));

        assertThat(bridge.store().retryDeadLetter(bridge.store().deadLetters(10).get(0).id(), java.time.Instant.now()))
                .isTrue();
        assertThat(awaitSent("b", 1)).singleElement().satisfies(m -> assertThat(m.text()).endsWith("refused once"));
    }

    @Test
    void messagesToOneTargetArriveInOrder() throws Exception {
        start("{\"global\": {\"database\": {\"path\": \":memory:\"}}, \"memory\": {\"a\": {\"listen_port\": 0}, "
                + "\"b\": {\"fail_first\": 3}}}",
                "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}, \"msg\": {\"msg_format\": \"{msg}\"}}]}");
        for (int i = 0; i < 50; i++) {
            post(bridge.port(0), "/memory/a", "{\"text\": \"" + i + "\"}");
        }
        assertThat(awaitSent("b", 50)).extracting(OutboundMessage::text)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(String::valueOf).toList());
    }

    @Test
    void invalidSetupCannotStart() {
        Setup setup = Setup.load(Files.write(dir, "config.json", "{\"nope\": {}}"),
                Files.write(dir, "rules.json", "{\"rules\": []}"), DriverRegistry.discover(null), k -> null);
        assertThatThrownBy(() -> Bridge.start(setup, new Bridge.Options()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown platform \"nope\"");
    }

    @Test
    void portAlreadyInUseIsAClearStartError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Setup setup = Setup.load(Files.write(dir, "config.json", "{\"global\": {\"database\": {\"path\": \":memory:\"}},"
                            + " \"memory\": {\"a\": {\"listen_port\": " + port + "}, \"b\": {}}}"),
                    Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}"),
                    DriverRegistry.discover(null), k -> null);
            assertThatThrownBy(() -> Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1")))
                    .isInstanceOf(BridgeStartException.class).hasMessageContaining("cannot listen on 127.0.0.1:" + port);
        }
    }
}
