package io.chatbridge.core.delivery;

import io.chatbridge.core.delivery.DeliveryStore.OutboxStats;
import io.chatbridge.core.delivery.DeliveryStore.PendingDelivery;
import io.chatbridge.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the {@code deliveries}, {@code inbound_dedup} and {@code counters} tables, each method inside a
 * transaction its caller opened.
 */
final class OutboxSql {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxSql.class);

    /** Rows this build could not read, each reported once. */
    private final java.util.Set<Long> unreadable = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static final String INSERT_DEDUP = "INSERT INTO inbound_dedup (dedup_key, seen_at) VALUES (?, ?) "
            + "ON CONFLICT (dedup_key) DO UPDATE SET seen_at = excluded.seen_at WHERE inbound_dedup.seen_at <= ?";
    static final String INSERT_DELIVERY = "INSERT INTO deliveries "
            + "(queue_key, payload, attempts, created_at, not_before) VALUES (?, ?, 0, ?, ?)";

    static final String CLAIM = "UPDATE deliveries SET claim_token = ?, lease_until = ? WHERE id = ?";

    private final Dialect dialect;
    private final StatementCache statements;
    private final String claimDue;
    private final String claimDueHead;

    OutboxSql(Dialect dialect, StatementCache statements) {
        this.dialect = dialect;
        this.statements = statements;
        this.claimDue = "SELECT id, queue_key, payload, attempts, created_at "
                + "FROM deliveries WHERE id IN (" + dialect.queueHeads + ") "
                + "AND not_before <= ? AND (claim_token IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?"
                + dialect.lockRows;
        this.claimDueHead = "SELECT id, queue_key, payload, attempts, created_at "
                + "FROM deliveries WHERE id = (SELECT min(id) FROM deliveries WHERE queue_key = ?) "
                + "AND not_before <= ? AND (claim_token IS NULL OR lease_until <= ?)" + dialect.lockRows;
    }

    /** The kept statements of this outbox's connections (the committer's batches use them too). */
    StatementCache statements() {
        return statements;
    }

    /** One accepted message: its de-duplication key and its deliveries, encoded. */
    record Encoded(String dedupKey, List<String> keys, List<String> payloads, long nowMs, long seenBeforeMs) {

        static Encoded of(String dedupKey, List<OutboundMessage> deliveries, Instant now, Duration window) {
            List<String> payloads = new ArrayList<>(deliveries.size());
            List<String> keys = new ArrayList<>(deliveries.size());
            for (OutboundMessage m : deliveries) {
                payloads.add(MessageCodec.write(m));
                keys.add(DeliveryStore.queueKey(m));
            }
            long nowMs = now.toEpochMilli();
            return new Encoded(dedupKey, keys, payloads, nowMs, nowMs - window.toMillis());
        }
    }

    /**
     * One message in its own transaction (PostgreSQL, or a message retried alone after its batch failed). On
     * PostgreSQL the queues are locked first, so every append takes its locks in the same order.
     */
    boolean insert(Connection c, Encoded a, boolean lockQueues) throws SQLException {
        if (lockQueues && !a.payloads().isEmpty()) {
            lockQueues(c, a.keys());
        }
        return insert(statements.prepare(c, INSERT_DEDUP), statements.prepare(c, INSERT_DELIVERY), a);
    }

    /** Several messages in one transaction (a batch, or a request retried alone); one fresh flag per message. */
    List<Boolean> insertAll(Connection c, List<Encoded> messages, boolean lockQueues) throws SQLException {
        if (lockQueues) {
            List<String> keys = new ArrayList<>();
            messages.forEach(m -> keys.addAll(m.keys()));
            if (!keys.isEmpty()) {
                lockQueues(c, keys);
            }
        }
        List<Boolean> fresh = new ArrayList<>(messages.size());
        PreparedStatement dedup = statements.prepare(c, INSERT_DEDUP);
        PreparedStatement delivery = statements.prepare(c, INSERT_DELIVERY);
        for (Encoded m : messages) {
            fresh.add(insert(dedup, delivery, m));
        }
        return fresh;
    }

    /** Records one message's de-duplication key and deliveries; {@code false} when the key was seen recently. */
    static boolean insert(PreparedStatement dedup, PreparedStatement delivery, Encoded a) throws SQLException {
        if (a.dedupKey() != null) {
            dedup.setString(1, a.dedupKey());
            dedup.setLong(2, a.nowMs());
            dedup.setLong(3, a.seenBeforeMs());
            if (dedup.executeUpdate() == 0) {
                return false;
            }
        }
        if (a.payloads().isEmpty()) {
            return true;
        }
        for (int i = 0; i < a.payloads().size(); i++) {
            delivery.setString(1, a.keys().get(i));
            delivery.setString(2, a.payloads().get(i));
            delivery.setLong(3, a.nowMs());
            delivery.setLong(4, a.nowMs());
            delivery.addBatch();
        }
        delivery.executeBatch();
        return true;
    }

    /** PostgreSQL: one append per queue at a time, in a fixed order (no deadlocks); a no-op on SQLite. */
    void lockQueues(Connection c, Collection<String> keys) throws SQLException {
        if (dialect != Dialect.POSTGRES) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            for (String key : new TreeSet<>(keys)) {
                ps.setString(1, key);
                ps.execute();
            }
        }
    }

    /** Forgets de-duplication keys seen before {@code seenBefore}; returns how many. */
    static int pruneKeys(Connection c, long seenBefore) throws SQLException {
        try (PreparedStatement keys = c.prepareStatement("DELETE FROM inbound_dedup WHERE seen_at <= ?")) {
            keys.setLong(1, seenBefore);
            return keys.executeUpdate();
        }
    }

    /** Unclaims everything; returns how many. */
    static int releaseClaims(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate("UPDATE deliveries SET claim_token = NULL, lease_until = NULL "
                    + "WHERE claim_token IS NOT NULL");
        }
    }

    /** A claimed row as stored, decoded by {@link #decode} after the claim's transaction. */
    record ClaimedRow(long id, String queueKey, String payload, int attempts, long createdAtMs, String token) {
    }

    /**
     * Claims up to {@code max} due queue heads. The payloads are decoded by {@link #decode} outside the transaction:
     * on SQLite the claim runs on the committer thread, which also commits every accepted message.
     */
    List<ClaimedRow> claim(Connection c, int max, long nowMs, Duration lease) throws SQLException {
        List<ClaimedRow> out = new ArrayList<>();
        PreparedStatement due = statements.prepare(c, claimDue);
        due.setLong(1, nowMs);
        due.setLong(2, nowMs);
        due.setInt(3, max);
        try (ResultSet rs = due.executeQuery()) {
            while (rs.next()) {
                out.add(claimed(rs));
            }
        }
        if (!out.isEmpty()) {
            PreparedStatement ps = statements.prepare(c, CLAIM);
            for (ClaimedRow row : out) {
                ps.setString(1, row.token());
                ps.setLong(2, nowMs + lease.toMillis());
                ps.setLong(3, row.id());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return out;
    }

    /** The row a claim query selected ({@code id, queue_key, payload, attempts, created_at}), with a new token. */
    private static ClaimedRow claimed(ResultSet rs) throws SQLException {
        return new ClaimedRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                RandomIds.next());
    }

    /**
     * Claims the head of one queue when it is due and unclaimed: {@link #claim}'s rule for a single queue (the head
     * is found first and then locked, so on PostgreSQL a head locked by another replica is skipped, never the one
     * behind it).
     */
    ClaimedRow claimHead(Connection c, String queueKey, long nowMs, Duration lease) throws SQLException {
        ClaimedRow row = null;
        PreparedStatement head = statements.prepare(c, claimDueHead);
        head.setString(1, queueKey);
        head.setLong(2, nowMs);
        head.setLong(3, nowMs);
        try (ResultSet rs = head.executeQuery()) {
            if (rs.next()) {
                row = claimed(rs);
            }
        }
        if (row != null) {
            PreparedStatement ps = statements.prepare(c, CLAIM);
            ps.setString(1, row.token());
            ps.setLong(2, nowMs + lease.toMillis());
            ps.setLong(3, row.id());
            ps.executeUpdate();
        }
        return row;
    }

    /**
     * The delivery of a claimed row, or {@code null} when this build cannot read it (written by a newer bridge on
     * a shared database, or damaged), said once per row; the caller gives such claims back ({@link #unclaim}).
     */
    PendingDelivery decode(ClaimedRow row) {
        OutboundMessage m;
        try {
            m = MessageCodec.read(row.payload()).withAttempt(row.attempts() + 1);
        } catch (StoreException e) {
            if (unreadable.add(row.id())) {
                LOG.error("outbox: delivery {} cannot be read by this bridge ({}); it stays in the outbox, and its"
                        + " target channel waits behind it, until a bridge that can read it sends it", row.id(),
                        e.getMessage());
            }
            return null;
        }
        return new PendingDelivery(row.id(), row.queueKey(), m, Instant.ofEpochMilli(row.createdAtMs()),
                row.token());
    }

    /**
     * Gives back the claims of rows this build cannot read, due again only after {@code recheckAtMs}: a bridge
     * that can read them (a newer replica on a shared database) takes them from then on, and this one does not
     * claim them again and again meanwhile (its dispatcher would spin on a due row it never sends).
     */
    static void unclaim(Connection c, List<ClaimedRow> rows, long recheckAtMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET claim_token = NULL, "
                + "lease_until = NULL, not_before = CASE WHEN not_before < ? THEN ? ELSE not_before END "
                + "WHERE id = ? AND claim_token = ?")) {
            for (ClaimedRow row : rows) {
                ps.setLong(1, recheckAtMs);
                ps.setLong(2, recheckAtMs);
                ps.setLong(3, row.id());
                ps.setString(4, row.token());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void renew(Connection c, Collection<PendingDelivery> deliveries, Instant leaseUntil) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE deliveries SET lease_until = ? WHERE id = ? AND claim_token = ?")) {
            for (PendingDelivery d : deliveries) {
                ps.setLong(1, leaseUntil.toEpochMilli());
                ps.setLong(2, d.id());
                ps.setString(3, d.claimToken());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Deletes a delivered delivery and counts it; {@code false} (nothing changed) when its claim was lost. */
    boolean delivered(Connection c, PendingDelivery d) throws SQLException {
        PreparedStatement delete = statements.prepare(c, "DELETE FROM deliveries WHERE id = ? AND claim_token = ?");
        delete.setLong(1, d.id());
        delete.setString(2, d.claimToken());
        if (delete.executeUpdate() == 0) {
            LOG.debug("delivery {}: claim lost before it was recorded as delivered", d.id());
            return false;
        }
        statements.prepare(c, "UPDATE counters SET value = value + 1 WHERE name = 'delivered'").executeUpdate();
        return true;
    }

    static int retryLater(Connection c, PendingDelivery d, Instant nextAttempt, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET attempts = attempts + 1, "
                + "last_error = ?, not_before = ?, claim_token = NULL, lease_until = NULL "
                + "WHERE id = ? AND claim_token = ?")) {
            ps.setString(1, error);
            ps.setLong(2, nextAttempt.toEpochMilli());
            ps.setLong(3, d.id());
            ps.setString(4, d.claimToken());
            return ps.executeUpdate();
        }
    }

    static int postpone(Connection c, PendingDelivery d, Instant notBefore) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET not_before = ?, "
                + "claim_token = NULL, lease_until = NULL WHERE id = ? AND claim_token = ?")) {
            ps.setLong(1, notBefore.toEpochMilli());
            ps.setLong(2, d.id());
            ps.setString(3, d.claimToken());
            return ps.executeUpdate();
        }
    }

    Instant nextDue(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT min(CASE WHEN "
                + "claim_token IS NULL THEN not_before ELSE lease_until END) FROM deliveries "
                + "WHERE id IN (" + dialect.queueHeads + ")")) {
            rs.next();
            long due = rs.getLong(1);
            return rs.wasNull() ? null : Instant.ofEpochMilli(due);
        }
    }

    static OutboxStats stats(Connection c, Instant now) throws SQLException {
        long pending;
        long inFlight;
        Instant oldest;
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), coalesce(sum(CASE WHEN claim_token "
                + "IS NOT NULL AND lease_until > ? THEN 1 ELSE 0 END), 0), min(created_at) FROM deliveries")) {
            ps.setLong(1, now.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                pending = rs.getLong(1);
                inFlight = rs.getLong(2);
                long min = rs.getLong(3);
                oldest = rs.wasNull() ? null : Instant.ofEpochMilli(min);
            }
        }
        try (Statement s = c.createStatement()) {
            long delivered;
            try (ResultSet rs = s.executeQuery("SELECT value FROM counters WHERE name = 'delivered'")) {
                delivered = rs.next() ? rs.getLong(1) : 0;
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM dead_letters")) {
                rs.next();
                return new OutboxStats(pending, inFlight, delivered, rs.getLong(1), oldest);
            }
        }
    }
}
