package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statements kept per connection: reused, never carrying a failed use's leftovers, closed with the connection. */
class StatementCacheTest {

    private static final String INSERT = "INSERT INTO t (v) VALUES (?)";

    @TempDir
    Path dir;

    private ConnectionPool pool() {
        String url = "jdbc:sqlite:" + dir.resolve("cache.db");
        return new ConnectionPool(1, Duration.ofSeconds(5), () -> {
            Connection c = DriverManager.getConnection(url);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS t (v TEXT)");
            }
            return c;
        });
    }

    @Test
    void theSameSqlOnTheSameConnectionIsPreparedOnce() throws Exception {
        ConnectionPool pool = pool();
        Connection c = pool.take("test");
        PreparedStatement first = pool.statements().prepare(c, INSERT);
        first.setString(1, "a");
        first.executeUpdate();
        PreparedStatement second = pool.statements().prepare(c, INSERT);
        assertThat(second).isSameAs(first);
        second.setString(1, "b");
        second.executeUpdate();
        assertThat(values(c)).containsExactly("a", "b");
        pool.give(c, false);
        pool.close();
    }

    @Test
    void aBatchLeftHalfWayIsNotRunByTheNextUse() throws Exception {
        ConnectionPool pool = pool();
        Connection c = pool.take("test");
        PreparedStatement ps = pool.statements().prepare(c, INSERT);
        ps.setString(1, "abandoned");
        ps.addBatch(); // the use fails before executeBatch
        PreparedStatement again = pool.statements().prepare(c, INSERT);
        again.setString(1, "next");
        again.addBatch();
        again.executeBatch();
        assertThat(values(c)).containsExactly("next");
        pool.give(c, false);
        pool.close();
    }

    @Test
    void aBrokenConnectionsStatementsAreClosedWithIt() throws Exception {
        ConnectionPool pool = pool();
        Connection c = pool.take("test");
        PreparedStatement ps = pool.statements().prepare(c, INSERT);
        assertThat(pool.statements().connections()).isEqualTo(1);
        pool.give(c, true); // dropped: the next user opens a new connection
        assertThat(ps.isClosed()).isTrue();
        assertThat(pool.statements().connections()).isZero();
        Connection fresh = pool.take("test");
        assertThat(pool.statements().prepare(fresh, INSERT)).isNotSameAs(ps);
        pool.give(fresh, false);
        pool.close();
        assertThat(pool.statements().connections()).isZero();
    }

    @Test
    void aStatementThatFailedIsPreparedAnewSoTheNextTransactionWorks() throws Exception {
        ConnectionPool pool = pool();
        Transactions db = new Transactions(Dialect.SQLITE, "test", pool);
        Transactions.Work<Integer> insert = c -> {
            PreparedStatement ps = db.statements().prepare(c, INSERT);
            ps.setString(1, "v");
            return ps.executeUpdate();
        };
        db.tx("insert", insert);
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("cache.db"));
             Statement s = other.createStatement()) {
            s.execute("DROP TABLE t"); // the kept statement's table is gone: its next use fails
            assertThatThrownBy(() -> db.tx("insert", insert)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("no such table");
            s.execute("CREATE TABLE t (v TEXT)");
        }
        assertThat(db.tx("insert", insert)).isEqualTo(1);
        db.close();
    }

    private static java.util.List<String> values(Connection c) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t ORDER BY rowid")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
