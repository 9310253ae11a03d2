package io.chatbridge.core.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prepared statements of the outbox's per-message SQL (appends, claims, delivered marks, links), kept per
 * connection and reused. sqlite-jdbc parses and plans a statement anew on every {@code prepareStatement}: in a
 * delivering load run that was almost half of the committer thread's time inside SQLite (async-profiler, see
 * BENCHMARKS.md). PostgreSQL's driver keeps its server-side prepared statements per connection itself, so there the
 * cache saves little, and costs nothing.
 *
 * <p>Callers never close a statement they got here; its connection's pool closes it with the connection
 * ({@link #forget}). A connection is used by one thread at a time (it is taken from its pool), so the statements
 * of one connection need no lock of their own.
 */
final class StatementCache {

    /** Keyed by identity: JDBC connections do not override {@code equals}. */
    private final Map<Connection, Map<String, PreparedStatement>> byConnection = new ConcurrentHashMap<>();

    /**
     * The statement for {@code sql} on {@code c}, prepared on first use; its parameters and batch are cleared, so
     * a use that failed half-way leaves nothing behind for the next one.
     */
    PreparedStatement prepare(Connection c, String sql) throws SQLException {
        Map<String, PreparedStatement> statements = byConnection.computeIfAbsent(c, k -> new HashMap<>());
        PreparedStatement ps = statements.get(sql);
        if (ps != null && !ps.isClosed()) {
            ps.clearParameters();
            ps.clearBatch();
            return ps;
        }
        ps = c.prepareStatement(sql);
        statements.put(sql, ps);
        return ps;
    }

    /** Closes and forgets the statements of a connection about to be closed. */
    void forget(Connection c) {
        Map<String, PreparedStatement> statements = byConnection.remove(c);
        if (statements == null) {
            return;
        }
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the connection is closed next anyway
            }
        }
    }

    /** Connections with statements kept (tests). */
    int connections() {
        return byConnection.size();
    }
}
