package io.chatbridge.core.delivery;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A few connections, opened on demand; a broken one is dropped and reopened by the next user. Waiting for a free
 * connection is bounded ({@code maxWait}): behind a stuck database a caller fails with a {@link StoreException}
 * (ingress answers 503) instead of piling up.
 */
final class ConnectionPool {

    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Semaphore permits;
    private final BlockingQueue<Connection> idle;
    private final Opener opener;
    private final Duration maxWait;
    private final StatementCache statements = new StatementCache();
    private volatile boolean closed;

    ConnectionPool(int size, Duration maxWait, Opener opener) {
        this.permits = new Semaphore(size, true);
        this.idle = new ArrayBlockingQueue<>(size);
        this.maxWait = maxWait;
        this.opener = opener;
    }

    Connection take(String name) {
        Connection c = tryTake(name, maxWait);
        if (c == null) {
            throw new StoreException("outbox " + name + ": no database connection became free within "
                    + maxWait.toMillis() + " ms (the database is stuck or overloaded)", null);
        }
        return c;
    }

    /** A connection, or {@code null} when none became free within {@code wait}. */
    Connection tryTake(String name, Duration wait) {
        if (closed) {
            throw new StoreException("outbox " + name + " is closed", null);
        }
        try {
            if (!permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("outbox " + name + ": interrupted while waiting for a connection", e);
        }
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            return opener.open();
        } catch (SQLException e) {
            permits.release();
            throw new StoreException("cannot connect to database " + name + ": " + Transactions.describe(e), e);
        }
    }

    /** The prepared statements kept for this pool's connections; closed with their connection. */
    StatementCache statements() {
        return statements;
    }

    void give(Connection c, boolean broken) {
        if (broken || closed || !idle.offer(c)) {
            closeQuietly(c);
        }
        permits.release();
    }

    void close() {
        closed = true;
        for (Connection c = idle.poll(); c != null; c = idle.poll()) {
            closeQuietly(c);
        }
    }

    private void closeQuietly(Connection c) {
        statements.forget(c);
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
