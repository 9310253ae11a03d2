package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CloudEvent (Vanus sink style) whose {@code xvchatgroup} or {@code xvmsgtype} the DingTalk target cannot honour
 * is a 400 at ingress naming the attribute and the known values, and nothing is recorded; not a dead letter later
 * nor a silent fallback to the default group or to text.
 */
class CloudEventTargetCheckTest {

    @TempDir
    Path dir;

    private Bridge bridge;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), """
                {"global": {"database": {"path": ":memory:"}},
                 "webhook": {"vanus": {"listen_port": 0, "allow_unauthenticated": true}},
                 "dingtalk": {"dt": {"webhooks": [
                     {"chat_group": "ops", "url": "http://127.0.0.1:9/robot/send?access_token=tok-ops-0123456789"},
                     {"chat_group": "dev", "url": "http://127.0.0.1:9/robot/send?access_token=tok-dev-0123456789"}]}}}
                """);
        Path rules = Files.writeString(dir.resolve("rules.json"),
                "{\"rules\": [{\"from\": {\"vanus\": {}}, \"to\": {\"dt\": {}}}]}");
        Setup setup = Setup.load(config, rules, DriverRegistry.discover(null), k -> null,
                new Setup.Options().allowRandomPorts());
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
    }

    @AfterEach
    void stop() {
        bridge.close();
    }

    private long recorded() {
        var stats = bridge.store().stats(java.time.Instant.now());
        return stats.pending() + stats.inFlight() + stats.delivered() + stats.dead();
    }

    private HttpResponse<String> post(String contentType, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port(0) + "/events"))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnknownXvchatgroupIsA400NamingTheKnownGroups() throws Exception {
        HttpResponse<String> response = post("application/cloudevents+json", """
                {"specversion": "1.0", "id": "1", "source": "vanus", "type": "alert",
                 "xvchatgroup": "opz", "data": "disk full"}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"xvchatgroup: 'opz' names no chat group of dingtalk"
                + " instance dt (known: ops, dev)\"}");
        assertThat(recorded()).isZero();
    }

    @Test
    void anUnknownXvmsgtypeIsA400NamingTheKnownTypes() throws Exception {
        HttpResponse<String> response = post("application/cloudevents+json", """
                {"specversion": "1.0", "id": "2", "source": "vanus", "type": "alert",
                 "xvchatgroup": "ops", "xvmsgtype": "markdwn", "data": "disk full"}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("xvmsgtype: 'markdwn'")
                .contains("(known: text, markdown, link, actionCard, feedCard, image)");
    }

    @Test
    void aBatchWithOneUnknownGroupRecordsNothing() throws Exception {
        HttpResponse<String> response = post("application/cloudevents-batch+json", """
                [{"specversion": "1.0", "id": "3", "source": "vanus", "type": "alert", "xvchatgroup": "ops",
                  "data": "fine"},
                 {"specversion": "1.0", "id": "4", "source": "vanus", "type": "alert", "xvchatgroup": "nope",
                  "data": "not fine"}]""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("{\"error\":\"batch[1]: xvchatgroup: 'nope'");
        assertThat(recorded()).isZero();

        HttpResponse<String> known = post("application/cloudevents+json", """
                {"specversion": "1.0", "id": "5", "source": "vanus", "type": "alert",
                 "xvchatgroup": "dev", "data": "disk full"}""");
        assertThat(known.statusCode()).as(known.body()).isEqualTo(202);
    }
}
