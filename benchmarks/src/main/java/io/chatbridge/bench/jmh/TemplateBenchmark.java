package io.chatbridge.bench.jmh;

import io.chatbridge.core.routing.MessageTemplate;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichHeader;
import java.time.ZoneOffset;
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

/** Rendering a compiled {@code msg_format}: the default, and one with a rich header and {@code {time}}. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TemplateBenchmark {

    private MessageTemplate plain;
    private MessageTemplate rich;
    private InboundMessage message;

    @Setup
    public void setUp() {
        plain = MessageTemplate.of(MessageTemplate.DEFAULT_FORMAT);
        rich = MessageTemplate.of("<richheader title=\"{from}\" content=\"{user}\"/>[{time}] {msg}", ZoneOffset.UTC);
        message = Samples.message("cidBench", "msgBench0001");
    }

    @Benchmark
    public String renderDefault() {
        return plain.render(message);
    }

    @Benchmark
    public RichHeader renderRichHeader() {
        return rich.header(message);
    }

    @Benchmark
    public String renderRichBodyWithTime() {
        return rich.render(message);
    }
}
