package io.chatbridge.bench.jmh;

import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.InMemoryDeliveryStore;
import io.chatbridge.core.routing.Router;
import io.chatbridge.spi.OutboundMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording one inbound message's delivery in the outbox, through the {@link DeliveryStore} interface.
 *
 * <p>{@code append}: a fresh message id each time, one delivery, 10-minute de-duplication window (the bridge's
 * default), on a store that keeps growing during an iteration, like a bridge whose target is slower than its
 * ingress. {@code appendClaimDeliver}: the steady state, each message appended, claimed and marked delivered.
 *
 * <p>The store is {@link InMemoryDeliveryStore} (the only one on this branch); point {@link #openStore()} at a
 * durable store to measure it.
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

    private DeliveryStore store;
    private List<OutboundMessage> deliveries;
    private long sequence;

    @Setup(Level.Iteration)
    public void setUp() {
        store = openStore();
        Router router = new Router(Samples.forwardRules(1, null), Samples.platforms(), false);
        deliveries = router.route(Samples.message("cid0", "msgBench0001"));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        store.close();
    }

    static DeliveryStore openStore() {
        return new InMemoryDeliveryStore();
    }

    @Benchmark
    public boolean append() {
        return store.append("dt_main\nmsg" + (sequence++), deliveries, Instant.now(), WINDOW);
    }

    @Benchmark
    public int appendClaimDeliver() {
        Instant now = Instant.now();
        store.append("dt_main\nmsg" + (sequence++), deliveries, now, WINDOW);
        List<DeliveryStore.PendingDelivery> claimed = store.claim(1, now, LEASE);
        for (DeliveryStore.PendingDelivery d : claimed) {
            store.delivered(d, "pqk", now);
        }
        return claimed.size();
    }
}
