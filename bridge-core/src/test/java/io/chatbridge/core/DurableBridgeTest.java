package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.cli.Main;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.spi.OutboundMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bridge on its default SQLite outbox, and the {@code dlq} / {@code outbox} tools on the same file. */
class DurableBridgeTest {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private Bridge bridge;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

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

    private Path config(String targetSettings) {
        return Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"},
                            "delivery": {"poll_interval": "50ms", "backoff_base": "10ms"}},
                 "memory": {"a": {"listen_port": 0}, "b": %s}}
                """.formatted(targetSettings));
    }

    private Bridge start(Path config) {
        Setup setup = Setup.load(config, Files.write(dir, "rules.json",
                        "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}, \"msg\": {\"msg_format\": \"{msg}\"}}]}"),
                DriverRegistry.discover(null), k -> null, new Setup.Options().allowRandomPorts());
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
        return bridge;
    }

    private void post(String json) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + bridge.port(0) + "/memory/a"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
    }

    private int cli(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
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
    void permanentFailureBecomesADeadLetterThatDlqRetryDelivers() throws Exception {
        Path config = config("{\"fail_first\": 1, \"fail_mode\": \"permanent\"}");
        start(config);
        post("{\"text\": \"refused once\", \"id\": \"m1\"}");
        await("a dead letter", () -> !bridge.store().deadLetters(10).isEmpty());
        long id = bridge.store().deadLetters(10).get(0).id();

        assertThat(cli("dlq", "list", "--config", config.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains(id + "  failed ").contains("attempts 1").contains("to b {}")
                .contains("error: BAD_REQUEST: memory target refuses").contains("text: refused once");
        assertThat(MemoryDriverFactory.sent("b")).isEmpty();

        assertThat(cli("dlq", "retry", String.valueOf(id), "--config", config.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("dead letter " + id + " queued for delivery again");
        await("the retried delivery", () -> MemoryDriverFactory.sent("b").size() == 1);
        assertThat(MemoryDriverFactory.sent("b").get(0).text()).isEqualTo("refused once");
        // the link is stored once send has returned, a moment after the driver recorded the message
        await("the message id link", () -> !bridge.store().links("a", "m1").isEmpty());
        assertThat(bridge.store().links("a", "m1")).singleElement()
                .satisfies(l -> assertThat(l.targetMessageId()).isEqualTo("b-1"));

        assertThat(cli("dlq", "list", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("no dead letters");
        assertThat(cli("outbox", "stats", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("pending:      0").contains("delivered:    1")
                .contains("dead letters: 0");
    }

    @Test
    void acceptedMessagesWaitInTheFileAcrossARestart() throws Exception {
        Path config = config("{\"fail_first\": 1000}");
        start(config);
        for (int i = 0; i < 5; i++) {
            post("{\"text\": \"" + i + "\"}");
        }
        bridge.close();
        bridge = null;
        MemoryDriverFactory.reset(); // b is "back": the new driver instance does not fail

        Path healthy = config("{}");
        start(healthy);
        await("five deliveries", () -> MemoryDriverFactory.sent("b").size() == 5);
        assertThat(MemoryDriverFactory.sent("b")).extracting(OutboundMessage::text)
                .containsExactly("0", "1", "2", "3", "4");
    }

    @Test
    void aDuplicateMessageIdIsRecognisedAfterARestart() throws Exception {
        Path config = config("{}");
        start(config);
        post("{\"text\": \"once\", \"id\": \"dt-msg-1\"}");
        await("the first delivery", () -> MemoryDriverFactory.sent("b").size() == 1);
        bridge.close();
        bridge = null;

        start(config);
        post("{\"text\": \"once\", \"id\": \"dt-msg-1\"}");
        post("{\"text\": \"twice\", \"id\": \"dt-msg-2\"}");
        await("the second message", () -> MemoryDriverFactory.sent("b").size() == 2);
        assertThat(MemoryDriverFactory.sent("b")).extracting(OutboundMessage::text).containsExactly("once", "twice");
    }

    @Test
    void dlqRetryAllAndDropWorkWithoutARunningBridge() throws Exception {
        Path config = config("{\"fail_first\": 3, \"fail_mode\": \"permanent\"}");
        start(config);
        post("{\"text\": \"x\"}");
        post("{\"text\": \"y\"}");
        post("{\"text\": \"z\"}");
        await("three dead letters", () -> bridge.store().deadLetters(10).size() == 3);
        List<DeliveryStore.DeadLetter> dead = bridge.store().deadLetters(10);
        bridge.close();
        bridge = null;

        assertThat(cli("dlq", "drop", String.valueOf(dead.get(0).id()), "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("dead letter " + dead.get(0).id() + " dropped");
        assertThat(cli("dlq", "drop", String.valueOf(dead.get(0).id()), "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: no dead letter with id " + dead.get(0).id() + "\n");
        assertThat(cli("dlq", "retry", "999999", "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("error: no dead letter with id 999999");

        assertThat(cli("dlq", "retry", "--all", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("2 dead letter(s) queued for delivery again");
        assertThat(cli("outbox", "stats", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("pending:      2").contains("dead letters: 0").contains("oldest pending: ");

        start(config("{}"));
        await("two deliveries", () -> MemoryDriverFactory.sent("b").size() == 2);
        assertThat(MemoryDriverFactory.sent("b")).extracting(OutboundMessage::text).containsExactly("y", "z");
    }

    @Test
    void dlqListMasksEveryInstanceSecretInANewProcess() throws Exception {
        String apiKey = "sk-live-4f9a2c77";
        String hookUrl = "https://hooks.example.com/send?access_token=xyzSecretToken";
        Path config = Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"},
                            "delivery": {"poll_interval": "50ms", "backoff_base": "10ms"}},
                 "memory": {"a": {"listen_port": 0}, "b": {"api_key": "%s"}},
                 "webhook": {"hook": {"url": "%s"}}}
                """.formatted(apiKey, hookUrl));
        start(config);
        post("{\"text\": \"key " + apiKey + " and hook " + hookUrl + "\"}");
        await("the blocked delivery", () -> !bridge.store().deadLetters(10).isEmpty());
        assertThat(bridge.store().deadLetters(10).get(0).message().renderedText()).contains(apiKey, hookUrl);
        bridge.close();
        bridge = null;
        Secrets.clear(); // dlq runs in a process of its own, which knows no secret until it reads config.json

        assertThat(cli("dlq", "list", "--config", config.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("text: key " + Secrets.MASK + " and hook " + Secrets.MASK)
                .doesNotContain(apiKey).doesNotContain("xyzSecretToken");
    }

    @Test
    void dlqListRefusesAConfigItCannotLoadInFull() {
        Path config = Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"}}, "echo": {"e": {"token": "t0k3n-value"}}}
                """);
        assertThat(cli("dlq", "list", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("echo: unknown platform \"echo\"")
                .contains("error: " + config + " must load in full (as for run, with --plugins DIR when it uses"
                        + " plugin platforms) so that its secrets can be masked in what this command prints");
        assertThat(cli("outbox", "stats", "--config", config.toString())).as("reads only global").isEqualTo(1);
        assertThat(err.toString()).contains("no database at");
    }

    @Test
    void toolsExplainUsageAndConfigErrorsWithExitCodeTwo() {
        Path config = config("{}");
        assertThat(cli("dlq", "retry", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required argument");
        assertThat(cli("dlq", "retry", "7", "--all", "--config", config.toString())).isEqualTo(2);
        assertThat(cli("dlq", "retry", "seven", "--config", config.toString())).isEqualTo(2);
        assertThat(cli("dlq", "--config", config.toString())).isEqualTo(2);
        assertThat(cli("dlq")).isEqualTo(2);
        assertThat(err.toString()).contains("dlq needs a command: list, retry or drop");
        assertThat(cli("outbox", "stats", "--config", dir.resolve("nope.json").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("nope.json: file does not exist");

        Path bad = Files.write(dir, "bad.json", "{\"global\": {\"database\": {\"url\": \"mysql://x\"}}}");
        assertThat(cli("outbox", "stats", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("global.database.url: expected a jdbc:postgresql:// or jdbc:sqlite: URL");
    }

    @Test
    void toolsSayWhenThereIsNoDatabaseYet() {
        Path config = config("{}");
        assertThat(cli("outbox", "stats", "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: global.database.path: no database at "
                + dir.resolve("data/bridge.db"));
        assertThat(dir.resolve("data/bridge.db")).doesNotExist();
    }

    @Test
    void aCorruptDatabaseFileStopsStartUpWithAClearMessage() throws Exception {
        Path db = Files.write(dir, "data/bridge.db", "not a database " + "x".repeat(300));
        Path config = config("{}");
        Path rules = Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(cli("run", "--config", config.toString(), "--rules", rules.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: global.database.path: cannot open database " + db
                + ": file is not a database\n");
    }

    @Test
    void aDatabasePathBelowAFileStopsStartUpWithAClearMessage() {
        Files.write(dir, "data", "a file where the directory should be");
        Path config = config("{}");
        Path rules = Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(cli("run", "--config", config.toString(), "--rules", rules.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: global.database.path: cannot open database "
                + dir.resolve("data/bridge.db") + ": cannot create directory " + dir.resolve("data")
                + " (a file of that name exists)\n");
    }

    private Path configOnPort(int port) {
        return Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"}, "http": {"host": "127.0.0.1"}},
                 "memory": {"a": {"listen_port": %d}, "b": {}}}
                """.formatted(port));
    }

    /** Binds {@code port} on loopback: throws when something still listens there. */
    private static void assertNothingListensOn(int port) throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void aStoreFailingWhileTheDriversStartStopsStartUpWithItsMessageAndLeavesNothingRunning() throws Exception {
        // the store opens on its own thread while the drivers start and their port opens: its failure must still
        // end the run with the store's message and exit code, the drivers stopped and the port closed again
        // (a file that is not a database passes the checks made before the drivers start, and fails when opened)
        int port = io.chatbridge.core.testing.Ports.freePort();
        java.nio.file.Files.createDirectories(dir.resolve("data"));
        java.nio.file.Files.writeString(dir.resolve("data/bridge.db"), "this is not a SQLite database, "
                + "but a text file long enough to hold a database header and more".repeat(4));
        Path config = configOnPort(port);
        Path rules = Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(cli("run", "--config", config.toString(), "--rules", rules.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: global.database.path: cannot open database "
                + dir.resolve("data/bridge.db") + ": ").doesNotContain("\tat ");
        assertThat(MemoryDriverFactory.context("a")).as("instance a was started").isNotNull();
        assertThat(MemoryDriverFactory.stopped("a")).as("instance a was stopped again").isTrue();
        assertThat(MemoryDriverFactory.stopped("b")).as("instance b was stopped again").isTrue();
        assertNothingListensOn(port);
    }

    /** A bridge on config.json (data/bridge.db, instance a on a free port) forwarding a to b; returns its rules. */
    private Path startFirstBridge() throws Exception {
        Path rules = Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        bridge = io.chatbridge.core.testing.Ports.retryingBindFailures(() -> {
            Setup setup = Setup.load(configOnPort(io.chatbridge.core.testing.Ports.freePort()), rules,
                    DriverRegistry.discover(null), k -> null, new Setup.Options());
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            return Bridge.start(setup, new Bridge.Options());
        });
        return rules;
    }

    @Test
    void aSecondBridgeOnTheSameFileAndPortIsRefusedForTheFileAndTheFirstKeepsServing() throws Exception {
        Path rules = startFirstBridge();
        int port = bridge.ports().keySet().iterator().next();
        Path config = dir.resolve("config.json");
        // the second run fails twice at once, on the database's lock and on the port: the store's error is the one
        // reported, as when the store opened before anything else
        assertThat(cli("run", "--config", config.toString(), "--rules", rules.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: global.database.path: cannot open database "
                + dir.resolve("data/bridge.db") + ": another bridge process is using it").doesNotContain("listen");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> posted = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/memory/a"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"still here\", \"id\": \"m1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(202);
        await("the first bridge delivers", () -> MemoryDriverFactory.sent("b").size() == 1);
    }

    @Test
    void aDatabaseDirectoryThatCannotBeCreatedIsRefusedBeforeAnyDriverStarts() throws Exception {
        Files.write(dir, "data", "a file where the directory should be");
        Path config = configOnPort(io.chatbridge.core.testing.Ports.freePort());
        Path rules = Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(cli("run", "--config", config.toString(), "--rules", rules.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: global.database.path: cannot open database "
                + dir.resolve("data/bridge.db") + ": cannot create directory " + dir.resolve("data")
                + " (a file of that name exists)\n");
        assertThat(MemoryDriverFactory.context("a")).isNull();
    }

    @Test
    void aSecondBridgeOnTheSameFileStartsNoDriverBeforeItIsRefused() throws Exception {
        startFirstBridge();
        // the second bridge's instances have ids of their own, so what it started is told apart
        Path second = Files.write(dir, "second.json", """
                {"global": {"database": {"path": "data/bridge.db"}, "http": {"host": "127.0.0.1"}},
                 "memory": {"second_in": {}, "second_out": {}}}
                """);
        Path secondRules = Files.write(dir, "second-rules.json",
                "{\"rules\": [{\"from\": {\"second_in\": {}}, \"to\": {\"second_out\": {}}}]}");
        assertThat(cli("run", "--config", second.toString(), "--rules", secondRules.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: global.database.path: cannot open database "
                + dir.resolve("data/bridge.db") + ": another bridge process is using it");
        assertThat(MemoryDriverFactory.context("second_in")).as("no driver of the refused bridge started").isNull();
        assertThat(MemoryDriverFactory.context("second_out")).isNull();
    }

    @Test
    void anUnreachablePostgresIsAClearErrorWithoutThePassword() throws Exception {
        try (Ports.ClosedPort closed = Ports.closedPort()) {
            int port = closed.port();
            Path config = Files.write(dir, "pg.json", """
                    {"global": {"database": {"url": "jdbc:postgresql://127.0.0.1:%d/bridge?sslmode=disable",
                                             "user": "bridge", "password": "${DB_PASSWORD}"}},
                     "memory": {"a": {}}}
                    """.formatted(port));
            Map<String, String> env = Map.of("DB_PASSWORD", "pg-pass-1234");
            Setup setup = Setup.loadGlobal(config, env::get);
            assertThat(setup.sensitiveValues()).contains("pg-pass-1234");
            assertThat(cli("outbox", "stats", "--config", config.toString())).isEqualTo(2);
            assertThat(err.toString()).contains("DB_PASSWORD"); // not set in this JVM: a config error, named
            Path literal = Files.write(dir, "pg2.json", """
                    {"global": {"database": {"url": "jdbc:postgresql://127.0.0.1:%d/bridge?password=pg-pass-1234",
                                             "user": "bridge", "password": "pg-pass-1234"}}}
                    """.formatted(port));
            assertThat(cli("outbox", "stats", "--config", literal.toString())).isEqualTo(1);
            assertThat(err.toString()).startsWith("error: global.database.url: cannot ")
                    .contains("jdbc:postgresql://127.0.0.1:" + port + "/bridge")
                    .doesNotContain("pg-pass-1234").doesNotContain("\tat ");
        }
    }
}
