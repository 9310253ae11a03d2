package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.OutboxSql.Encoded;
import io.chatbridge.spi.OutboundMessage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox on SQLite (one file, one bridge process) or PostgreSQL (shared by several replicas). One
 * implementation; the {@link Dialect} covers the few differences. The parts: {@link SqliteFile} (file checks, the
 * owner lock), {@link SchemaMigration}, {@link GroupCommit} (SQLite appends), {@link Transactions} on a
 * {@link ConnectionPool}, and the SQL of the tables in {@link OutboxSql}, {@link DeadLetterSql} and {@link LinkSql}.
 *
 * <p>Every method is one transaction. Only the head (lowest id) of a queue is ever claimable, and a claimed head
 * blocks its queue until it is delivered, rescheduled or dead-lettered, or its lease expires; that is what keeps
 * per-target order across workers and replicas. On PostgreSQL the claim locks rows with
 * {@code FOR UPDATE SKIP LOCKED}, and appends to one queue are serialized with a transaction-scoped advisory lock
 * so ids within a queue become visible in id order (a later id can never commit before an earlier one and be
 * claimed ahead of it).
 *
 * <p>Completion calls ({@link #delivered}, {@link #retryLater}, ...) check the claim token: a worker whose lease
 * expired and whose delivery was taken over by another changes nothing.
 */
public final class JdbcDeliveryStore implements DeliveryStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDeliveryStore.class);
    /** How long a caller waits for a free connection before failing (503 at ingress): a stuck database. */
    static final Duration POOL_WAIT = Duration.ofSeconds(5);
    /** How long the source ↔ target message id links are kept (replies and recalls come within days). */
    static final Duration LINK_RETENTION = Duration.ofDays(7);
    /** How long a row this build cannot read waits before this bridge looks at it again. */
    static final Duration UNREADABLE_RECHECK = Duration.ofSeconds(10);

    private final Dialect dialect;
    private final String name;
    private final Transactions db;
    private final OutboxSql outbox;
    private final DeadLetterSql deadLetters;
    /** SQLite: the committer of appends, the file watch and its 1 s watchdog; {@code null} on PostgreSQL. */
    private final GroupCommit groupCommit;
    private final SqliteFile.FileGuard guard;
    private final ScheduledExecutorService watchdog;
    /** PostgreSQL: the threads that run appends, so callers are never parked; {@code null} on SQLite. */
    private final ExecutorService appenders;
    private final SqliteFile.OwnerLock ownerLock;

    private JdbcDeliveryStore(Dialect dialect, String name, ConnectionPool pool, SqliteFile.OwnerLock ownerLock,
                              SqliteFile.FileGuard guard, int appendThreads) {
        this.dialect = dialect;
        this.name = name;
        this.db = new Transactions(dialect, name, pool);
        this.outbox = new OutboxSql(dialect, db.statements());
        this.deadLetters = new DeadLetterSql(dialect, outbox);
        this.guard = guard;
        this.ownerLock = ownerLock;
        if (dialect == Dialect.SQLITE) {
            this.groupCommit = new GroupCommit(db, outbox, guard, name);
            this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "outbox-watchdog"));
            this.appenders = null;
        } else {
            this.groupCommit = null;
            this.watchdog = null;
            AtomicInteger n = new AtomicInteger();
            this.appenders = Executors.newFixedThreadPool(appendThreads,
                    r -> daemon(r, "outbox-append-" + n.incrementAndGet()));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** SQLite: once a second, the file's identity, and appends stuck behind a database that takes no write. */
    private void startWatchdog() {
        guard.arm();
        watchdog.scheduleWithFixedDelay(() -> {
            try {
                groupCommit.expireWaiting();
                db.ifIdle(c -> {
                    guard.check();
                    return null;
                });
            } catch (StoreException e) {
                // logged by the guard once; readiness and every append report it
            } catch (RuntimeException e) {
                LOG.warn("outbox {}: watchdog: {}", name, e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Opens (creating and migrating) a SQLite outbox.
     *
     * @param owner {@code true} for the bridge process: takes an exclusive lock next to the file (a second bridge on
     *     the same file is refused) and releases the claims of a previous run, so work in flight at a crash is sent
     *     again at once; {@code false} for tools such as {@code dlq}, which may run beside the bridge
     * @throws StoreException naming the file when it cannot be created, opened or migrated
     */
    public static JdbcDeliveryStore openSqlite(Path file, boolean owner) {
        if (!owner) {
            SqliteFile.check(file);
            return openSqlite(file, null);
        }
        Reservation reserved = reserveSqlite(file);
        try {
            return openSqlite(reserved);
        } catch (RuntimeException | Error e) {
            reserved.close();
            throw e;
        }
    }

    /**
     * A SQLite outbox file checked and locked for this process before it is opened ({@link #reserveSqlite}), so a
     * bridge can refuse a file another bridge uses before it starts anything else; {@link #openSqlite(Reservation)}
     * hands the lock to the store, {@link #close} releases it when the store was never opened.
     */
    public static final class Reservation implements AutoCloseable {
        private final Path file;
        private SqliteFile.OwnerLock lock;

        private Reservation(Path file, SqliteFile.OwnerLock lock) {
            this.file = file;
            this.lock = lock;
        }

        private synchronized SqliteFile.OwnerLock handOver() {
            if (lock == null) {
                throw new IllegalStateException("the reservation of " + file + " was used or released");
            }
            SqliteFile.OwnerLock taken = lock;
            lock = null;
            return taken;
        }

        /** Releases the lock unless a store took it. */
        @Override
        public synchronized void close() {
            if (lock != null) {
                lock.close();
                lock = null;
            }
        }
    }

    /**
     * Checks a SQLite outbox file (creating its directory) and takes the lock that makes this process its only
     * bridge, without opening it yet.
     *
     * @throws StoreException naming the file when it is not usable or another bridge process holds it
     */
    public static Reservation reserveSqlite(Path file) {
        SqliteFile.check(file);
        return new Reservation(file, SqliteFile.OwnerLock.take(file));
    }

    /** Opens (creating and migrating) the reserved SQLite outbox as its owner; see {@link #openSqlite(Path, boolean)}. */
    public static JdbcDeliveryStore openSqlite(Reservation reserved) {
        return openSqlite(reserved.file, reserved.handOver());
    }

    private static JdbcDeliveryStore openSqlite(Path file, SqliteFile.OwnerLock lock) {
        JdbcDeliveryStore store;
        try {
            store = createSqlite(file, lock);
        } catch (RuntimeException | Error e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
        store.initialize("cannot open database " + file); // closes the store (and its lock) when it fails
        store.startWatchdog();
        if (lock != null) {
            int released = store.releaseClaims();
            if (released > 0) {
                LOG.info("outbox: {} delivery(ies) were in flight when the bridge last stopped; sending them again",
                        released);
            }
        }
        return store;
    }

    private static JdbcDeliveryStore createSqlite(Path file, SqliteFile.OwnerLock lock) {
        String name = file.toString();
        SqliteNativeLibrary.prepare();
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        SqliteFile.FileGuard guard = new SqliteFile.FileGuard(file);
        Properties settings = new Properties();
        // sqlite-jdbc otherwise matches every statement against a pattern and, after each INSERT, runs
        // "SELECT last_insert_rowid()" for getGeneratedKeys(), which the outbox never calls: a fifth of the
        // committer's time per accepted message (measured with JFR under load)
        settings.setProperty("jdbc.get_generated_keys", "false");
        ConnectionPool pool = new ConnectionPool(1, POOL_WAIT, () -> {
            Connection c = DriverManager.getConnection(url, settings);
            guard.connectionOpened();
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    String mode = rs.next() ? rs.getString(1) : "?";
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new SQLException("cannot switch to WAL journal mode (got " + mode + ")");
                    }
                }
                // FULL: an append is fsynced before the ingress answers 2xx, so an accepted message survives a
                // power loss too, not only a process crash (NORMAL would only guarantee the latter).
                s.execute("PRAGMA synchronous = FULL");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        });
        return new JdbcDeliveryStore(Dialect.SQLITE, name, pool, lock, guard, 0);
    }

    /**
     * Opens (creating and migrating) a PostgreSQL outbox shared by every replica using the same database.
     *
     * @param maxConnections connections to keep at most (workers plus a few for ingress and the dispatcher)
     * @throws StoreException naming the URL without credentials when it cannot connect or migrate
     */
    public static JdbcDeliveryStore openPostgres(String url, String user, String password, int maxConnections) {
        String name = safeUrl(url);
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "10");
        // a database that stops answering fails the call (503 at ingress) instead of holding a thread for ever
        props.setProperty("socketTimeout", "60");
        props.setProperty("ApplicationName", "chatbridge");
        ConnectionPool pool = new ConnectionPool(maxConnections, POOL_WAIT,
                () -> DriverManager.getConnection(url, props));
        JdbcDeliveryStore store = new JdbcDeliveryStore(Dialect.POSTGRES, name, pool, null, null,
                Math.max(1, maxConnections / 2));
        store.initialize("cannot open database " + name);
        return store;
    }

    /** {@code jdbc:postgresql://user:pw@host:5432/db?password=x} → {@code jdbc:postgresql://host:5432/db}. */
    static String safeUrl(String url) {
        String noQuery = url.replaceFirst("[?;].*$", "");
        return noQuery.replaceFirst("//[^/@]*@", "//");
    }

    private void initialize(String failure) {
        try {
            if (dialect == Dialect.SQLITE) {
                SchemaMigration.checkIntegrity(db);
            }
            int version = SchemaMigration.migrate(db, dialect, name);
            long pending = stats(Instant.now()).pending();
            LOG.info("outbox: {} database {} (schema version {}), {} pending delivery(ies)",
                    dialect.label, name, version, pending);
        } catch (StoreException e) {
            close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String reason = cause instanceof SQLException sql ? Transactions.describe(sql) : e.getMessage();
            throw new StoreException(failure + ": " + reason, cause);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Unclaims everything; for the single process owning a SQLite file, at start-up. Returns how many. */
    int releaseClaims() {
        return db.tx("release claims", OutboxSql::releaseClaims);
    }

    @Override
    public boolean append(String dedupKey, List<OutboundMessage> deliveries, Instant now, Duration window) {
        CompletableFuture<List<Boolean>> future = appendAsync(List.of(new Append(dedupKey, deliveries)), now, window);
        try {
            return future.get().get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("outbox " + name + ": interrupted while appending", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException ce && ce.getCause() != null) {
                cause = ce.getCause();
            }
            throw cause instanceof StoreException se ? se
                    : new StoreException("outbox " + name + ": append failed: " + cause, cause);
        }
    }

    /**
     * SQLite: queued for the committer's next group commit, completed on its thread. PostgreSQL: one transaction
     * on an append thread, with the queues of all messages locked first in a fixed order.
     */
    @Override
    public CompletableFuture<List<Boolean>> appendAsync(List<Append> messages, Instant now, Duration window) {
        List<Encoded> encoded = new ArrayList<>(messages.size());
        try {
            for (Append m : messages) {
                encoded.add(Encoded.of(m.dedupKey(), m.deliveries(), now, window));
            }
            if (groupCommit != null) {
                String gone = guard.goneReason();
                return gone != null ? CompletableFuture.failedFuture(new StoreException(gone, null))
                        : groupCommit.submit(encoded);
            }
            long queuedAt = System.nanoTime();
            return CompletableFuture.supplyAsync(() -> {
                if (System.nanoTime() - queuedAt > GroupCommit.MAX_WAIT.toNanos()) {
                    // the database is stuck: refuse (503) rather than write what the caller gave up on
                    throw new StoreException("outbox " + name + ": the database took no write for "
                            + GroupCommit.MAX_WAIT.toMillis() + " ms", null);
                }
                return db.tx("append", true, c -> outbox.insertAll(c, encoded, true));
            }, appenders);
        } catch (StoreException | RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e instanceof StoreException ? e
                    : new StoreException("outbox " + name + " is closed", e));
        }
    }

    /** Forgets de-duplication keys seen before the window and links older than {@link #LINK_RETENTION}. */
    @Override
    public void prune(Instant now, Duration window) {
        long seenBefore = now.minus(window).toEpochMilli();
        long linkedBefore = now.minus(LINK_RETENTION).toEpochMilli();
        try {
            int[] pruned = db.tx("prune expired keys and links", c ->
                    new int[] {OutboxSql.pruneKeys(c, seenBefore), LinkSql.prune(c, linkedBefore)});
            LOG.debug("outbox: pruned {} expired de-duplication key(s) and {} message link(s)", pruned[0], pruned[1]);
        } catch (StoreException e) {
            LOG.warn("outbox: could not prune de-duplication keys and message links: {}", e.getMessage());
        }
    }

    @Override
    public String unavailableReason() {
        return guard == null ? null : guard.goneReason();
    }

    @Override
    public void probeWrite() {
        db.tx("probe write", true, c -> {
            if (guard != null) {
                guard.check();
            }
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("UPDATE counters SET value = value WHERE name = 'delivered'");
            }
        });
    }

    @Override
    public List<PendingDelivery> claim(int max, Instant now, Duration lease) {
        return decode(write("claim", c -> outbox.claim(c, max, now.toEpochMilli(), lease)), now);
    }

    /** Claimed rows decoded; those this build cannot read are given back (see {@link OutboxSql#unclaim}). */
    private List<PendingDelivery> decode(List<OutboxSql.ClaimedRow> rows, Instant now) {
        List<PendingDelivery> claimed = new ArrayList<>(rows.size());
        List<OutboxSql.ClaimedRow> unreadable = new ArrayList<>();
        for (OutboxSql.ClaimedRow row : rows) {
            PendingDelivery d = outbox.decode(row);
            if (d == null) {
                unreadable.add(row);
            } else {
                claimed.add(d);
            }
        }
        if (!unreadable.isEmpty()) {
            long recheckAt = now.plus(UNREADABLE_RECHECK).toEpochMilli();
            try {
                write("give back unreadable claims", c -> {
                    OutboxSql.unclaim(c, unreadable, recheckAt);
                    return null;
                });
            } catch (StoreException e) {
                LOG.warn("outbox {}: {}; those deliveries wait for their lease to expire", name, e.getMessage());
            }
        }
        return claimed;
    }

    @Override
    public void renew(Collection<PendingDelivery> deliveries, Instant leaseUntil) {
        if (deliveries.isEmpty()) {
            return;
        }
        db.tx("renew leases", c -> {
            OutboxSql.renew(c, deliveries, leaseUntil);
            return null;
        });
    }

    @Override
    public void delivered(PendingDelivery d, String targetMessageId, Instant now) {
        deliveredParts(d, targetMessageId == null ? List.of() : List.of(targetMessageId), now);
    }

    @Override
    public void deliveredParts(PendingDelivery d, List<String> targetMessageIds, Instant now) {
        write("record delivery", c -> {
            if (outbox.delivered(c, d)) {
                LinkSql.record(c, outbox.statements(), d.message(), targetMessageIds, now);
            }
            return null;
        });
    }

    @Override
    public PendingDelivery deliveredAndClaimNext(PendingDelivery d, List<String> targetMessageIds, Instant now,
                                                 Duration lease) {
        OutboxSql.ClaimedRow next = write("record delivery", c -> {
            if (!outbox.delivered(c, d)) {
                return null;
            }
            LinkSql.record(c, outbox.statements(), d.message(), targetMessageIds, now);
            return outbox.claimHead(c, d.queueKey(), now.toEpochMilli(), lease);
        });
        if (next == null) {
            return null;
        }
        List<PendingDelivery> decoded = decode(List.of(next), now);
        return decoded.isEmpty() ? null : decoded.get(0);
    }

    @Override
    public void retryLater(PendingDelivery d, Instant nextAttempt, String error) {
        write("reschedule delivery", c -> OutboxSql.retryLater(c, d, nextAttempt, error));
    }

    @Override
    public void postpone(PendingDelivery d, Instant notBefore) {
        write("postpone delivery", c -> OutboxSql.postpone(c, d, notBefore));
    }

    @Override
    public void deadLetter(PendingDelivery d, String error, Instant now) {
        write("move delivery to dead letters", c -> {
            DeadLetterSql.move(c, d, error, now);
            return null;
        });
    }

    /**
     * One write of the delivery engine: on SQLite in the committer's next batch (see {@link GroupCommit#write}),
     * on PostgreSQL a transaction of its own on the caller's thread.
     */
    private <T> T write(String what, Transactions.Work<T> work) {
        return groupCommit != null ? groupCommit.write(what, work) : db.tx(what, work);
    }

    @Override
    public Instant nextDue() {
        return db.tx("find next due delivery", outbox::nextDue);
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return db.tx("list dead letters", c -> DeadLetterSql.list(c, limit));
    }

    @Override
    public boolean retryDeadLetter(long id, Instant now) {
        return db.tx("retry dead letter", c -> deadLetters.requeue(c, id, now));
    }

    @Override
    public int retryAllDeadLetters(Instant now) {
        return db.tx("retry dead letters", c -> deadLetters.requeueAll(c, now));
    }

    @Override
    public boolean dropDeadLetter(long id) {
        return db.tx("drop dead letter", c -> DeadLetterSql.drop(c, id));
    }

    @Override
    public OutboxStats stats(Instant now) {
        return db.tx("read outbox stats", c -> OutboxSql.stats(c, now));
    }

    @Override
    public List<MessageLink> links(String sourceInstance, String sourceMessageId) {
        return db.tx("read message links", c -> LinkSql.links(c, sourceInstance, sourceMessageId));
    }

    @Override
    public List<MessageLink> linksOfIdOrQualified(String sourceInstance, String messageId) {
        return db.tx("read message links", c -> LinkSql.linksOfIdOrQualified(c, dialect, sourceInstance, messageId));
    }

    @Override
    public List<SourceLink> sources(String targetInstance, String targetMessageId) {
        return db.tx("read message links", c -> LinkSql.sources(c, targetInstance, targetMessageId));
    }

    @Override
    public void close() {
        if (groupCommit != null) {
            watchdog.shutdownNow();
            groupCommit.close();
        }
        if (appenders != null) {
            appenders.shutdown();
            try {
                appenders.awaitTermination(POOL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        db.close();
        if (ownerLock != null) {
            ownerLock.close();
        }
    }

    @Override
    public String toString() {
        return dialect + " outbox " + name;
    }
}
