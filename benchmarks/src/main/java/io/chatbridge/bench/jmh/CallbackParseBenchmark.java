package io.chatbridge.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.dingtalk.inbound.CallbackHandler;
import io.chatbridge.dingtalk.inbound.CallbackMessage;
import io.chatbridge.dingtalk.inbound.CallbackSignature;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parsing and normalising one callback body into an {@link InboundMessage}, and the whole driver-side callback path
 * (signature, parse, normalise, publish into a context that accepts at once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallbackParseBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private byte[] body;
    private CallbackHandler handler;
    private HttpRequest request;

    @Setup
    public void setUp() {
        body = Samples.callbackBody("cidBench", "msgBench0001");
        String timestamp = Long.toString(System.currentTimeMillis());
        Map<String, List<String>> headers = new TreeMap<>();
        headers.put("content-type", List.of("application/json; charset=utf-8"));
        headers.put("timestamp", List.of(timestamp));
        headers.put("sign", List.of(DingTalkSignature.sign(timestamp, Samples.SECRET)));
        request = new HttpRequest("POST", "/dingtalk/event", headers, Map.of(), body, "127.0.0.1");
        handler = new CallbackHandler(new AcceptingContext(), new CallbackSignature(Samples.SECRET, Clock.systemUTC()));
    }

    @Benchmark
    public InboundMessage parseAndNormalise() throws IOException {
        JsonNode tree = JSON.readTree(body);
        return CallbackMessage.fromJson(tree);
    }

    @Benchmark
    public HttpResponse handleSignedCallback() {
        return handler.handle(request).toCompletableFuture().join();
    }

    /** A context whose publish accepts every message without routing it (so only the driver's work is measured). */
    private static final class AcceptingContext implements DriverContext {
        private final Blackhole sink = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

        @Override
        public String instanceId() {
            return "dt_main";
        }

        @Override
        public String platform() {
            return "dingtalk";
        }

        @Override
        public DriverConfig config() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.concurrent.CompletionStage<PublishResult> publishAsync(InboundMessage message) {
            sink.consume(message);
            return java.util.concurrent.CompletableFuture.completedFuture(
                    new PublishResult(PublishResult.Status.ACCEPTED, 1));
        }

        @Override
        public HttpRoutes http(int port) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }
    }
}
