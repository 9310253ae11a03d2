package io.chatbridge.bench.jmh;

import io.chatbridge.dingtalk.outbound.AppRobotMessage;
import io.chatbridge.dingtalk.outbound.RobotApi;
import io.javalin.Javalin;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one Robot v1.0 group send costs the bridge's delivery worker, against a stand-in in the same JVM that answers
 * at once: {@code sdk} through {@link RobotApi#groupSend} (the official SDK's {@code orgGroupSendWithOptions}, as
 * every app robot delivery), {@code plainOkHttp} the same request (path, token header, JSON body) with the OkHttp
 * client the SDK itself uses underneath. Both include the stand-in's work; their difference is the SDK's own work
 * per call, which no change in the bridge can remove while sends go through the SDK (issue 3 requires it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RobotSendBenchmark {

    private static final String TOKEN = "bench-access-token-0001";
    private static final MediaType JSON = MediaType.parse("application/json; charset=utf-8");

    private Javalin standIn;
    private RobotApi api;
    private OkHttpClient okHttp;
    private String url;
    private AppRobotMessage message;
    private String body;

    @Setup
    public void start() throws Exception {
        standIn = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/robot/groupMessages/send", ctx -> {
                if (!TOKEN.equals(ctx.header("x-acs-dingtalk-access-token"))) {
                    throw new IllegalStateException("no token");
                }
                ctx.bodyAsBytes();
                ctx.status(200).contentType("application/json").result("{\"processQueryKey\":\"pqk-1\"}");
            });
        }).start("127.0.0.1", 0);
        URI endpoint = URI.create("http://127.0.0.1:" + standIn.port());
        api = new RobotApi(endpoint, "bench-app-key", "bench-app-secret", "dingbenchrobot");
        message = new AppRobotMessage(AppRobotMessage.SAMPLE_TEXT,
                Map.of("content", "[Ann] seq=12345; hello from the benchmark group"));
        body = "{\"robotCode\":\"dingbenchrobot\",\"openConversationId\":\"cidBenchOut0\",\"msgKey\":\"sampleText\","
                + "\"msgParam\":\"{\\\"content\\\":\\\"[Ann] seq=12345; hello from the benchmark group\\\"}\"}";
        okHttp = new OkHttpClient.Builder().build();
        url = endpoint + "/v1.0/robot/groupMessages/send";
    }

    @TearDown
    public void stop() {
        standIn.stop();
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
    }

    @Benchmark
    public String sdk() throws Exception {
        return api.groupSend(TOKEN, "cidBenchOut0", message);
    }

    @Benchmark
    public String plainOkHttp() throws Exception {
        Request request = new Request.Builder().url(url).header("x-acs-dingtalk-access-token", TOKEN)
                .header("Accept", "application/json").post(RequestBody.create(JSON, body)).build();
        try (Response response = okHttp.newCall(request).execute()) {
            if (response.code() != 200) {
                throw new IllegalStateException("status " + response.code());
            }
            return response.body().string();
        }
    }
}
