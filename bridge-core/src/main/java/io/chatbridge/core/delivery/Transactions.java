package io.chatbridge.core.delivery;

import io.chatbridge.core.logging.Secrets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Transactions on a {@link ConnectionPool}: begin, commit or roll back, and failures as {@link StoreException}. */
final class Transactions {

    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
    private static final Pattern SQLITE_DETAIL = Pattern.compile("\\(([^()]+)\\)\\s*$");

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Dialect dialect;
    private final String name;
    private final ConnectionPool pool;
    /**
     * SQLite: the {@code synchronous} mode each connection was last set to, so a transaction sets it only when it
     * changes (a statement per transaction otherwise); a connection that was dropped leaves the map with it.
     */
    private final Map<Connection, Boolean> synchronousFull = Collections.synchronizedMap(new WeakHashMap<>());

    Transactions(Dialect dialect, String name, ConnectionPool pool) {
        this.dialect = dialect;
        this.name = name;
        this.pool = pool;
    }

    /** The prepared statements kept for the pool's connections ({@link StatementCache}). */
    StatementCache statements() {
        return pool.statements();
    }

    <T> T tx(String what, Work<T> work) {
        return tx(what, false, work);
    }

    /**
     * One transaction. {@code acknowledges}: its commit is what an ingress's 2xx promises (appends), so on SQLite it
     * is fsynced ({@code synchronous = FULL}). Every other change (claims, delivered marks, retries) commits with
     * {@code NORMAL}: in WAL mode it survives a process crash, and the next append's fsync writes it to disk too;
     * only a power loss in between can undo one, which means a delivery sent again (at-least-once), never a
     * message lost.
     */
    <T> T tx(String what, boolean acknowledges, Work<T> work) {
        Connection c = pool.take(name);
        boolean broken = false;
        try {
            if (dialect == Dialect.SQLITE && !Boolean.valueOf(acknowledges).equals(synchronousFull.get(c))) {
                synchronousFull.remove(c);
                try (Statement st = c.createStatement()) {
                    st.execute(acknowledges ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
                }
                synchronousFull.put(c, acknowledges);
            }
            begin(c);
            try {
                T result = work.run(c);
                commit(c);
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            broken = isConnectionFailure(c, e);
            forgetStatements(c);
            throw new StoreException("outbox " + name + ": " + what + " failed: " + describe(e), e);
        } finally {
            pool.give(c, broken);
        }
    }

    void close() {
        pool.close();
    }

    /** Runs {@code work} outside a transaction when a connection is free at once; {@code false} when none was. */
    boolean ifIdle(Work<?> work) {
        Connection c = pool.tryTake(name, java.time.Duration.ZERO);
        if (c == null) {
            return false;
        }
        boolean broken = false;
        try {
            work.run(c);
            return true;
        } catch (SQLException e) {
            broken = isConnectionFailure(c, e);
            forgetStatements(c);
            throw new StoreException("outbox " + name + ": " + describe(e), e);
        } finally {
            pool.give(c, broken);
        }
    }

    /**
     * After a failed statement the kept statements of the connection are prepared anew: sqlite-jdbc frees a
     * statement's native handle on most errors (I/O, a full disk, a table gone) while the JDBC object still says it
     * is open, so a kept one would fail every later use too.
     */
    private void forgetStatements(Connection c) {
        pool.statements().forget(c);
    }

    private void begin(Connection c) throws SQLException {
        if (dialect == Dialect.SQLITE) {
            // IMMEDIATE takes the write lock up front, so a concurrent writer (the dlq tool) waits on
            // busy_timeout instead of failing with SQLITE_BUSY when a read transaction tries to upgrade
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        } else {
            c.setAutoCommit(false);
        }
    }

    private void commit(Connection c) throws SQLException {
        if (dialect == Dialect.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
        } else {
            c.commit();
            c.setAutoCommit(true);
        }
    }

    private void rollbackQuietly(Connection c) {
        try {
            if (dialect == Dialect.SQLITE) {
                if (!c.getAutoCommit()) {
                    c.rollback();
                } else {
                    try (Statement s = c.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                }
            } else {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.debug("outbox: rollback failed: {}", e.toString());
        }
    }

    private static boolean isConnectionFailure(Connection c, SQLException e) {
        String state = e.getSQLState();
        if (state != null && state.startsWith("08")) {
            return true;
        }
        try {
            return c.isClosed();
        } catch (SQLException ignored) {
            return true;
        }
    }

    /** A short reason without stack noise: {@code file is not a database}, never credentials. */
    static String describe(SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("[SQLITE_")) {
            Matcher m = SQLITE_DETAIL.matcher(message);
            if (m.find()) {
                message = m.group(1);
            }
        }
        return Secrets.redact(message);
    }
}
