package io.chatbridge.core.delivery;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/** A few connections, opened on demand; a broken one is dropped and reopened by the next user. */
final class ConnectionPool {

    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Semaphore permits;
    private final BlockingQueue<Connection> idle;
    private final Opener opener;
    private volatile boolean closed;

    ConnectionPool(int size, Opener opener) {
        this.permits = new Semaphore(size, true);
        this.idle = new ArrayBlockingQueue<>(size);
        this.opener = opener;
    }

    Connection take(String name) {
        if (closed) {
            throw new StoreException("outbox " + name + " is closed", null);
        }
        permits.acquireUninterruptibly();
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

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
