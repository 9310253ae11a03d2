package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.OutboxSql.Encoded;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * SQLite group commit: a caller queues its message and, when no commit is running, becomes the committer and
 * writes everything queued in one transaction; the others wait for their own message only (not for the lock, so
 * finished callers never queue behind each other). One fsync then covers many accepted messages, and every caller
 * still returns only after its own message is committed. A committer returns after a few batches once its own
 * message is in, waking the oldest waiting caller to commit the rest, so no caller serves others for long. Queue
 * order is arrival order, so ids stay in acceptance order. A batch that fails is retried message by message, so one
 * bad message fails alone.
 */
final class GroupCommit {

    private static final int BATCHES_PER_COMMITTER = 4;

    private final Transactions db;
    private final OutboxSql sql;
    /** Appends waiting for the next group commit, in arrival order. */
    private final List<Append> waitingAppends = new ArrayList<>();
    private final ReentrantLock commitLock = new ReentrantLock();

    GroupCommit(Transactions db, OutboxSql sql) {
        this.db = db;
        this.sql = sql;
    }

    /** One accepted message waiting for its commit. */
    private static final class Append {
        final Encoded message;
        final Thread caller = Thread.currentThread();
        /** Set by the committer after {@link #fresh} or {@link #failure}; the volatile write publishes them. */
        private volatile boolean done;
        boolean fresh;
        StoreException failure;

        Append(Encoded message) {
            this.message = message;
        }

        boolean isDone() {
            return done;
        }

        void markDone() {
            done = true;
            LockSupport.unpark(caller);
        }
    }

    /** Records one message; returns once it is committed. */
    boolean append(Encoded message) {
        Append request = new Append(message);
        synchronized (waitingAppends) {
            waitingAppends.add(request);
        }
        while (!request.isDone()) {
            if (commitLock.tryLock()) {
                try {
                    commitWaiting(request);
                } finally {
                    commitLock.unlock();
                }
                wakeNextWaiting();
            } else {
                // woken when its message is committed or it is next to commit; the timeout only guards a race
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
        if (request.failure != null) {
            throw request.failure;
        }
        return request.fresh;
    }

    /**
     * Commits queued messages, batch after batch, until nothing waits or, once {@code own} is committed, at most
     * {@link #BATCHES_PER_COMMITTER} batches were written (handing over costs a thread wake-up; serving a few more
     * batches is cheaper, serving forever would hold one caller back).
     */
    private void commitWaiting(Append own) {
        for (int batches = 0; !own.isDone() || batches < BATCHES_PER_COMMITTER; batches++) {
            List<Append> batch;
            synchronized (waitingAppends) {
                if (waitingAppends.isEmpty()) {
                    return;
                }
                batch = new ArrayList<>(waitingAppends);
                waitingAppends.clear();
            }
            commitBatch(batch);
            batch.forEach(Append::markDone);
        }
    }

    private void wakeNextWaiting() {
        Append next;
        synchronized (waitingAppends) {
            next = waitingAppends.isEmpty() ? null : waitingAppends.get(0);
        }
        if (next != null) {
            LockSupport.unpark(next.caller);
        }
    }

    private void commitBatch(List<Append> batch) {
        try {
            List<Boolean> results = db.tx("append", true, c -> {
                List<Boolean> fresh = new ArrayList<>(batch.size());
                try (PreparedStatement dedup = c.prepareStatement(OutboxSql.INSERT_DEDUP);
                     PreparedStatement delivery = c.prepareStatement(OutboxSql.INSERT_DELIVERY)) {
                    for (Append a : batch) {
                        fresh.add(OutboxSql.insert(dedup, delivery, a.message));
                    }
                }
                return fresh;
            });
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).fresh = results.get(i);
            }
        } catch (StoreException e) {
            if (batch.size() == 1) {
                batch.get(0).failure = e;
                return;
            }
            for (Append a : batch) {
                try {
                    a.fresh = db.tx("append", true, c -> sql.insert(c, a.message, false));
                } catch (StoreException single) {
                    a.failure = single;
                }
            }
        }
    }
}
