package io.chatbridge.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.core.testing.Ports;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus} package) scrapes the admin port with the bearer token, and its
 * query API shows the delivered counter risen by the number of messages sent.
 */
class PrometheusScrapeTest {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final String TOKEN = "scrape-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private Bridge bridge;
    private Process prometheus;

    @AfterEach
    void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (bridge != null) {
            bridge.close();
        }
        Secrets.clear();
        MemoryDriverFactory.reset();
    }

    @Test
    void prometheusScrapesTheDeliveredCounter() throws Exception {
        Assumptions.assumeTrue(java.nio.file.Files.isExecutable(PROMETHEUS),
                "skipped: Prometheus not installed (Debian package prometheus, /usr/bin/prometheus)");
        // the admin port and Prometheus's must be known in advance: chosen again when taken meanwhile
        bridge = Ports.retryingBindFailures(() -> {
            Path config = Files.write(dir, "config.json", """
                    {"global": {"database": {"path": "data/bridge.db"}, "delivery": {"poll_interval": "50ms"},
                                "admin": {"port": %d, "token": "%s"}},
                     "memory": {"a": {"listen_port": 0}, "b": {}}}
                    """.formatted(Ports.freePort(), TOKEN));
            Path rules = Files.write(dir, "rules.json",
                    "{\"rules\": [{\"id\": \"a-to-b\", \"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
            Setup setup = Setup.load(config, rules, DriverRegistry.discover(null), k -> null,
                    new Setup.Options().allowRandomPorts());
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            return Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
        });
        int adminPort = bridge.adminPort();

        int promPort = Ports.retryingBindFailures(() -> {
            int port = Ports.freePort();
            Path promConfig = Files.write(dir, "prometheus.yml", """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: chatbridge
                        scrape_interval: 1s
                        authorization:
                          credentials: %s
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(TOKEN, adminPort));
            Path log = dir.resolve("prometheus.log");
            prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + promConfig,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Ports.awaitUp(prometheus, log, () -> client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200, Duration.ofSeconds(30));
            return port;
        });

        // before any message: the counter is absent or 0 once the target is up
        awaitQuery(promPort, "up{job=\"chatbridge\"}", 1.0);
        for (int i = 0; i < 7; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + bridge.port(0) + "/memory/a"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"m" + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
        }
        awaitQuery(promPort, "sum(chatbridge_deliveries_sent_total{instance_id=\"b\"})", 7.0);
        awaitQuery(promPort, "sum(chatbridge_messages_received_total{instance_id=\"a\",outcome=\"accepted\"})", 7.0);
    }

    /** Polls Prometheus's query API until {@code query} evaluates to {@code expected} (20 s at most). */
    private void awaitQuery(int promPort, String query, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort
                                + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = JSON.readTree(r.body()).path("data").path("result");
                if (result.size() == 1 && result.get(0).path("value").get(1).asDouble() == expected) {
                    return;
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        String scrape = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.adminPort()
                + "/metrics")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        throw new AssertionError("Prometheus never answered " + expected + " for " + query + "; last answer: " + last
                + "\nthe bridge's metrics:\n" + scrape.lines().filter(l -> l.startsWith("chatbridge"))
                        .collect(java.util.stream.Collectors.joining("\n"))
                + "\nprometheus.log:\n" + java.nio.file.Files.readString(dir.resolve("prometheus.log")));
    }
}
