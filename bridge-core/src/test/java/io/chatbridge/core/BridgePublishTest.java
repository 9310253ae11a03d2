package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.JdbcDeliveryStore;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.FailingStore;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publish path of a running bridge on a real SQLite outbox: asynchronous publish completed by the commit,
 * batches in one transaction, readiness and 503 while the store cannot write, a database file deleted under it.
 */
class BridgePublishTest {

    private static final String TOKEN = "publish-test-token-0123456789";

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private Bridge bridge;
    private DeliveryStore sqlite;

    @BeforeEach
    void reset() {
        MemoryDriverFactory.reset();
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (sqlite != null) {
            sqlite.close();
        }
        Secrets.clear();
    }

    private Path dbFile() {
        return dir.resolve("data/bridge.db");
    }

    /** A memory source {@code a}, a webhook ingress {@code in} on loopback, both routed to memory target {@code b}. */
    private Bridge start(DeliveryStore store) {
        Path config = Files.write(dir, "config.json", """
                {"global": {"database": {"path": "data/bridge.db"},
                            "delivery": {"poll_interval": "50ms", "backoff_base": "10ms"}},
                 "memory": {"a": {}, "b": {}},
                 "webhook": {"in": {"listen_port": 0, "listen_path": "/in", "token": "%s"}}}
                """.formatted(TOKEN));
        Path rules = Files.write(dir, "rules.json", """
                {"rules": [{"from": {"a": {}}, "to": {"b": {}}, "msg": {"msg_format": "{msg}"}},
                           {"from": {"in": {}}, "to": {"b": {}}, "msg": {"msg_format": "{msg}"}}]}""");
        Setup setup = Setup.load(config, rules, DriverRegistry.discover(null), k -> null,
                new Setup.Options().allowRandomPorts());
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        Bridge.Options options = new Bridge.Options().httpHost("127.0.0.1");
        if (store != null) {
            options.store(store);
        }
        bridge = Bridge.start(setup, options);
        return bridge;
    }

    private DeliveryStore openSqlite() {
        sqlite = JdbcDeliveryStore.openSqlite(dbFile(), true);
        return sqlite;
    }

    private static InboundMessage text(String text, String id) {
        return InboundMessage.builder().text(text).id(id).build();
    }

    private HttpResponse<String> post(String text) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port(0) + "/in"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + text + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> readyz() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port(0) + "/readyz"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void publishAsyncReturnsAtOnceAndCompletesOnlyWhenTheOutboxCommitted() throws Exception {
        start(openSqlite());
        DriverContext a = MemoryDriverFactory.context("a");
        CompletionStage<PublishResult> stage;
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dbFile());
             Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE"); // another writer holds the file: the commit cannot happen yet
            stage = a.publishAsync(text("hello", "m1")); // returns although the commit must wait
            Thread.sleep(300);
            assertThat(stage.toCompletableFuture()).as("not complete before the commit").isNotDone();
            s.execute("COMMIT");
        }
        assertThat(stage.toCompletableFuture().get(10, TimeUnit.SECONDS).status())
                .isEqualTo(PublishResult.Status.ACCEPTED);
        await("the delivery", () -> MemoryDriverFactory.sent("b").size() == 1);
    }

    @Test
    void publishAsyncFailsWithBridgeUnavailableWhenTheCommitFails() throws Exception {
        start(openSqlite());
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dbFile());
             Statement s = other.createStatement()) {
            s.execute("ALTER TABLE deliveries RENAME TO deliveries_elsewhere"); // every insert now fails
        }
        CompletionStage<PublishResult> stage = MemoryDriverFactory.context("a").publishAsync(text("x", "m1"));
        assertThatThrownBy(() -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(BridgeUnavailableException.class).hasMessage("could not record the message");
    }

    @Test
    void aBatchOfFiveThousandMessagesIsOneStoreCallAllOrNothing() throws Exception {
        FailingStore counting = new FailingStore(openSqlite());
        start(counting.store());
        List<InboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            batch.add(text("event " + i, "ce-" + i));
        }
        List<PublishResult> results = MemoryDriverFactory.context("a").publishAllAsync(batch)
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(results).hasSize(5000).allSatisfy(r -> assertThat(r.deliveries()).isEqualTo(1));
        assertThat(counting.calls("appendAsync")).isEqualTo(1);
        assertThat(counting.calls("append")).isZero();

        // sent again (a retry of the whole batch): every message is a duplicate, nothing routed twice
        List<PublishResult> again = MemoryDriverFactory.context("a").publishAll(batch);
        assertThat(again).extracting(PublishResult::status).containsOnly(PublishResult.Status.DUPLICATE);
        DeliveryStore.OutboxStats stats = sqlite.stats(java.time.Instant.now());
        assertThat(stats.pending() + stats.delivered()).isEqualTo(5000);
    }

    @Test
    void whileTheStoreCannotWriteIngressAnswers503AndReadinessSaysWhyThenBothRecoverByThemselves()
            throws Exception {
        FailingStore failing = new FailingStore(openSqlite());
        start(failing.store());
        assertThat(readyz().statusCode()).isEqualTo(200);
        assertThat(readyz().body()).isEqualTo("{\"status\":\"ready\"}");
        assertThat(post("before").statusCode()).isEqualTo(202);

        failing.fail("appendAsync").fail("probeWrite"); // e.g. the disk is full
        assertThat(post("during").statusCode()).isEqualTo(503);
        assertThat(bridge.readiness()).isEqualTo(Readiness.notReady(
                "the outbox cannot record messages: outbox test: appendAsync failed: disk I/O error"));
        HttpResponse<String> notReady = readyz();
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).isEqualTo("{\"status\":\"not ready\",\"reason\":\"the outbox cannot record "
                + "messages: outbox test: appendAsync failed: disk I/O error\"}");
        assertThat(post("during again").statusCode()).isEqualTo(503);

        failing.heal(); // space freed: no message needed for readiness to come back
        await("ready again", () -> bridge.readiness().ready());
        assertThat(readyz().statusCode()).isEqualTo(200);
        assertThat(post("after").statusCode()).isEqualTo(202);
        await("the two accepted messages", () -> MemoryDriverFactory.sent("b").size() == 2);
        assertThat(MemoryDriverFactory.sent("b")).extracting(m -> m.text()).containsExactly("before", "after");
    }

    @Test
    void aDatabaseFileDeletedUnderTheRunningBridgeGets503ForEveryPostAndNothingIsAcknowledgedAfter()
            throws Exception {
        start(null); // the bridge opens data/bridge.db itself
        assertThat(post("kept").statusCode()).isEqualTo(202);
        await("the first delivery", () -> MemoryDriverFactory.sent("b").size() == 1);

        for (String suffix : List.of("", "-wal", "-shm")) {
            java.nio.file.Files.deleteIfExists(dir.resolve("data/bridge.db" + suffix));
        }
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(post("after " + i).statusCode());
        }
        assertThat(statuses).containsOnly(503);
        HttpResponse<String> notReady = readyz();
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("database file " + dbFile().toAbsolutePath() + " was deleted");
        assertThat(bridge.readiness().reason()).contains(dbFile().toAbsolutePath().toString());
        Thread.sleep(300);
        assertThat(MemoryDriverFactory.sent("b")).extracting(m -> m.text()).containsExactly("kept");
    }

    @Test
    void anInstanceReportingFailedMakesTheBridgeNotReadyUntilItRecovers() throws Exception {
        start(null);
        DriverContext a = MemoryDriverFactory.context("a");
        a.reportHealth(io.chatbridge.spi.DriverHealth.failed("login refused", java.time.Instant.now()));
        assertThat(bridge.readiness()).isEqualTo(Readiness.notReady("instance a failed: login refused"));
        assertThat(readyz().statusCode()).isEqualTo(503);
        a.reportHealth(io.chatbridge.spi.DriverHealth.connected(java.time.Instant.now()));
        assertThat(bridge.readiness()).isEqualTo(Readiness.READY);
    }

    @Test
    void readinessIsNotReadyOnceTheBridgeStops() throws Exception {
        start(null);
        assertThat(bridge.readiness()).isEqualTo(Readiness.READY);
        bridge.close();
        assertThat(bridge.readiness()).isEqualTo(Readiness.notReady("the bridge is stopping"));
        bridge = null;
    }
}
