package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.SendResult;
import io.chatbridge.testkit.MutableClock;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database file written by the release with schema v2 (its payloads the SPI's OutboundMessage as JSON, see
 * {@code src/test/resources/outbox/README.md}) opened by this build: migrated, and what it held delivered.
 */
class OutboxUpgradeTest {

    @TempDir
    Path dir;

    /** Records what it sends. */
    private static final class Recording implements Driver {
        final List<OutboundMessage> sent = new CopyOnWriteArrayList<>();

        @Override
        public void start(DriverContext context) {
        }

        @Override
        public SendResult send(OutboundMessage message) {
            sent.add(message);
            return SendResult.OK;
        }

        @Override
        public void stop() {
        }
    }

    private Path fixture() throws Exception {
        Path file = dir.resolve("bridge.db");
        try (InputStream in = getClass().getResourceAsStream("/outbox/schema-v2.db")) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void pendingDeliveriesOfASchemaV2DatabaseAreDeliveredAfterTheUpgrade() throws Exception {
        Path file = fixture();
        Recording main = new Recording();
        Recording rich = new Recording();
        Recording plain = new Recording();
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (JdbcDeliveryStore store = JdbcDeliveryStore.openSqlite(file, true)) {
            assertThat(store.stats(clock.instant()).pending()).isEqualTo(8);
            DeliveryEngine engine = new DeliveryEngine(store, Map.of("dt_main", main, "dt_rich", rich,
                    "plain", plain), new RetryPolicy(3, Duration.ofDays(365), Duration.ofMillis(1),
                    Duration.ofMillis(1)), clock, 2, Duration.ofSeconds(30), Duration.ofMillis(10));
            engine.start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (store.stats(clock.instant()).pending() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } finally {
                engine.stop(Duration.ofSeconds(5));
            }
            assertThat(store.stats(clock.instant()).pending()).isZero();
            assertThat(store.stats(clock.instant()).delivered()).isEqualTo(8);
            assertThat(store.deadLetters(10)).singleElement().satisfies(d -> {
                assertThat(d.message().deliveryId()).isEqualTo("d-dead");
                assertThat(d.message().text()).isEqualTo("dead one");
                assertThat(d.error()).isEqualTo("PERMANENT: refused");
            });
        }
        assertThat(main.sent).singleElement().satisfies(m ->
                assertThat(m.toBuilder().attempt(3).build()).isEqualTo(MessageCodecTest.fullMessage()));
        List<RichContent> expected = MessageCodecTest.everyRichContent().toList();
        assertThat(rich.sent).extracting(OutboundMessage::rich).containsExactlyElementsOf(expected);
        assertThat(rich.sent).extracting(OutboundMessage::deliveryId)
                .containsExactly("d-rich-0", "d-rich-1", "d-rich-2", "d-rich-3", "d-rich-4", "d-rich-5");
        assertThat(plain.sent).singleElement().satisfies(m -> {
            assertThat(m.deliveryId()).isEqualTo("d-min");
            assertThat(m.text()).isEmpty();
            assertThat(m.attempt()).isEqualTo(1);
        });
    }

    @Test
    void newRowsBesideOldOnesAreWrittenInTheVersionedForm() throws Exception {
        Path file = fixture();
        try (JdbcDeliveryStore store = JdbcDeliveryStore.openSqlite(file, true)) {
            store.append(null, List.of(DeliveryStoreContract.message("plain", "x", "new")), Instant.now(),
                    Duration.ofMinutes(10));
        }
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             var s = c.createStatement();
             var rs = s.executeQuery("SELECT payload FROM deliveries ORDER BY id DESC LIMIT 1")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("{\"v\":1,");
        }
    }
}
