package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.DeliveryStore.DeadLetter;
import io.chatbridge.core.delivery.DeliveryStore.PendingDelivery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the {@code dead_letters} table, each method inside a transaction its caller opened. */
final class DeadLetterSql {

    private final Dialect dialect;
    private final OutboxSql outbox;

    DeadLetterSql(Dialect dialect, OutboxSql outbox) {
        this.dialect = dialect;
        this.outbox = outbox;
    }

    /** Moves a claimed delivery to the dead letters; nothing when its claim was lost. */
    static void move(Connection c, PendingDelivery d, String error, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letters (id, queue_key, payload, "
                + "error, attempts, created_at, failed_at) SELECT id, queue_key, payload, ?, attempts + 1, "
                + "created_at, ? FROM deliveries WHERE id = ? AND claim_token = ?")) {
            ps.setString(1, error);
            ps.setLong(2, now.toEpochMilli());
            ps.setLong(3, d.id());
            ps.setString(4, d.claimToken());
            if (ps.executeUpdate() == 0) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM deliveries WHERE id = ?")) {
            ps.setLong(1, d.id());
            ps.executeUpdate();
        }
    }

    static List<DeadLetter> list(Connection c, int limit) throws SQLException {
        List<DeadLetter> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, payload, error, attempts, created_at, "
                + "failed_at FROM dead_letters ORDER BY failed_at, id LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeadLetter(rs.getLong(1), MessageCodec.read(rs.getString(2)), rs.getString(3),
                            rs.getInt(4), Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6))));
                }
            }
        }
        return out;
    }

    int requeueAll(Connection c, Instant now) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM dead_letters ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        int n = 0;
        for (long id : ids) {
            n += requeue(c, id, now) ? 1 : 0;
        }
        return n;
    }

    /** A retried dead letter gets a fresh attempt count and age, so max_attempts / max_age apply anew. */
    boolean requeue(Connection c, long id, Instant now) throws SQLException {
        String queueKey;
        try (PreparedStatement ps = c.prepareStatement("SELECT queue_key FROM dead_letters WHERE id = ?"
                + (dialect == Dialect.POSTGRES ? " FOR UPDATE" : ""))) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                queueKey = rs.getString(1);
            }
        }
        outbox.lockQueues(c, List.of(queueKey));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO deliveries (queue_key, payload, attempts, "
                + "created_at, not_before, last_error) SELECT queue_key, payload, 0, ?, ?, error FROM dead_letters "
                + "WHERE id = ?")) {
            ps.setLong(1, now.toEpochMilli());
            ps.setLong(2, now.toEpochMilli());
            ps.setLong(3, id);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate() == 1;
        }
    }

    static boolean drop(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate() == 1;
        }
    }
}
