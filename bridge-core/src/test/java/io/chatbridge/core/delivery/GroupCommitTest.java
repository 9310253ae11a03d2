package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite committer behind a database that takes no write: queued messages are refused, never piled up. */
class GroupCommitTest {

    @TempDir
    Path dir;

    @Test
    void messagesQueuedBehindAStuckDatabaseAreRefusedUnwrittenAfterTheWaitLimit() throws Exception {
        Path file = dir.resolve("bridge.db");
        JdbcDeliveryStore.openSqlite(file, false).close(); // create the schema
        String url = "jdbc:sqlite:" + file;
        ConnectionPool pool = new ConnectionPool(1, Duration.ofSeconds(5), () -> {
            Connection c = DriverManager.getConnection(url);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 3000");
            }
            return c;
        });
        Transactions db = new Transactions(Dialect.SQLITE, file.toString(), pool);
        SqliteFile.FileGuard guard = new SqliteFile.FileGuard(file);
        guard.arm();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        try (Connection other = DriverManager.getConnection(url);
             Statement s = other.createStatement();
             GroupCommit commit = new GroupCommit(db, new OutboxSql(Dialect.SQLITE), guard, "test",
                     Duration.ofMillis(200))) {
            s.execute("BEGIN IMMEDIATE"); // the database is stuck for the committer
            CompletableFuture<List<Boolean>> first = commit.submit(List.of(OutboxSql.Encoded.of("k1",
                    List.of(DeliveryStoreContract.message("t", "a", "1")), now, Duration.ofMinutes(10))));
            Thread.sleep(100); // the committer took the first and waits for the lock
            CompletableFuture<List<Boolean>> queued = commit.submit(List.of(OutboxSql.Encoded.of("k2",
                    List.of(DeliveryStoreContract.message("t", "a", "2")), now, Duration.ofMinutes(10))));
            Thread.sleep(300);
            commit.expireWaiting(); // what the store's watchdog does every second
            assertThatThrownBy(() -> queued.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(StoreException.class)
                    .hasMessage("outbox test: the database took no write for 200 ms");
            assertThat(first).isNotDone();
            s.execute("COMMIT");
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(true);
        } finally {
            db.close();
        }
        try (JdbcDeliveryStore store = JdbcDeliveryStore.openSqlite(file, false)) {
            assertThat(store.stats(now).pending()).as("the refused message was never written").isEqualTo(1);
        }
    }
}
