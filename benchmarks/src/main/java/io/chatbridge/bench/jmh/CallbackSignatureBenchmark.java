package io.chatbridge.bench.jmh;

import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.dingtalk.inbound.CallbackSignature;
import java.time.Clock;
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

/** Verifying the {@code timestamp}/{@code sign} headers of one callback (HMAC-SHA256 plus a constant-time compare). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallbackSignatureBenchmark {

    private CallbackSignature signature;
    private String timestamp;
    private String sign;
    private String badSign;

    @Setup
    public void setUp() {
        signature = new CallbackSignature(Samples.SECRET, Clock.systemUTC());
        timestamp = Long.toString(System.currentTimeMillis());
        sign = DingTalkSignature.sign(timestamp, Samples.SECRET);
        badSign = DingTalkSignature.sign(timestamp, "another-secret");
    }

    @Benchmark
    public String verifyGenuine() {
        return signature.check(timestamp, sign);
    }

    @Benchmark
    public String verifyForged() {
        return signature.check(timestamp, badSign);
    }
}
