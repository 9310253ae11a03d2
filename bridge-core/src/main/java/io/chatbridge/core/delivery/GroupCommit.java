package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.OutboxSql.Encoded;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite group commit on a committer thread of its own: callers queue their messages and get a future; the
 * committer writes everything queued in one transaction (one fsync for many accepted messages) and completes the
 * futures once it committed, on its own thread. No caller is ever parked for a commit. Queue order is arrival order,
 * so ids stay in acceptance order. A batch that fails is retried request by request, so one bad request fails alone
 * (a request's messages, e.g. a CloudEvents batch, are always written in one transaction together).
 *
 * <p>Before writing and again after committing, the {@link SqliteFile.FileGuard} checks that the database file is
 * still the one opened: a batch committed into a file that was deleted meanwhile is not acknowledged (its futures
 * fail, the callers answer 503). A request that waited longer than {@link #MAX_WAIT} because the database is stuck
 * is refused without being written (see {@link #expireWaiting}).
 */
final class GroupCommit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    /** How long a message may wait for its commit before the caller is told 503 (it is then never written). */
    static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final Transactions db;
    private final OutboxSql sql;
    private final SqliteFile.FileGuard guard;
    private final String name;
    private final Duration maxWait;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queued = lock.newCondition();
    /** Requests waiting for the next commit, in arrival order. */
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private final Thread committer;
    private volatile boolean closed;

    /** The messages of one publish call and the future of their commit. */
    private record Request(List<Encoded> messages, CompletableFuture<List<Boolean>> future, long queuedAt) {
    }

    GroupCommit(Transactions db, OutboxSql sql, SqliteFile.FileGuard guard, String name) {
        this(db, sql, guard, name, MAX_WAIT);
    }

    GroupCommit(Transactions db, OutboxSql sql, SqliteFile.FileGuard guard, String name, Duration maxWait) {
        this.maxWait = maxWait;
        this.db = db;
        this.sql = sql;
        this.guard = guard;
        this.name = name;
        this.committer = new Thread(this::run, "outbox-committer");
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Queues messages for the next commit. The future completes, on the committer thread, with one
     * {@code fresh} flag per message once they are committed, or exceptionally with a {@link StoreException}.
     */
    CompletableFuture<List<Boolean>> submit(List<Encoded> messages) {
        CompletableFuture<List<Boolean>> future = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                future.completeExceptionally(new StoreException("outbox " + name + " is closed", null));
                return future;
            }
            waiting.add(new Request(messages, future, System.nanoTime()));
            queued.signal();
        } finally {
            lock.unlock();
        }
        return future;
    }

    /** Refuses requests that waited for the database longer than {@link #MAX_WAIT}; they were not written. */
    void expireWaiting() {
        long limit = System.nanoTime() - maxWait.toNanos();
        List<Request> expired = new ArrayList<>();
        lock.lock();
        try {
            while (!waiting.isEmpty() && waiting.peekFirst().queuedAt() - limit < 0) {
                expired.add(waiting.pollFirst());
            }
        } finally {
            lock.unlock();
        }
        if (!expired.isEmpty()) {
            LOG.error("outbox {}: {} message batch(es) refused: the database took no write for {} ms", name,
                    expired.size(), maxWait.toMillis());
            StoreException e = new StoreException("outbox " + name + ": the database took no write for "
                    + maxWait.toMillis() + " ms", null);
            expired.forEach(r -> r.future().completeExceptionally(e));
        }
    }

    private void run() {
        while (true) {
            List<Request> batch = new ArrayList<>();
            lock.lock();
            try {
                while (waiting.isEmpty() && !closed) {
                    queued.await(1, TimeUnit.SECONDS);
                }
                if (waiting.isEmpty()) {
                    return; // closed and drained
                }
                batch.addAll(waiting);
                waiting.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            try {
                commit(batch);
            } catch (Throwable e) {
                // never leave a caller without an answer, never let the committer die
                LOG.error("outbox {}: committing {} request(s) failed unexpectedly: {}", name, batch.size(), e, e);
                StoreException failure = new StoreException("outbox " + name + ": append failed: " + e, e);
                batch.forEach(r -> r.future().completeExceptionally(failure));
            }
        }
    }

    private void commit(List<Request> batch) {
        List<List<Boolean>> results;
        try {
            results = db.tx("append", true, c -> {
                guard.check();
                List<List<Boolean>> all = new ArrayList<>(batch.size());
                try (PreparedStatement dedup = c.prepareStatement(OutboxSql.INSERT_DEDUP);
                     PreparedStatement delivery = c.prepareStatement(OutboxSql.INSERT_DELIVERY)) {
                    for (Request r : batch) {
                        List<Boolean> fresh = new ArrayList<>(r.messages().size());
                        for (Encoded m : r.messages()) {
                            fresh.add(OutboxSql.insert(dedup, delivery, m));
                        }
                        all.add(fresh);
                    }
                }
                return all;
            });
            guard.check(); // never acknowledge into a file that went away during the commit
        } catch (StoreException e) {
            if (batch.size() == 1 || guard.goneReason() != null) {
                batch.forEach(r -> r.future().completeExceptionally(e));
                return;
            }
            for (Request r : batch) {
                try {
                    List<Boolean> fresh = db.tx("append", true, c -> sql.insertAll(c, r.messages(), false));
                    guard.check();
                    r.future().complete(fresh);
                } catch (StoreException single) {
                    r.future().completeExceptionally(single);
                }
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).future().complete(results.get(i));
        }
    }

    /** Commits what is queued, then stops the committer. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queued.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            committer.join(maxWait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StoreException e = new StoreException("outbox " + name + " is closed", null);
        lock.lock();
        try {
            waiting.forEach(r -> r.future().completeExceptionally(e));
            waiting.clear();
        } finally {
            lock.unlock();
        }
    }
}
