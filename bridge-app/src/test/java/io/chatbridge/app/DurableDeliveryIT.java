package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.core.testing.PostgresServer;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable delivery with the real bridge.jar as a child process: a webhook ingress as source, webhook egresses to a
 * Javalin receiver on loopback as targets, the outbox on SQLite and on a real PostgreSQL, and {@code kill -9}.
 */
class DurableDeliveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "it-ingress-token-0123456789";
    private static final String DB_PASSWORD = "it-db-password-98765";
    private static final int QUEUES = 3;

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();
    private Receiver receiver;

    /** The target: refuses with 503 while down; when up, records a message on arrival, then answers after a delay. */
    static final class Receiver implements AutoCloseable {
        volatile boolean down = true;
        volatile long delayMs;
        volatile boolean refusePoison = true;
        final AtomicInteger refused = new AtomicInteger();
        /** "queue:text" (or "queue:text@replica") in arrival order. */
        final List<String> received = Collections.synchronizedList(new ArrayList<>());
        final Javalin app;

        Receiver() {
            app = Javalin.create(cfg -> {
                cfg.startup.showJavalinBanner = false;
                cfg.routes.post("/r/{queue}", ctx -> {
                    if (down) {
                        refused.incrementAndGet();
                        ctx.status(503).result("down for maintenance");
                        return;
                    }
                    JsonNode body = JSON.readTree(ctx.body());
                    String text = body.path("text").asText();
                    if (text.contains("poison") && refusePoison) {
                        ctx.status(422).result("cannot take this one");
                        return;
                    }
                    String replica = ctx.header("X-Replica");
                    received.add(ctx.pathParam("queue") + ":" + text + (replica == null ? "" : "@" + replica));
                    if (delayMs > 0) {
                        Thread.sleep(delayMs);
                    }
                    ctx.status(200).json(Map.of("id", "r-" + body.path("delivery_id").asText()));
                });
            }).start("127.0.0.1", 0);
        }

        int port() {
            return app.port();
        }

        List<String> snapshot() {
            synchronized (received) {
                return List.copyOf(received);
            }
        }

        @Override
        public void close() {
            app.stop();
        }
    }

    @BeforeEach
    void startReceiver() {
        receiver = new Receiver();
    }

    @AfterEach
    void cleanUp(org.junit.jupiter.api.TestInfo test) throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        receiver.close();
        // keep the bridges' logs for a look after a failure
        Path keep = Path.of("target", "durable-it-logs", test.getTestMethod().orElseThrow().getName());
        Files.createDirectories(keep);
        try (var logs = Files.newDirectoryStream(dir, "*.log")) {
            for (Path log : logs) {
                Files.copy(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ the tests

    @Test
    void killedWithTargetDownRestartedStillDownThenKilledMidFlowOnSqliteDeliversAllInOrder() throws Exception {
        killNineScenario("{\"path\": \"data/bridge.db\"}");
    }

    @Test
    void killedWithTargetDownRestartedStillDownThenKilledMidFlowOnPostgresDeliversAllInOrder() throws Exception {
        String url = PostgresServer.get().newDatabase();
        killNineScenario("{\"url\": \"" + url + "\", \"user\": \"postgres\", \"password\": \"${DB_PASSWORD}\"}");
    }

    @Test
    void twoBridgesOnOnePostgresDatabaseDeliverEachMessageExactlyOnce() throws Exception {
        String url = PostgresServer.get().newDatabase();
        String database = "{\"url\": \"" + url + "\", \"user\": \"postgres\", \"password\": \"${DB_PASSWORD}\"}";
        receiver.down = false;
        receiver.delayMs = 10;
        Path rules = writeRules();
        Running runningA = startOnFreePort("a.json", database, "a", rules, dir.resolve("a.log"));
        Running runningB = startOnFreePort("b.json", database, "b", rules, dir.resolve("b.log"));
        Process a = runningA.process();
        Process b = runningB.process();
        int portA = runningA.port();
        int portB = runningB.port();

        int n = 60;
        for (int i = 0; i < n; i++) {
            post(i % 2 == 0 ? portA : portB, i);
        }
        await("all " + n + " messages", Duration.ofSeconds(60), () -> receiver.snapshot().size() >= n);
        Thread.sleep(500); // a duplicate would arrive now, if there were one

        List<String> received = receiver.snapshot();
        assertThat(received).hasSize(n);
        Map<String, List<String>> byQueue = textsByQueue(received.stream().map(r -> r.replaceFirst("@.*", "")).toList());
        assertThat(byQueue).isEqualTo(expectedByQueue(n));
        Map<String, Long> perReplica = received.stream()
                .collect(Collectors.groupingBy(r -> r.replaceFirst(".*@", ""), TreeMap::new, Collectors.counting()));
        assertThat(perReplica.keySet()).as("both replicas delivered some: %s", perReplica).containsExactly("a", "b");

        a.destroy();
        b.destroy();
        assertThat(a.waitFor(30, TimeUnit.SECONDS) && b.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("a.log")) + Files.readString(dir.resolve("b.log")))
                .doesNotContain(DB_PASSWORD).doesNotContain("\tat ");
    }

    @Test
    void permanentFailureGoesToDeadLettersAndDlqRetryDeliversIt() throws Exception {
        receiver.down = false;
        Running running = startOnFreePort("config.json", "{\"path\": \"data/bridge.db\"}", null, writeRules(),
                dir.resolve("bridge.log"));
        Process bridge = running.process();
        int port = running.port();
        Path config = running.config();

        postText(port, "0", "poison pill", "p-1");
        postText(port, "0", "after the pill", "p-2");
        await("the message after the dead letter", Duration.ofSeconds(20),
                () -> receiver.snapshot().contains("0:after the pill"));

        BridgeJarIT.Result list = tool("dlq", "list", "--config", config.toString());
        assertThat(list.exitCode()).as(list.out()).isZero();
        assertThat(list.out()).contains("attempts 1").contains("to out0 {}")
                .contains("error: BAD_REQUEST: HTTP 422 from webhook egress of instance out0")
                .contains("text: poison pill");
        String id = list.out().strip().split("\\s+")[0];

        receiver.refusePoison = false;
        BridgeJarIT.Result retry = tool("dlq", "retry", id, "--config", config.toString());
        assertThat(retry.exitCode()).as(retry.out()).isZero();
        assertThat(retry.out()).contains("dead letter " + id + " queued for delivery again");
        await("the retried dead letter", Duration.ofSeconds(20), () -> receiver.snapshot().contains("0:poison pill"));
        assertThat(receiver.snapshot()).containsExactly("0:after the pill", "0:poison pill");

        BridgeJarIT.Result again = tool("dlq", "retry", id, "--config", config.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.out()).contains("error: no dead letter with id " + id).doesNotContain("\tat ");
        BridgeJarIT.Result stats = tool("outbox", "stats", "--config", config.toString());
        assertThat(stats.out()).contains("pending:      0").contains("delivered:    2").contains("dead letters: 0");

        bridge.destroy();
        assertThat(bridge.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bridge.exitValue()).isZero();
    }

    @Test
    void aCorruptDatabaseFileIsAClearStartUpErrorWithoutAStackTrace() throws Exception {
        Path db = dir.resolve("data/bridge.db");
        Files.createDirectories(db.getParent());
        Files.writeString(db, "definitely not SQLite " + "#".repeat(500));
        Path config = writeConfig("config.json", "{\"path\": \"data/bridge.db\"}", Ports.freePort(), null);
        BridgeJarIT.Result r = BridgeJarIT.run(dir, Map.of(), "--config", config.toString(),
                "--rules", writeRules().toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("error: global.database.path: cannot open database " + db.toRealPath()
                + ": file is not a database").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void aSecondBridgeOnTheSameSqliteFileThroughASymlinkOrAHardLinkIsRefusedNamingTheFirst() throws Exception {
        receiver.down = false;
        Path rules = writeRules();
        Running running = startOnFreePort("config.json", "{\"path\": \"data/bridge.db\"}", null, rules,
                dir.resolve("first.log"));
        Process first = running.process();
        int port = running.port();
        Path db = dir.resolve("data/bridge.db").toRealPath();
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), db);
        Path hard = Files.createLink(dir.resolve("data/hard.db"), db);

        for (Path other : List.of(link, hard)) {
            Path otherConfig = writeConfig("other.json", "{\"path\": \"" + other + "\"}", Ports.freePort(), null);
            BridgeJarIT.Result second = BridgeJarIT.run(dir, Map.of(), "--config", otherConfig.toString(),
                    "--rules", rules.toString());
            assertThat(second.exitCode()).as(second.out()).isEqualTo(1);
            assertThat(second.out()).contains("error: global.database.path: cannot open database ")
                    .contains(other.getFileName() + ": ")
                    .contains("another bridge process is using it (pid " + first.pid() + ", ")
                    .doesNotContain("\tat ");
        }
        postText(port, "0", "still served by the first", "s-1");
        await("the first bridge still delivers", Duration.ofSeconds(20),
                () -> receiver.snapshot().contains("0:still served by the first"));
    }

    @Test
    void aDatabaseFileDeletedUnderTheRunningBridgeIsAnswered503AndNotReadyFromThenOn() throws Exception {
        receiver.down = false;
        Running running = startOnFreePort("config.json", "{\"path\": \"data/bridge.db\"}", null, writeRules(),
                dir.resolve("bridge.log"));
        Process bridge = running.process();
        int port = running.port();
        postText(port, "0", "before", "d-0");
        await("the message before", Duration.ofSeconds(20), () -> receiver.snapshot().contains("0:before"));

        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(dir.resolve("data/bridge.db" + suffix));
        }
        List<Integer> statuses = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            statuses.add(postStatus(port, "0", "after " + i, "d-" + i));
        }
        assertThat(statuses).containsOnly(503);
        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("was deleted while the bridge was running");
        Thread.sleep(300);
        assertThat(receiver.snapshot()).containsExactly("0:before");
        bridge.destroy();
        assertThat(bridge.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("bridge.log"))).contains("ERROR")
                .contains("bridge.db was deleted while the bridge was running");
    }

    // ------------------------------------------------------------------------------------------------ scenario

    private void killNineScenario(String database) throws Exception {
        Path rules = writeRules();
        int n = 30;

        // 1. target down: every message is accepted (202) and waits in the outbox; then SIGKILL
        Running run1 = startOnFreePort("config.json", database, null, rules, dir.resolve("run1.log"));
        Process first = run1.process();
        int port = run1.port();
        Path config = run1.config();
        for (int i = 0; i < n; i++) {
            post(port, i);
        }
        await("attempts against the down target", Duration.ofSeconds(20), () -> receiver.refused.get() >= 3);
        kill9(first);
        assertThat(receiver.snapshot()).as("nothing reached the down target").isEmpty();

        // 2. restarted with the target still down: the pending deliveries resume and keep being refused
        int refusedBeforeRestart = receiver.refused.get();
        // (on a fresh port: the one before may have been taken meanwhile; the outbox is the same)
        Process second = startOnFreePort("config.json", database, null, rules, dir.resolve("run2.log")).process();
        await("attempts against the down target after the restart", Duration.ofSeconds(20),
                () -> receiver.refused.get() >= refusedBeforeRestart + 3);
        assertThat(receiver.snapshot()).isEmpty();

        // 3. target back, slow: deliveries flow; killed again while some are in flight
        receiver.delayMs = 150;
        receiver.down = false;
        await("some deliveries after the target came back", Duration.ofSeconds(30),
                () -> receiver.snapshot().size() >= 6);
        kill9(second);
        int beforeSecondKill = receiver.snapshot().size();
        assertThat(beforeSecondKill).as("killed mid-flow").isLessThan(n);

        // 4. restarted once more: everything arrives, in order
        receiver.delayMs = 0;
        Process third = startOnFreePort("config.json", database, null, rules, dir.resolve("run3.log")).process();
        await("every message", Duration.ofSeconds(60),
                () -> new LinkedHashSet<>(receiver.snapshot()).size() >= n);
        Thread.sleep(300);

        List<String> received = receiver.snapshot();
        Map<String, List<String>> byQueue = textsByQueue(received);
        Map<String, List<String>> expected = expectedByQueue(n);
        int duplicates = 0;
        for (Map.Entry<String, List<String>> e : byQueue.entrySet()) {
            List<String> texts = e.getValue();
            assertThat(texts.stream().distinct().toList()).as("queue " + e.getKey() + " in order")
                    .isEqualTo(expected.get(e.getKey()));
            for (int i = 1; i < texts.size(); i++) {
                if (texts.get(i).equals(texts.get(i - 1))) {
                    duplicates++;
                } else {
                    assertThat(texts.subList(0, i)).as("queue %s: %s arrives again after a later message",
                            e.getKey(), texts.get(i)).doesNotContain(texts.get(i));
                }
            }
        }
        // at most the delivery in flight per target queue at the kill while the target was up (nothing was in flight
        // at the first kill: the down target had accepted nothing)
        assertThat(duplicates).as("duplicates in %s", received).isLessThanOrEqualTo(QUEUES);
        assertThat(received).hasSize(n + duplicates);

        BridgeJarIT.Result stats = tool("outbox", "stats", "--config", config.toString());
        assertThat(stats.exitCode()).as(stats.out()).isZero();
        assertThat(stats.out()).contains("pending:      0").contains("dead letters: 0");

        third.destroy();
        assertThat(third.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(third.exitValue()).isZero();
        String logs = Files.readString(dir.resolve("run1.log")) + Files.readString(dir.resolve("run2.log"))
                + Files.readString(dir.resolve("run3.log"));
        assertThat(logs).doesNotContain(DB_PASSWORD).doesNotContain(TOKEN).doesNotContain("\tat ");
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    /** Short backoff and polling, so restarts and retries take milliseconds rather than the production seconds. */
    private Path writeConfig(String name, String database, int port, String replica) throws IOException {
        StringBuilder targets = new StringBuilder();
        for (int q = 0; q < QUEUES; q++) {
            targets.append(", \"out").append(q).append("\": {\"url\": \"http://127.0.0.1:").append(receiver.port())
                    .append("/r/").append(q).append("\", \"timeout_seconds\": 5")
                    .append(replica == null ? "" : ", \"headers\": {\"X-Replica\": \"" + replica + "\"}")
                    .append('}');
        }
        Path file = dir.resolve(name);
        Files.writeString(file, """
                {"global": {"database": %s, "http": {"host": "127.0.0.1"}, "shutdown_timeout": "2s",
                            "delivery": {"backoff_base": "50ms", "backoff_max": "250ms", "max_attempts": 1000,
                                         "poll_interval": "100ms", "lease": "3s", "workers": 4}},
                 "webhook": {"in": {"listen_port": %d, "listen_path": "/in", "token": "%s"}%s}}
                """.formatted(database, port, TOKEN, targets));
        return file;
    }

    private Path writeRules() throws IOException {
        List<String> rules = new ArrayList<>();
        for (int q = 0; q < QUEUES; q++) {
            rules.add("{\"id\": \"to-" + q + "\", \"from\": {\"in\": {\"room\": \"" + q + "\"}}, \"to\": {\"out" + q
                    + "\": {}}, \"msg\": {\"msg_format\": \"{msg}\"}}");
        }
        Path file = dir.resolve("rules.json");
        Files.writeString(file, "{\"rules\": [" + String.join(", ", rules) + "]}");
        return file;
    }

    /** A bridge {@link #startOnFreePort} started: its process, ingress port and config file. */
    private record Running(Process process, int port, Path config) {
    }

    /**
     * Writes config {@code name} with a fresh ingress port and starts a bridge with it until healthy; with another
     * port when that one was taken before the bridge bound it.
     */
    private Running startOnFreePort(String name, String database, String replica, Path rules, Path log)
            throws Exception {
        int[] port = new int[1];
        Path config = dir.resolve(name);
        Process p = BridgeJarIT.startHealthy(log, () -> {
            port[0] = Ports.freePort();
            writeConfig(name, database, port[0], replica);
            return port;
        }, () -> startBridge(config, rules, log));
        return new Running(p, port[0], config);
    }

    private Process startBridge(Path config, Path rules, Path log) throws IOException {
        Process p = BridgeJarIT.start(dir, Map.of("DB_PASSWORD", DB_PASSWORD), log, "--log-level", "DEBUG", "--config", config.toString(),
                "--rules", rules.toString());
        processes.add(p);
        return p;
    }

    private BridgeJarIT.Result tool(String... args) throws Exception {
        return BridgeJarIT.run(dir, Map.of("DB_PASSWORD", DB_PASSWORD), args);
    }

    private static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL on Unix: no shutdown hook, no graceful stop
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
    }

    private void post(int port, int i) throws Exception {
        int q = i % QUEUES;
        postText(port, String.valueOf(q), q + "-" + i, "msg-" + i);
    }

    private void postText(int port, String room, String text, String id) throws Exception {
        assertThat(postStatus(port, room, text, id)).isEqualTo(202);
    }

    private int postStatus(int port, String room, String text, String id) throws Exception {
        String body = JSON.writeValueAsString(Map.of("text", text, "id", id, "channel", Map.of("room", room)));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/in"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    private static Map<String, List<String>> textsByQueue(List<String> received) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String r : received) {
            int colon = r.indexOf(':');
            out.computeIfAbsent(r.substring(0, colon), k -> new ArrayList<>()).add(r.substring(colon + 1));
        }
        return out;
    }

    private static Map<String, List<String>> expectedByQueue(int n) {
        Map<String, List<String>> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.computeIfAbsent(String.valueOf(i % QUEUES), k -> new ArrayList<>()).add(i % QUEUES + "-" + i);
        }
        return out;
    }


    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
