package io.chatbridge.bench.jmh;

import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.InMemoryDeliveryStore;
import io.chatbridge.core.delivery.JdbcDeliveryStore;
import io.chatbridge.core.routing.Router;
import io.chatbridge.spi.OutboundMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording one inbound message's delivery in the outbox, through the {@link DeliveryStore} interface.
 *
 * <p>{@code append}: a fresh message id each time, one delivery, 10-minute de-duplication window (the bridge's
 * default), on a store that keeps growing during an iteration, like a bridge whose target is slower than its
 * ingress. {@code appendClaimDeliver}: the steady state, each message appended, claimed and marked delivered.
 *
 * {@code appendFrom8Threads}: eight ingress threads appending at once, as under load; on SQLite they share
 * group commits (one fsync for all appends waiting at that moment).
 *
 * <p>{@code store}: {@code memory} ({@link InMemoryDeliveryStore}) or {@code sqlite} (the durable default, a file in
 * a temporary directory, WAL mode, {@code synchronous = FULL}: every append is on disk before it returns).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class OutboxAppendBenchmark {

    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Duration LEASE = Duration.ofSeconds(60);

    @Param({"memory", "sqlite"})
    public String store;

    private DeliveryStore outbox;
    private List<OutboundMessage> deliveries;
    private final AtomicLong sequence = new AtomicLong();

    @Setup(Level.Iteration)
    public void setUp() throws IOException {
        outbox = openStore(store);
        Router router = new Router(Samples.forwardRules(1, null), Samples.platforms(), false);
        deliveries = router.route(Samples.message("cid0", "msgBench0001"));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        outbox.close();
    }

    static DeliveryStore openStore(String kind) throws IOException {
        if (kind.equals("sqlite")) {
            Path dir = Files.createTempDirectory("outbox-bench-");
            return JdbcDeliveryStore.openSqlite(dir.resolve("bench.db"), true);
        }
        return new InMemoryDeliveryStore();
    }

    @Benchmark
    public boolean append() {
        return outbox.append("dt_main\nmsg" + sequence.incrementAndGet(), deliveries, Instant.now(), WINDOW);
    }

    @Benchmark
    @Threads(8)
    public boolean appendFrom8Threads() {
        return outbox.append("dt_main\nmsg" + sequence.incrementAndGet(), deliveries, Instant.now(), WINDOW);
    }

    @Benchmark
    public int appendClaimDeliver() {
        Instant now = Instant.now();
        outbox.append("dt_main\nmsg" + sequence.incrementAndGet(), deliveries, now, WINDOW);
        List<DeliveryStore.PendingDelivery> claimed = outbox.claim(1, now, LEASE);
        for (DeliveryStore.PendingDelivery d : claimed) {
            outbox.delivered(d, "pqk", now);
        }
        return claimed.size();
    }
}
