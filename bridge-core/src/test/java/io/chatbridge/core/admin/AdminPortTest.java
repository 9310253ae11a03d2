package io.chatbridge.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.spi.OutboundMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port of a running bridge: health, readiness, metrics, the dead-letter API and reload. */
class AdminPortTest {

    private static final String TOKEN = "admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private Bridge bridge;
    private Path configFile;
    private Path rulesFile;

    @BeforeEach
    void reset() {
        MemoryDriverFactory.reset();
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        Secrets.clear();
    }

    private int adminPort;

    private void writeConfig(String instances) {
        configFile = Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"},
                            "delivery": {"poll_interval": "50ms", "backoff_base": "10ms"},
                            "admin": {"port": %d, "token": "%s"}},
                 "memory": %s}
                """.formatted(adminPort, TOKEN, instances));
    }

    private void start(String targetSettings, String rules) throws Exception {
        // the admin port cannot be 0 (that means none): a fixed one, chosen again when it was taken meanwhile
        bridge = Ports.retryingBindFailures(() -> {
            adminPort = Ports.freePort();
            writeConfig("{\"a\": {\"listen_port\": 0}, \"b\": " + targetSettings + ", \"c\": {}}");
            rulesFile = Files.write(dir, "rules.json", rules);
            Setup setup = load();
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            return Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1").reloadFrom(this::load));
        });
    }

    private Setup load() {
        return Setup.load(configFile, rulesFile, DriverRegistry.discover(null), k -> null,
                new Setup.Options().allowRandomPorts());
    }

    private static String rule(String id, String target) {
        return "{\"id\": \"" + id + "\", \"from\": {\"a\": {}}, \"to\": {\"" + target + "\": {}},"
                + " \"msg\": {\"msg_format\": \"{msg}\"}}";
    }

    private HttpResponse<String> admin(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void post(String text) throws Exception {
        post(bridge.port(0), text);
    }

    private void post(int port, String text) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/memory/a"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + text + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void healthAndReadinessAnswerWithoutAToken() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        HttpResponse<String> health = admin("GET", "/healthz", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"ok\"");
        HttpResponse<String> ready = admin("GET", "/readyz", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\"");
    }

    @Test
    void adminCallsWithoutOrWithAWrongTokenAre401AndDoNothing() throws Exception {
        start("{\"fail_first\": 1, \"fail_mode\": \"permanent\"}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        post("refused once");
        await("a dead letter", () -> !bridge.store().deadLetters(10).isEmpty());
        long id = bridge.store().deadLetters(10).get(0).id();

        for (String token : new String[] {null, "wrong-token-0123456789", TOKEN + "x"}) {
            assertThat(admin("DELETE", "/admin/dlq/" + id, token).statusCode()).isEqualTo(401);
            assertThat(admin("POST", "/admin/dlq/retry-all", token).statusCode()).isEqualTo(401);
            assertThat(admin("POST", "/admin/reload", token).statusCode()).isEqualTo(401);
            assertThat(admin("GET", "/admin/status", token).statusCode()).isEqualTo(401);
            assertThat(admin("GET", "/metrics", token).statusCode()).isEqualTo(401);
        }
        assertThat(bridge.store().deadLetters(10)).hasSize(1);
        assertThat(MemoryDriverFactory.sent("b")).isEmpty();
    }

    @Test
    void deadLettersAreListedRetriedAndDropped() throws Exception {
        start("{\"fail_first\": 2, \"fail_mode\": \"permanent\"}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        post("first");
        post("second");
        await("two dead letters", () -> bridge.store().deadLetters(10).size() == 2);

        JsonNode list = JSON.readTree(admin("GET", "/admin/dlq", TOKEN).body());
        assertThat(list).hasSize(2);
        assertThat(list.get(0).path("error").asText()).contains("BAD_REQUEST").contains("memory target refuses");
        assertThat(list.get(0).path("target").asText()).isEqualTo("b");
        assertThat(list.get(0).path("rule").asText()).isEqualTo("a-to-b");
        long first = list.get(0).path("id").asLong();
        long second = list.get(1).path("id").asLong();

        assertThat(admin("POST", "/admin/dlq/" + first + "/retry", TOKEN).statusCode()).isEqualTo(200);
        await("the retried delivery", () -> MemoryDriverFactory.sent("b").size() == 1);
        assertThat(MemoryDriverFactory.sent("b").get(0).text()).isEqualTo("first");

        assertThat(admin("DELETE", "/admin/dlq/" + second, TOKEN).statusCode()).isEqualTo(200);
        assertThat(bridge.store().deadLetters(10)).isEmpty();
        assertThat(admin("DELETE", "/admin/dlq/" + second, TOKEN).statusCode()).isEqualTo(404);
        HttpResponse<String> bad = admin("POST", "/admin/dlq/abc/retry", TOKEN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("dead letter id must be a number");
    }

    @Test
    void statusListsInstancesRulesAndTheOutbox() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        post("hello");
        await("delivered", () -> MemoryDriverFactory.sent("b").size() == 1);
        // the driver has it before its delivered mark is written
        await("recorded as delivered", () -> bridge.store().stats(java.time.Instant.now()).pending() == 0);
        JsonNode status = JSON.readTree(admin("GET", "/admin/status", TOKEN).body());
        assertThat(status.path("ready").asBoolean()).isTrue();
        assertThat(status.path("instances").findValuesAsText("id")).containsExactly("a", "b", "c");
        assertThat(status.path("rules").get(0).path("id").asText()).isEqualTo("a-to-b");
        assertThat(status.path("rules").get(0).path("to").get(0).asText()).isEqualTo("b");
        assertThat(status.path("outbox").path("pending").asLong()).isZero();
        assertThat(status.path("outbox").has("oldest_pending_age_seconds")).isTrue();
    }

    @Test
    void metricsCountReceivedRoutedAndDeliveredMessages() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        for (int i = 0; i < 3; i++) {
            post("m" + i);
        }
        HttpResponse<String> malformed = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + bridge.port(0) + "/memory/a"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isEqualTo(400);
        await("delivered", () -> MemoryDriverFactory.sent("b").size() == 3);
        HttpResponse<String> scrape = admin("GET", "/metrics", TOKEN);
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(scrape.body())
                .contains("chatbridge_messages_received_total{instance_id=\"a\",outcome=\"accepted\",reason=\"\"} 3.0")
                .contains("chatbridge_messages_routed_total{rule=\"a-to-b\"} 3.0")
                .contains("chatbridge_messages_received_total{instance_id=\"a\",outcome=\"rejected\",reason=\"bad_request\"} 1.0")
                .contains("chatbridge_deliveries_sent_total{instance_id=\"b\",kind=\"message\"} 3.0")
                .contains("chatbridge_delivery_latency_seconds_bucket{instance_id=\"b\"")
                .contains("chatbridge_send_duration_seconds_count{instance_id=\"b\",outcome=\"ok\",platform=\"memory\"} 3")
                .contains("chatbridge_outbox_pending 0.0")
                .contains("jvm_memory_used_bytes")
                .contains("process_uptime_seconds");
    }

    @Test
    void reloadAddsARuleAndTheNextMessageFollowsIt() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        post("before");
        await("before delivered", () -> MemoryDriverFactory.sent("b").size() == 1);

        Files.write(dir, "rules.json", "{\"rules\": [" + rule("a-to-b", "b") + ", " + rule("a-to-c", "c") + "]}");
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(reload.body()).contains("\"reloaded\"").contains("1 → 2 rule(s)");

        post("after");
        await("after delivered to b and c", () -> MemoryDriverFactory.sent("b").size() == 2
                && MemoryDriverFactory.sent("c").size() == 1);
        assertThat(MemoryDriverFactory.sent("c").get(0).text()).isEqualTo("after");
        assertThat(admin("GET", "/metrics", TOKEN).body())
                .contains("chatbridge_reloads_total{outcome=\"applied\"} 1.0");
    }

    @Test
    void reloadAppliesChangedIdentitiesToTheNextMessage() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        publishMentioning("u-a");
        await("first delivered", () -> MemoryDriverFactory.sent("b").size() == 1);
        // same platform, no identity: the id as it is
        assertThat(MemoryDriverFactory.sent("b").get(0).mentions().userIds()).containsExactly("u-a");

        configFile = Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"},
                            "delivery": {"poll_interval": "50ms", "backoff_base": "10ms"},
                            "admin": {"port": %d, "token": "%s"},
                            "identities": [{"a": "u-a", "b": "u-b"}]},
                 "memory": {"a": {"listen_port": 0}, "b": {}, "c": {}}}
                """.formatted(adminPort, TOKEN));
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);

        publishMentioning("u-a");
        await("second delivered", () -> MemoryDriverFactory.sent("b").size() == 2);
        assertThat(MemoryDriverFactory.sent("b").get(1).mentions().userIds()).containsExactly("u-b");
    }

    private static void publishMentioning(String userId) {
        MemoryDriverFactory.context("a").publish(io.chatbridge.spi.InboundMessage.builder().text("@ann hi")
                .mentions(new io.chatbridge.spi.Mentions(List.of(userId), List.of(), false)).build());
    }

    @Test
    void reloadWithASyntaxErrorIsRefusedAndTheRunningRulesStay() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        Files.write(dir, "rules.json", "{\"rules\": [" + rule("a-to-c", "c") + ",]");
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(reload.body());
        assertThat(body.path("status").asText()).isEqualTo("refused");
        assertThat(body.path("problems").toString()).contains("rules.json");

        post("still to b");
        await("delivered to b", () -> MemoryDriverFactory.sent("b").size() == 1);
        assertThat(MemoryDriverFactory.sent("c")).isEmpty();
    }

    @Test
    void reloadNamingAnUnknownInstanceIsRefusedWithValidatesMessage() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        Files.write(dir, "rules.json", "{\"rules\": [" + rule("a-to-z", "zz") + "]}");
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).isEqualTo(422);
        assertThat(reload.body()).contains("zz");
        post("still to b");
        await("delivered to b", () -> MemoryDriverFactory.sent("b").size() == 1);
    }

    @Test
    void messagesKeepFlowingThroughReloadsAndScrapesNoneLostOrSentTwice() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger posted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<?> load = pool.submit(() -> {
                while (running.get()) {
                    post("n" + posted.getAndIncrement());
                }
                return null;
            });
            Future<?> scrapes = pool.submit(() -> {
                while (running.get()) {
                    assertThat(admin("GET", "/metrics", TOKEN).statusCode()).isEqualTo(200);
                }
                return null;
            });
            for (int i = 0; i < 10; i++) {
                String rules = i % 2 == 0
                        ? "{\"rules\": [" + rule("a-to-b", "b") + ", " + rule("a-to-c", "c") + "]}"
                        : "{\"rules\": [" + rule("a-to-b", "b") + "]}";
                Files.write(dir, "rules.json", rules);
                assertThat(admin("POST", "/admin/reload", TOKEN).statusCode()).isEqualTo(200);
                Thread.sleep(20);
            }
            running.set(false);
            load.get();
            scrapes.get();
        } finally {
            pool.shutdownNow();
        }
        int total = posted.get();
        await("every message delivered to b", () -> MemoryDriverFactory.sent("b").size() >= total);
        List<String> texts = MemoryDriverFactory.sent("b").stream().map(OutboundMessage::text).toList();
        assertThat(texts).hasSize(total).doesNotHaveDuplicates();
    }

    @Test
    void messagesThatMatchNoRuleAreCountedSinceStartAcrossAReloadAndTheirCounterOnlyRises() throws Exception {
        String opsToB = "{\"id\": \"ops-to-b\", \"from\": {\"a\": {\"room\": \"ops\"}}, \"to\": {\"b\": {}}}";
        start("{}", "{\"rules\": [" + opsToB + "]}");
        postInRoom("random", "one");
        postInRoom("random", "two");
        postInRoom("ops", "routed");
        assertThat(bridge.unmatchedMessages()).isEqualTo(2);
        assertThat(unrouted()).isEqualTo(2.0);

        // the rules change (one more rule, from another room): the counts go on from where they were
        String devToC = "{\"id\": \"dev-to-c\", \"from\": {\"a\": {\"room\": \"dev\"}}, \"to\": {\"c\": {}}}";
        Files.write(dir, "rules.json", "{\"rules\": [" + opsToB + ", " + devToC + "]}");
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        postInRoom("random", "three");
        postInRoom("dev", "routed now");

        assertThat(bridge.unmatchedMessages()).isEqualTo(3);
        assertThat(bridge.unmatchedMessagesByInstance()).containsExactly(java.util.Map.entry("a", 3L));
        JsonNode status = JSON.readTree(admin("GET", "/admin/status", TOKEN).body());
        assertThat(status.path("unmatched_messages").path("total").asLong()).isEqualTo(3);
        assertThat(status.path("unmatched_messages").path("by_instance").path("a").asLong()).isEqualTo(3);
        assertThat(unrouted()).as("the Prometheus counter did not restart").isEqualTo(3.0);
        await("delivered to b and c", () -> MemoryDriverFactory.sent("b").size() == 1
                && MemoryDriverFactory.sent("c").size() == 1);
    }

    private void postInRoom(String room, String text) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + bridge.port(0) + "/memory/a"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"channel\": {\"room\": \"" + room + "\"}, \"text\": \""
                        + text + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
    }

    /** {@code chatbridge_messages_unrouted_total{instance_id="a"}} as the admin port's scrape shows it. */
    private double unrouted() throws Exception {
        String scrape = admin("GET", "/metrics", TOKEN).body();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^chatbridge_messages_unrouted_total\\{instance_id=\"a\"[^}]*} (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void reloadMovesAnInstanceToANewPortStartsAnAddedOneAndKeepsTheRestRunning() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        int oldPort = bridge.port(0);
        int newPort;
        HttpResponse<String> reload;
        int attempts = 0;
        do { // a reload refused because the new port was taken meanwhile is tried again with another port
            newPort = Ports.freePort();
            writeConfig("{\"a\": {\"listen_port\": " + newPort + "}, \"b\": {}, \"c\": {}, \"d\": {}}");
            Files.write(dir, "rules.json", "{\"rules\": [" + rule("a-to-b", "b") + ", " + rule("a-to-d", "d") + "]}");
            reload = admin("POST", "/admin/reload", TOKEN);
        } while (reload.statusCode() == 422 && Ports.isBindFailure(reload.body()) && ++attempts < Ports.ATTEMPTS);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(reload.body()).contains("started d").contains("restarted a");

        post(newPort, "on the new port");
        await("delivered to b and d", () -> MemoryDriverFactory.sent("b").size() == 1
                && MemoryDriverFactory.sent("d").size() == 1);
        assertThatThrownBy(() -> post(oldPort, "old port")).isInstanceOf(java.io.IOException.class);
        JsonNode status = JSON.readTree(admin("GET", "/admin/status", TOKEN).body());
        assertThat(status.path("instances").findValuesAsText("id")).containsExactly("a", "b", "c", "d");
    }

    @Test
    void reloadToATakenPortIsRefusedWholeAndTheRunningPortKeepsServing() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            writeConfig("{\"a\": {\"listen_port\": " + taken.getLocalPort() + "}, \"b\": {}, \"c\": {}}");
            Files.write(dir, "rules.json", "{\"rules\": [" + rule("a-to-b", "b") + ", " + rule("a-to-c", "c") + "]}");
            HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(422);
            assertThat(reload.body()).contains("memory.a.listen_port").contains("cannot listen on")
                    .contains(String.valueOf(taken.getLocalPort()));
        }
        post("still the old setup");
        await("delivered to b", () -> MemoryDriverFactory.sent("b").size() == 1);
        assertThat(MemoryDriverFactory.sent("c")).isEmpty();
    }

    @Test
    void reloadStopsARemovedInstanceAfterItsSendsAndItsPendingWorkIsDeadLetteredWithTheReason() throws Exception {
        start("{}", "{\"rules\": [" + rule("a-to-b", "b") + "]}");
        writeConfig("{\"a\": {\"listen_port\": 0}, \"b\": {}}");
        HttpResponse<String> reload = admin("POST", "/admin/reload", TOKEN);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(reload.body()).contains("stopped c");
        post("after");
        await("delivered to b", () -> MemoryDriverFactory.sent("b").size() == 1);
    }
}
