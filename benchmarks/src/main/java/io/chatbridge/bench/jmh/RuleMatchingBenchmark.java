package io.chatbridge.bench.jmh;

import io.chatbridge.core.routing.Router;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one message when {@code rules} forward rules name the message's instance, each for a different group.
 * {@code routeMatching}: the message's group is the last rule's (one outbound message, default template);
 * {@code routeUnmatched}: no rule matches the group (nothing to send, pure matching cost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuleMatchingBenchmark {

    @Param({"1", "100", "10000"})
    public int rules;

    private Router router;
    private InboundMessage matching;
    private InboundMessage unmatched;

    @Setup
    public void setUp() {
        router = new Router(Samples.forwardRules(rules, null), Samples.platforms(), false);
        matching = Samples.message("cid" + (rules - 1), "msgBench0001");
        unmatched = Samples.message("cidNobody", "msgBench0002");
        if (router.route(matching).size() != 1 || !router.route(unmatched).isEmpty()) {
            throw new IllegalStateException("the benchmark's rules do not route as intended");
        }
    }

    @Benchmark
    public List<OutboundMessage> routeMatching() {
        return router.route(matching);
    }

    @Benchmark
    public List<OutboundMessage> routeUnmatched() {
        return router.route(unmatched);
    }
}
