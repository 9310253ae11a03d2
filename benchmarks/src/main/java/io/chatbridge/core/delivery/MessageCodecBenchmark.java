package io.chatbridge.core.delivery;

import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The outbox's stored form of a delivery: written for every delivery of an accepted message (on the server thread
 * that publishes it) and read back when the delivery is claimed. The message is a forwarded DingTalk text, as in the
 * load run. (In core's package: the codec is core's own, not a public class.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MessageCodecBenchmark {

    private OutboundMessage message;
    private String stored;

    @Setup
    public void setUp() {
        Origin origin = new Origin("dingtalk", "dt", Map.of("conversation_id", "cidBenchIn3"), "msgBench0001",
                Sender.of("staff-0001", "Bench User"), Instant.parse("2026-12-01T20:00:00.123Z"));
        message = OutboundMessage.builder().deliveryId("d-7f3a9c2e41b84d0f").ruleId("forward-3").instanceId("dt")
                .channel(Map.of("conversation_id", "cidBenchOut3")).text("Bench User: seq=42; hello from the load run")
                .source(origin).attempt(1).build();
        stored = MessageCodec.write(message);
    }

    @Benchmark
    public String write() {
        return MessageCodec.write(message);
    }

    @Benchmark
    public OutboundMessage read() {
        return MessageCodec.read(stored);
    }
}
