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

/**
 * The SQLite committer: behind a database that takes no write, queued messages are refused, never piled up; the
 * delivery engine's writes share its batches in queue order and fail alone.
 */
class GroupCommitTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** A committer on a fresh outbox file, and a second connection that can hold the write lock. */
    private final class Fixture implements AutoCloseable {
        final Path file = dir.resolve("fixture.db");
        final Transactions db;
        final GroupCommit commit;
        final Connection other;

        Fixture() throws Exception {
            JdbcDeliveryStore.openSqlite(file, false).close();
            String url = "jdbc:sqlite:" + file;
            db = new Transactions(Dialect.SQLITE, file.toString(), new ConnectionPool(1, Duration.ofSeconds(5),
                    () -> {
                        Connection c = DriverManager.getConnection(url);
                        try (Statement s = c.createStatement()) {
                            s.execute("PRAGMA busy_timeout = 10000");
                        }
                        return c;
                    }));
            SqliteFile.FileGuard guard = new SqliteFile.FileGuard(file);
            guard.arm();
            commit = new GroupCommit(db, new OutboxSql(Dialect.SQLITE, db.statements()), guard, "test");
            other = DriverManager.getConnection(url);
        }

        CompletableFuture<List<Boolean>> append(String key) {
            return commit.submit(List.of(OutboxSql.Encoded.of(key,
                    List.of(DeliveryStoreContract.message("t", "a", key)), NOW, Duration.ofMinutes(10))));
        }

        /** Holds the write lock until {@link #release}; the committer's next batch waits for it. */
        void hold() throws Exception {
            try (Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        }

        void release() throws Exception {
            try (Statement s = other.createStatement()) {
                s.execute("COMMIT");
            }
        }

        /** Waits until {@code n} requests are queued behind the batch the committer is writing. */
        void awaitQueued(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (commit.queued() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(commit.queued()).isEqualTo(n);
        }

        @Override
        public void close() throws Exception {
            commit.close();
            other.close();
            db.close();
        }
    }

    private static long count(Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM deliveries")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int synchronousMode(Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void acceptedMessagesAreFsyncedAndDeliveryOutcomesAreNotWhateverCameBefore() throws Exception {
        try (Fixture f = new Fixture()) {
            int full = 2;
            int normal = 1;
            assertThat(f.db.tx("a", true, GroupCommitTest::synchronousMode)).isEqualTo(full);
            assertThat(f.db.tx("b", false, GroupCommitTest::synchronousMode)).isEqualTo(normal);
            assertThat(f.db.tx("c", false, GroupCommitTest::synchronousMode)).isEqualTo(normal);
            assertThat(f.db.tx("d", true, GroupCommitTest::synchronousMode)).isEqualTo(full);
            assertThat(f.db.tx("e", true, GroupCommitTest::synchronousMode)).isEqualTo(full);
            assertThat(f.commit.write("outcome", GroupCommitTest::synchronousMode)).as("a batch of writes only")
                    .isEqualTo(normal);
        }
    }

    @Test
    void aWriteQueuedAfterMessagesSeesThemAndOneQueuedBeforeDoesNot() throws Exception {
        try (Fixture f = new Fixture()) {
            f.hold();
            CompletableFuture<List<Boolean>> first = f.append("k1"); // the committer takes it and waits
            Thread.sleep(100);
            CompletableFuture<Long> before = CompletableFuture.supplyAsync(() -> f.commit.write("count", c -> count(c)));
            f.awaitQueued(1);
            CompletableFuture<List<Boolean>> second = f.append("k2");
            f.awaitQueued(2);
            CompletableFuture<Long> after = CompletableFuture.supplyAsync(() -> f.commit.write("count", c -> count(c)));
            f.awaitQueued(3);
            f.release();
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(before.get(10, TimeUnit.SECONDS)).as("queued after k1, before k2").isEqualTo(1);
            assertThat(after.get(10, TimeUnit.SECONDS)).as("queued after k2").isEqualTo(2);
        }
    }

    @Test
    void aKeyTwiceInOneBatchIsAcceptedOnceAndEveryOtherMessageOfTheBatchIsWritten() throws Exception {
        try (Fixture f = new Fixture()) {
            f.hold();
            CompletableFuture<List<Boolean>> first = f.append("k1"); // the committer takes it and waits
            Thread.sleep(100);
            CompletableFuture<List<Boolean>> twice = f.commit.submit(List.of(
                    OutboxSql.Encoded.of("k2", List.of(DeliveryStoreContract.message("t", "a", "k2")), NOW,
                            Duration.ofMinutes(10)),
                    OutboxSql.Encoded.of(null, List.of(DeliveryStoreContract.message("t", "a", "no key")), NOW,
                            Duration.ofMinutes(10)),
                    OutboxSql.Encoded.of("k2", List.of(DeliveryStoreContract.message("t", "a", "k2 again")), NOW,
                            Duration.ofMinutes(10))));
            CompletableFuture<List<Boolean>> again = f.append("k1");
            CompletableFuture<List<Boolean>> third = f.append("k3");
            f.awaitQueued(3);
            f.release();

            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(twice.get(10, TimeUnit.SECONDS)).containsExactly(true, true, false);
            assertThat(again.get(10, TimeUnit.SECONDS)).as("k1 seen in the batch before").containsExactly(false);
            assertThat(third.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(f.db.tx("count", false, GroupCommitTest::count)).isEqualTo(4); // k1, k2, no key, k3
        }
    }

    /**
     * k1 is being written while k2, {@code failing} and k3 queue into one batch behind it: the write fails alone
     * with a message ending in {@code expected}, and the three messages are accepted.
     */
    private void aWriteFailsAloneInItsBatch(Transactions.Work<Object> failing, String expected) throws Exception {
        try (Fixture f = new Fixture()) {
            f.hold();
            CompletableFuture<List<Boolean>> first = f.append("k1");
            Thread.sleep(100);
            CompletableFuture<List<Boolean>> second = f.append("k2");
            f.awaitQueued(1);
            CompletableFuture<Object> broken = CompletableFuture.supplyAsync(() -> f.commit.write("break", failing));
            f.awaitQueued(2);
            CompletableFuture<List<Boolean>> third = f.append("k3");
            f.awaitQueued(3);
            f.release();
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(third.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThatThrownBy(() -> broken.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(StoreException.class)
                    .hasMessageEndingWith(expected);
            assertThat(f.db.tx("count", GroupCommitTest::count)).isEqualTo(3);
        }
    }

    @Test
    void aFailingWriteFailsAloneAndTheMessagesOfItsBatchAreStillAccepted() throws Exception {
        aWriteFailsAloneInItsBatch(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("UPDATE no_such_table SET x = 1");
            }
        }, "fixture.db: break failed: no such table: no_such_table");
    }

    @Test
    void aWriteWithABugFailsAloneAndTheMessagesOfItsBatchAreStillAccepted() throws Exception {
        aWriteFailsAloneInItsBatch(c -> {
            throw new IllegalStateException("a bug in a write");
        }, "break failed: java.lang.IllegalStateException: a bug in a write");
    }

    @Test
    void aWriteFromACommitsContinuationOnTheCommitterThreadRunsAtOnce() throws Exception {
        try (Fixture f = new Fixture()) {
            f.hold();
            CompletableFuture<List<Boolean>> first = f.append("k1");
            CompletableFuture<String> continuation = first.thenApply(fresh ->
                    Thread.currentThread().getName() + " saw " + f.commit.write("count", c -> count(c)));
            f.release();
            assertThat(continuation.get(10, TimeUnit.SECONDS)).isEqualTo("outbox-committer saw 1");
        }
    }

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
             GroupCommit commit = new GroupCommit(db, new OutboxSql(Dialect.SQLITE, db.statements()), guard, "test",
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
