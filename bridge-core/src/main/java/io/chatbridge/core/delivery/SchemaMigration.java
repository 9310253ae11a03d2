package io.chatbridge.core.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings an outbox database to the {@link Schema} of this build, and checks a SQLite file for damage first. */
final class SchemaMigration {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigration.class);
    /** Serializes schema migrations of replicas starting at the same time (any constant works). */
    private static final long MIGRATION_LOCK = 0x63627269646765L;

    private SchemaMigration() {
    }

    /**
     * SQLite: reads every page once ({@code PRAGMA quick_check}), so a damaged file is refused at start-up with a
     * clear error instead of failing the first append that touches the bad page (which would answer 503 to every
     * message). Costs a read of the file, which is small: delivered rows are deleted and old keys pruned.
     */
    static void checkIntegrity(Transactions db) {
        db.tx("check integrity", c -> {
            List<String> problems = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check(3)")) {
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
            } catch (SQLException e) {
                problems.add(Transactions.describe(e));
            }
            if (!problems.equals(List.of("ok"))) {
                throw new SQLException("the file is damaged (" + String.join("; ", problems) + "); restore it from "
                        + "a backup, or move it away to start with an empty outbox");
            }
            return null;
        });
    }

    /** Applies the migrations the database lacks; returns the schema version it now has. */
    static int migrate(Transactions db, Dialect dialect, String name) {
        return db.tx("migrate", c -> {
            try (Statement s = c.createStatement()) {
                if (dialect == Dialect.POSTGRES) {
                    s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                }
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        + "applied_at BIGINT NOT NULL)");
                int current;
                try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
                    rs.next();
                    current = rs.getInt(1);
                }
                if (current > Schema.latest()) {
                    throw new SQLException("the database has schema version " + current + " but this build of "
                            + "chatbridge knows versions up to " + Schema.latest() + "; upgrade the bridge");
                }
                for (int v = current + 1; v <= Schema.latest(); v++) {
                    for (String ddl : Schema.MIGRATIONS.get(v - 1)) {
                        s.execute(ddl.replace("{id}", dialect.idColumn));
                    }
                    s.execute("INSERT INTO schema_version (version, applied_at) VALUES (" + v + ", "
                            + System.currentTimeMillis() + ")");
                    LOG.info("outbox: {} migrated to schema version {}", name, v);
                }
                return Schema.latest();
            }
        });
    }
}
