package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.DeliveryStore.MessageLink;
import io.chatbridge.core.delivery.DeliveryStore.SourceLink;
import io.chatbridge.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of the {@code message_links} table (source message id ↔ target message id, for replies and recalls),
 * each method inside a transaction its caller opened.
 */
final class LinkSql {

    private static final String INSERT = "INSERT INTO message_links (source_instance, source_message_id, rule_id, "
            + "target_instance, target_channel, target_message_id, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private LinkSql() {
    }

    /**
     * Records where a delivered message went, when its source message has an id: one row per target message (the
     * parts of a split message), or one row without a target id when the target gave none.
     */
    static void record(Connection c, StatementCache statements, OutboundMessage m, List<String> targetMessageIds,
                       Instant now) throws SQLException {
        if (m.source() == null || m.source().messageId() == null) {
            return;
        }
        List<String> ids = new ArrayList<>(targetMessageIds);
        if (ids.isEmpty()) {
            ids.add(null);
        }
        PreparedStatement ps = statements.prepare(c, INSERT);
        String channel = Canonical.json(m.channel());
        for (String id : ids) {
            ps.setString(1, m.source().instanceId());
            ps.setString(2, m.source().messageId());
            ps.setString(3, m.ruleId());
            ps.setString(4, m.instanceId());
            ps.setString(5, channel);
            ps.setString(6, id);
            ps.setLong(7, now.toEpochMilli());
            if (ids.size() == 1) {
                ps.executeUpdate();
            } else {
                ps.addBatch();
            }
        }
        if (ids.size() > 1) {
            ps.executeBatch();
        }
    }

    static List<MessageLink> links(Connection c, String sourceInstance, String sourceMessageId) throws SQLException {
        List<MessageLink> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT rule_id, target_instance, target_channel, "
                + "target_message_id FROM message_links WHERE source_instance = ? AND source_message_id = ? "
                + "ORDER BY delivered_at")) {
            ps.setString(1, sourceInstance);
            ps.setString(2, sourceMessageId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new MessageLink(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    /**
     * The links of {@code messageId} and of the ids that extend it with {@code "\n"} and a qualifier. SQLite
     * compares text bytewise, so the qualified ids are the index range [{@code id\n}, {@code id\u000b}); in
     * PostgreSQL a range would follow the database's collation (which may ignore control characters), so it uses
     * {@code starts_with}, exact whatever the collation.
     */
    static List<MessageLink> linksOfIdOrQualified(Connection c, Dialect dialect, String sourceInstance,
                                                  String messageId) throws SQLException {
        String qualified = dialect == Dialect.POSTGRES ? "starts_with(source_message_id, ?)"
                : "(source_message_id >= ? AND source_message_id < ?)";
        List<MessageLink> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT rule_id, target_instance, target_channel, "
                + "target_message_id FROM message_links WHERE source_instance = ? AND (source_message_id = ? OR "
                + qualified + ") ORDER BY delivered_at")) {
            ps.setString(1, sourceInstance);
            ps.setString(2, messageId);
            ps.setString(3, messageId + "\n");
            if (dialect != Dialect.POSTGRES) {
                ps.setString(4, messageId + "\u000b");
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new MessageLink(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    static List<SourceLink> sources(Connection c, String targetInstance, String targetMessageId) throws SQLException {
        List<SourceLink> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT source_instance, source_message_id, rule_id "
                + "FROM message_links WHERE target_instance = ? AND target_message_id = ? ORDER BY delivered_at")) {
            ps.setString(1, targetInstance);
            ps.setString(2, targetMessageId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SourceLink(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** Forgets links delivered before {@code linkedBefore}; returns how many. */
    static int prune(Connection c, long linkedBefore) throws SQLException {
        try (PreparedStatement links = c.prepareStatement("DELETE FROM message_links WHERE delivered_at <= ?")) {
            links.setLong(1, linkedBefore);
            return links.executeUpdate();
        }
    }
}
