package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.OutboxSql.Encoded;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
 * <p>The delivery engine's writes (claims, delivered marks, retries; {@link #write}) join the same queue: on SQLite
 * there is one connection anyway, so a batch writes a round of accepted messages and of delivery outcomes in one
 * transaction instead of handing the connection from thread to thread for a transaction each. Queue order keeps
 * their meaning: a claim queued after a delivered mark sees the next message of that queue. A batch of writes only
 * (no accepted message) commits without an fsync ({@link Transactions#tx}).
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

    /**
     * The messages of one publish call ({@code work} null) or one write of the delivery engine ({@code messages}
     * null), and the future of their commit.
     */
    private record Request(List<Encoded> messages, String what, Transactions.Work<?> work,
                           CompletableFuture<Object> future, long queuedAt) {

        @SuppressWarnings("unchecked")
        static Request append(List<Encoded> messages, CompletableFuture<List<Boolean>> future) {
            return new Request(messages, null, null, (CompletableFuture<Object>) (CompletableFuture<?>) future,
                    System.nanoTime());
        }

        boolean isAppend() {
            return work == null;
        }

        Object runAlone(Transactions db, OutboxSql sql) {
            return isAppend() ? db.tx("append", true, c -> sql.insertAll(c, messages, false)) : db.tx(what, work);
        }
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
        enqueue(Request.append(messages, future));
        return future;
    }

    /**
     * Runs {@code work} in the next batch's transaction, after everything queued before it, and answers its result
     * (or throws the {@link StoreException} of its failure) once committed. Called by the delivery engine's threads;
     * on the committer thread itself (a continuation of a commit) it runs at once in a transaction of its own.
     */
    @SuppressWarnings("unchecked")
    <T> T write(String what, Transactions.Work<T> work) {
        if (Thread.currentThread() == committer) {
            return db.tx(what, work);
        }
        CompletableFuture<Object> future = new CompletableFuture<>();
        enqueue(new Request(null, what, work, future, System.nanoTime()));
        try {
            return (T) future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("outbox " + name + ": interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof StoreException se ? se
                    : new StoreException("outbox " + name + ": " + what + " failed: " + cause, cause);
        }
    }

    /** Requests queued for the next batch (tests). */
    int queued() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    private void enqueue(Request request) {
        lock.lock();
        try {
            if (closed) {
                request.future().completeExceptionally(new StoreException("outbox " + name + " is closed", null));
                return;
            }
            waiting.add(request);
            queued.signal();
        } finally {
            lock.unlock();
        }
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
            long appends = expired.stream().filter(Request::isAppend).count();
            LOG.error("outbox {}: {} message batch(es) refused and {} delivery outcome write(s) failed (to be"
                    + " written again): the database took no write for {} ms", name, appends,
                    expired.size() - appends, maxWait.toMillis());
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

    /**
     * One batch in one transaction. Only accepted messages depend on the {@link SqliteFile.FileGuard}: into a file
     * that went away they are refused (before writing, and also when it went away during the commit), while the
     * delivery engine's writes go on, so messages accepted before are still delivered from the open file.
     */
    private void commit(List<Request> batch) {
        if (batch.stream().anyMatch(Request::isAppend)) {
            try {
                guard.check();
            } catch (StoreException gone) {
                List<Request> writes = new ArrayList<>();
                for (Request r : batch) {
                    if (r.isAppend()) {
                        r.future().completeExceptionally(gone);
                    } else {
                        writes.add(r);
                    }
                }
                if (writes.isEmpty()) {
                    return;
                }
                batch = writes;
            }
        }
        List<Request> requests = batch;
        boolean appends = requests.stream().anyMatch(Request::isAppend);
        List<Object> results;
        try {
            results = db.tx(appends ? "append" : "write delivery outcomes", appends, c -> {
                List<Object> all = new ArrayList<>(requests.size());
                for (Request r : requests) {
                    if (!r.isAppend()) {
                        all.add(r.work().run(c));
                        continue;
                    }
                    // taken anew after each write: a write may have used (and cleared) the same statements
                    PreparedStatement dedup = sql.statements().prepare(c, OutboxSql.INSERT_DEDUP);
                    PreparedStatement delivery = sql.statements().prepare(c, OutboxSql.INSERT_DELIVERY);
                    List<Boolean> fresh = new ArrayList<>(r.messages().size());
                    for (Encoded m : r.messages()) {
                        fresh.add(OutboxSql.insert(dedup, delivery, m));
                    }
                    all.add(fresh);
                }
                return all;
            });
        } catch (RuntimeException e) {
            // a store failure, or a bug in one write (an unchecked exception): each request alone, so that one
            // failing request fails alone and never the messages accepted in the same batch
            if (requests.size() == 1) {
                requests.get(0).future().completeExceptionally(asStoreException(requests.get(0), e));
                return;
            }
            for (Request r : requests) {
                try {
                    if (r.isAppend()) {
                        guard.check();
                    }
                    Object result = r.runAlone(db, sql);
                    if (r.isAppend()) {
                        guard.check();
                    }
                    r.future().complete(result);
                } catch (RuntimeException single) {
                    r.future().completeExceptionally(asStoreException(r, single));
                }
            }
            return;
        }
        StoreException goneDuringCommit = null;
        if (appends) {
            try {
                guard.check(); // never acknowledge into a file that went away during the commit
            } catch (StoreException e) {
                goneDuringCommit = e;
            }
        }
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            if (goneDuringCommit != null && r.isAppend()) {
                r.future().completeExceptionally(goneDuringCommit);
            } else {
                r.future().complete(results.get(i));
            }
        }
    }

    private StoreException asStoreException(Request r, RuntimeException e) {
        if (e instanceof StoreException se) {
            return se;
        }
        LOG.error("outbox {}: {} failed unexpectedly: {}", name, r.isAppend() ? "an append" : r.what(), e, e);
        return new StoreException("outbox " + name + ": " + (r.isAppend() ? "append" : r.what()) + " failed: " + e, e);
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
