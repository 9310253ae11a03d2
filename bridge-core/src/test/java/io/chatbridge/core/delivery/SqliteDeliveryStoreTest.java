package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.core.delivery.DeliveryStore.PendingDelivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.io.RandomAccessFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDeliveryStoreTest extends DeliveryStoreContract {

    @TempDir
    Path dir;

    @Override
    protected DeliveryStore createStore() {
        return JdbcDeliveryStore.openSqlite(dir.resolve("bridge.db"), true);
    }

    @Test
    void createsTheSchemaInAnEmptyFileInWalMode() throws Exception {
        store.close();
        Path file = dir.resolve("sub/dir/empty.db");
        Files.createDirectories(file.getParent());
        Files.createFile(file);
        store = JdbcDeliveryStore.openSqlite(file, true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            List<Integer> versions = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT version FROM schema_version ORDER BY version")) {
                while (rs.next()) {
                    versions.add(rs.getInt(1));
                }
            }
            assertThat(versions).containsExactly(1, 2);
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
        }
    }

    @Test
    void aRowThisBuildCannotReadIsLeftUnclaimedAndTheOtherTargetsStillGetTheirs() throws Exception {
        store.append(null, List.of(message("t", "a", "unreadable"), message("u", "b", "fine")), t0, WINDOW);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bridge.db"));
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE deliveries SET payload = '{\"v\": 99}' WHERE id = (SELECT min(id) FROM deliveries)");
        }

        assertThat(store.claim(5, t0, LEASE)).extracting(d -> d.message().text()).containsExactly("fine");
        assertThat(store.stats(t0).pending()).as("the unreadable row stays for a bridge that can read it")
                .isEqualTo(2);
        assertThat(store.stats(t0).inFlight()).as("and is not left claimed").isEqualTo(1);
        assertThat(store.nextDue()).as("looked at again later, not at once (the dispatcher would spin on it)")
                .isEqualTo(t0.plus(JdbcDeliveryStore.UNREADABLE_RECHECK));
        assertThat(store.claim(5, t0.plus(JdbcDeliveryStore.UNREADABLE_RECHECK), LEASE)).as("nor claimed meanwhile")
                .isEmpty();
    }

    @Test
    void createsMissingDirectories() {
        store.close();
        Path file = dir.resolve("data/nested/bridge.db");
        store = JdbcDeliveryStore.openSqlite(file, true);
        assertThat(file).exists();
    }

    @Test
    void pendingDeliveriesDeadLettersAndDedupKeysSurviveAReopen() {
        store.append("src\nm1", List.of(message("t", "a", "1"), message("t", "a", "2")), t0, WINDOW);
        append("u:b:3");
        store.deadLetter(store.claim(5, t0, LEASE).stream()
                .filter(d -> d.message().text().equals("3")).findFirst().orElseThrow(), "PERMANENT: no", t0);
        store.close();

        store = createStore();
        assertThat(store.stats(t0).pending()).isEqualTo(2);
        assertThat(store.deadLetters(10)).extracting(l -> l.message().text()).containsExactly("3");
        assertThat(store.append("src\nm1", List.of(message("t", "a", "1")), t0.plusSeconds(1), WINDOW)).isFalse();
    }

    @Test
    void reopeningReleasesClaimsOfACrashedRunSoTheyAreSentAgainAtOnce() {
        append("t:a:1", "t:a:2");
        PendingDelivery inFlight = store.claim(5, t0, LEASE).get(0);
        store.close(); // as if the process died while sending

        store = createStore();
        List<PendingDelivery> again = store.claim(5, t0, LEASE);
        assertThat(texts(again)).containsExactly("1");
        assertThat(again.get(0).id()).isEqualTo(inFlight.id());
    }

    @Test
    void aSecondBridgeOnTheSameFileIsRefusedButToolsMayOpenIt() {
        Path file = dir.resolve("bridge.db");
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(file, true))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("another bridge process is using it");
        append("t:a:1");
        try (DeliveryStore tool = JdbcDeliveryStore.openSqlite(file, false)) {
            assertThat(tool.stats(t0).pending()).isEqualTo(1);
        }
    }

    @Test
    void aFileThatIsNotADatabaseIsAClearError() throws Exception {
        Path file = dir.resolve("corrupt.db");
        Files.writeString(file, "this is not a database, just some text long enough to fill a header......."
                + "x".repeat(200));
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(file, true))
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot open database " + file + ": file is not a database");
    }

    @Test
    void aDirectoryWhereTheFileShouldBeIsAClearError() {
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(dir, true))
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot open database " + dir + ": it is a directory, not a file");
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsAClearError() throws Exception {
        Path blocker = dir.resolve("data");
        Files.writeString(blocker, "a file, not a directory");
        Path file = blocker.resolve("bridge.db");
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(file, true))
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot open database " + file + ": cannot create directory " + blocker
                        + " (a file of that name exists)");
    }

    @Test
    void aDatabaseFromANewerBuildIsRefused() throws Exception {
        store.close();
        Path file = dir.resolve("bridge.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)");
        }
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(file, true))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99")
                .hasMessageContaining("upgrade the bridge");
        store = null;
    }

    @Test
    void aVersion1DatabaseIsMigratedKeepingItsDeliveries() throws Exception {
        append("t:a:1");
        store.close();
        Path file = dir.resolve("bridge.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            // what the first release left: schema version 1 without the version 2 indexes
            s.execute("DROP INDEX message_links_target");
            s.execute("DROP INDEX message_links_delivered");
            s.execute("DELETE FROM schema_version WHERE version = 2");
        }
        store = createStore();
        assertThat(texts(store.claim(5, t0, LEASE))).containsExactly("1");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                     + "AND name IN ('message_links_target', 'message_links_delivered')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void aDatabaseDamagedInsideIsRefusedAtStartUpNotAtTheFirstMessage() throws Exception {
        for (int i = 0; i < 2000; i++) {
            store.append("src\nm" + i, List.of(), t0, WINDOW);
        }
        store.close();
        Path file = dir.resolve("bridge.db");
        int page;
        int pageSize;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = 'inbound_dedup'")) {
                rs.next();
                page = rs.getInt(1);
            }
            try (ResultSet rs = s.executeQuery("PRAGMA page_size")) {
                rs.next();
                pageSize = rs.getInt(1);
            }
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek((long) (page - 1) * pageSize);
            byte[] junk = new byte[pageSize];
            java.util.Arrays.fill(junk, (byte) 0xFF);
            raf.write(junk);
        }
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(file, true))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open database " + file + ": the file is damaged (")
                .hasMessageEndingWith("restore it from a backup, or move it away to start with an empty outbox");
        store = null;
    }

    @Test
    void messageLinksOlderThanTheRetentionArePruned() {
        store.append(null, List.of(message("t", "a", "1")), t0, WINDOW);
        store.delivered(store.claim(1, t0, LEASE).get(0), "tid-old", t0);
        Instant later = t0.plus(JdbcDeliveryStore.LINK_RETENTION).plus(Duration.ofMinutes(2));
        store.append(null, List.of(message("t", "a", "2")), later.minusSeconds(1), WINDOW);
        store.delivered(store.claim(1, later, LEASE).get(0), "tid-new", later);
        store.prune(later, WINDOW); // the bridge's scheduler prunes once a minute

        assertThat(store.sources("t", "tid-old")).isEmpty();
        assertThat(store.sources("t", "tid-new")).hasSize(1);
    }

    private static int count(Path file, String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void anAppendNeverPrunesOnTheCallersThreadOnlyPruneDoes() throws Exception {
        Path file = dir.resolve("bridge.db");
        store.append("src\nold", List.of(), t0, WINDOW);
        store.append("src\nnew", List.of(), t0.plus(WINDOW).plusSeconds(120), WINDOW);
        assertThat(count(file, "inbound_dedup")).as("the expired key is still there: appends do not prune").isEqualTo(2);

        store.prune(t0.plus(WINDOW).plusSeconds(120), WINDOW);
        assertThat(count(file, "inbound_dedup")).isEqualTo(1);
        assertThat(store.append("src\nnew", List.of(), t0.plus(WINDOW).plusSeconds(121), WINDOW)).isFalse();
    }

    @Test
    void anAsyncAppendCompletesOnTheCommitterOnlyOnceItsTransactionCommitted() throws Exception {
        Path file = dir.resolve("bridge.db");
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE"); // another writer holds the database: the commit has to wait
            AtomicReference<String> completedOn = new AtomicReference<>();
            CompletableFuture<List<Boolean>> f = store.appendAsync(List.of(
                    new DeliveryStore.Append("src\nm1", List.of(message("t", "a", "1")))), t0, WINDOW);
            CompletableFuture<List<Boolean>> seen = f.whenComplete((r, e) -> completedOn.set(Thread.currentThread()
                    .getName()));
            Thread.sleep(300);
            assertThat(f).as("not complete before the commit").isNotDone();
            s.execute("COMMIT");
            assertThat(seen.get(10, TimeUnit.SECONDS)).containsExactly(true);
            assertThat(completedOn.get()).isEqualTo("outbox-committer");
        }
        assertThat(store.stats(t0).pending()).isEqualTo(1);
    }

    @Test
    void aFailedCommitFailsItsFutureWithAStoreExceptionAndRecordsNothing() throws Exception {
        Path file = dir.resolve("bridge.db");
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = other.createStatement()) {
            s.execute("ALTER TABLE deliveries RENAME TO deliveries_gone");
        }
        CompletableFuture<List<Boolean>> f = store.appendAsync(List.of(
                new DeliveryStore.Append("src\nm1", List.of(message("t", "a", "1")))), t0, WINDOW);
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StoreException.class).hasMessageContaining("append failed");
        assertThat(count(file, "inbound_dedup")).as("rolled back with the deliveries").isZero();
    }

    @Test
    void aBatchOfManyMessagesIsRecordedInOneCallWithOneFlagEach() throws Exception {
        List<DeliveryStore.Append> batch = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            batch.add(new DeliveryStore.Append("src\nb" + i, List.of(message("t", "q" + (i % 7), "e" + i))));
        }
        batch.add(new DeliveryStore.Append("src\nb42", List.of(message("t", "a", "again")))); // a duplicate inside
        List<Boolean> fresh = store.appendAsync(batch, t0, WINDOW).get(60, TimeUnit.SECONDS);
        assertThat(fresh).hasSize(5001);
        assertThat(fresh.subList(0, 5000)).containsOnly(true);
        assertThat(fresh.get(5000)).isFalse();
        assertThat(store.stats(t0).pending()).isEqualTo(5000);
    }

    @Test
    void aDeletedDatabaseFileFailsEveryLaterAppendNamingThePath() throws Exception {
        Path file = dir.resolve("bridge.db");
        append("t:a:1");
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(dir.resolve("bridge.db" + suffix));
        }
        assertThatThrownBy(() -> store.append("src\nafter", List.of(message("t", "a", "2")), t0, WINDOW))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("database file " + file.toAbsolutePath() + " was deleted");
        assertThat(store.unavailableReason()).contains(file.toAbsolutePath().toString());
        assertThatThrownBy(() -> store.append(null, List.of(), t0, WINDOW)).isInstanceOf(StoreException.class);
    }

    @Test
    void messagesAcceptedBeforeTheFileWasDeletedAreStillClaimedAndRecordedAsDelivered() throws Exception {
        append("t:a:1");
        append("t:a:2");
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(dir.resolve("bridge.db" + suffix));
        }
        assertThatThrownBy(() -> append("t:a:3")).isInstanceOf(StoreException.class);
        List<DeliveryStore.PendingDelivery> first = store.claim(5, t0, LEASE);
        assertThat(first).extracting(d -> d.message().text()).containsExactly("1");
        store.delivered(first.get(0), "target-1", t0);
        List<DeliveryStore.PendingDelivery> second = store.claim(5, t0, LEASE);
        assertThat(second).extracting(d -> d.message().text()).as("the queue went on").containsExactly("2");
        store.delivered(second.get(0), "target-2", t0);
        assertThat(store.stats(t0).pending()).isZero();
        assertThat(store.stats(t0).delivered()).isEqualTo(2);
    }

    @Test
    void onlyTheWalFileDeletedIsDetectedToo() throws Exception {
        append("t:a:1");
        Files.delete(dir.resolve("bridge.db-wal"));
        assertThatThrownBy(() -> append("t:a:2")).isInstanceOf(StoreException.class)
                .hasMessageContaining("lost its bridge.db-wal (deleted)");
    }

    @Test
    void theWatchdogNoticesADeletedFileWithinSecondsWithoutAnyAppend() throws Exception {
        append("t:a:1");
        Files.delete(dir.resolve("bridge.db"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.unavailableReason() == null && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(store.unavailableReason()).contains("was deleted");
    }

    @Test
    void waitingForABusyConnectionTimesOutWithAStoreException() throws Exception {
        ConnectionPool pool = new ConnectionPool(1, Duration.ofMillis(200),
                () -> DriverManager.getConnection("jdbc:sqlite::memory:"));
        Connection held = pool.take("test");
        try {
            CompletableFuture<Connection> second = CompletableFuture.supplyAsync(() -> pool.take("test"));
            assertThatThrownBy(() -> second.get(5, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(StoreException.class)
                    .hasMessage("outbox test: no database connection became free within 200 ms (the database is "
                            + "stuck or overloaded)");
        } finally {
            pool.give(held, false);
            pool.close();
        }
    }

    /** What a second bridge process opening {@code file} sees: {@code opened} or {@code refused: ...}. */
    private static String secondProcessOpens(Path file) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SecondOwnerMain.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.lines().filter(l -> l.startsWith("opened") || l.startsWith("refused: ")).findFirst()
                .orElse(out);
    }

    private String owner() {
        return "pid " + ProcessHandle.current().pid() + ", " + dir.resolve("bridge.db").toAbsolutePath();
    }

    @Test
    void aSecondBridgeProcessThroughASymlinkIsRefusedNamingTheFirst() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), dir.resolve("bridge.db"));
        assertThat(secondProcessOpens(link)).startsWith("refused: cannot open database " + link
                + ": another bridge process is using it (" + owner() + "; ");
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(link, true)).as("in this JVM too")
                .hasMessageContaining("another bridge process is using it (" + owner());
    }

    @Test
    void aSecondBridgeProcessThroughAHardLinkIsRefusedNamingTheFirst() throws Exception {
        Path hard = Files.createLink(dir.resolve("hard.db"), dir.resolve("bridge.db"));
        assertThat(secondProcessOpens(hard)).isEqualTo("refused: cannot open database " + hard
                + ": the file has 2 names (hard links); another bridge process is using it (" + owner() + "); a "
                + "SQLite database must have one name, or a bridge on each name would corrupt it: remove the other "
                + "links");
        assertThatThrownBy(() -> JdbcDeliveryStore.openSqlite(hard, true)).as("in this JVM too")
                .hasMessageContaining("the file has 2 names (hard links)");
    }

    @Test
    void aSecondProcessMayOwnTheFileOnceTheFirstClosedIt() throws Exception {
        store.close();
        store = null;
        assertThat(secondProcessOpens(dir.resolve("bridge.db"))).isEqualTo("opened");
        store = createStore();
    }
}
