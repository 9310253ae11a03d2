package io.chatbridge.core.delivery;

import java.util.List;

/**
 * The outbox schema as numbered migrations, the same on SQLite and PostgreSQL except for {@code {id}} (an
 * ever-increasing key: ids are never reused, because dead letters keep their delivery's id). Times are epoch
 * milliseconds from the bridge's clock, so a fake clock works in tests and replicas need no database time.
 *
 * <p>To change the schema, append a migration; never edit a released one.
 */
final class Schema {

    /** Migration {@code i} (0-based) takes the schema to version {@code i + 1}. */
    static final List<List<String>> MIGRATIONS = List.of(List.of(
            """
            CREATE TABLE deliveries (
              id {id},
              queue_key TEXT NOT NULL,
              payload TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              created_at BIGINT NOT NULL,
              not_before BIGINT NOT NULL,
              claim_token TEXT,
              lease_until BIGINT,
              last_error TEXT)""",
            "CREATE INDEX deliveries_queue ON deliveries (queue_key, id)",
            "CREATE INDEX deliveries_due ON deliveries (not_before)",
            """
            CREATE TABLE dead_letters (
              id BIGINT PRIMARY KEY,
              queue_key TEXT NOT NULL,
              payload TEXT NOT NULL,
              error TEXT,
              attempts INTEGER NOT NULL,
              created_at BIGINT NOT NULL,
              failed_at BIGINT NOT NULL)""",
            """
            CREATE TABLE inbound_dedup (
              dedup_key TEXT PRIMARY KEY,
              seen_at BIGINT NOT NULL)""",
            "CREATE INDEX inbound_dedup_seen ON inbound_dedup (seen_at)",
            """
            CREATE TABLE message_links (
              source_instance TEXT NOT NULL,
              source_message_id TEXT NOT NULL,
              rule_id TEXT,
              target_instance TEXT NOT NULL,
              target_channel TEXT NOT NULL,
              target_message_id TEXT,
              delivered_at BIGINT NOT NULL)""",
            "CREATE INDEX message_links_source ON message_links (source_instance, source_message_id)",
            """
            CREATE TABLE counters (
              name TEXT PRIMARY KEY,
              value BIGINT NOT NULL)""",
            "INSERT INTO counters (name, value) VALUES ('delivered', 0)"),
            // 2: find a source message from a target's message id (replies, recalls); prune old links by age
            List.of(
            "CREATE INDEX message_links_target ON message_links (target_instance, target_message_id)",
            "CREATE INDEX message_links_delivered ON message_links (delivered_at)"));

    private Schema() {
    }

    /** The newest version this build knows. */
    static int latest() {
        return MIGRATIONS.size();
    }
}
