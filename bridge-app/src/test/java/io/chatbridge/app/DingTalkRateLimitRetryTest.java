package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.delivery.DeliveryEngine;
import io.chatbridge.core.delivery.InMemoryDeliveryStore;
import io.chatbridge.core.delivery.RetryPolicy;
import io.chatbridge.dingtalk.DingTalkDriverFactory;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.testkit.MutableClock;
import io.chatbridge.testkit.TestDriverContext;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP 429 from DingTalk's OpenAPI or its token endpoint, through the real delivery engine on a fake clock: the
 * delivery is retried once the {@code Retry-After} has passed on the clock, not before, and never dead-lettered.
 */
class DingTalkRateLimitRetryTest {

    private static final String THROTTLED = "{\"code\":\"Throttling\",\"message\":\"too many requests\"}";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));
    private final InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    private final List<Instant> tokenCalls = new CopyOnWriteArrayList<>();
    private final List<Instant> sendCalls = new CopyOnWriteArrayList<>();
    private final AtomicBoolean throttleToken = new AtomicBoolean();
    private final AtomicBoolean throttleSend = new AtomicBoolean();
    private Javalin dingtalk;
    private Driver driver;
    private TestDriverContext context;
    private DeliveryEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop(Duration.ofSeconds(2));
        }
        if (driver != null) {
            driver.stop();
        }
        if (context != null) {
            context.close();
        }
        if (dingtalk != null) {
            dingtalk.stop();
        }
    }

    private void start() throws Exception {
        dingtalk = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/v1.0/oauth2/accessToken", ctx -> {
                tokenCalls.add(clock.instant());
                if (!throttled(ctx, throttleToken)) {
                    ctx.contentType("application/json").result("{\"accessToken\":\"tok-1\",\"expireIn\":7200}");
                }
            });
            cfg.routes.post("/v1.0/robot/groupMessages/send", ctx -> {
                sendCalls.add(clock.instant());
                if (!throttled(ctx, throttleSend)) {
                    ctx.contentType("application/json").result("{\"processQueryKey\":\"pqk-1\"}");
                }
            });
        }).start("127.0.0.1", 0);

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", "dingappkey01");
        settings.put("app_secret", "app-secret-for-429-test");
        settings.put("robot_code", "dingrobot01");
        settings.put("api_endpoint", "http://127.0.0.1:" + dingtalk.port());
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("dingtalk", "dt", settings, problems, List.of());
        driver = new DingTalkDriverFactory().create(config);
        assertThat(problems).isEmpty();
        context = new TestDriverContext(config, clock);
        driver.start(context);

        engine = new DeliveryEngine(store, Map.of("dt", driver),
                new RetryPolicy(10, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(5)), clock, 1,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.start();
        store.append(null, List.of(OutboundMessage.builder().deliveryId("d-1").ruleId("r").instanceId("dt")
                .channel("open_conversation_id", "cidOps").text("disk full")
                .source(new Origin("memory", "src", Map.of(), "m-1", null, null)).build()),
                clock.instant(), Duration.ofMinutes(10));
        engine.wake();
    }

    /** Answers the first call 429 with Retry-After: 30 when {@code flag} is set. */
    private static boolean throttled(Context ctx, AtomicBoolean flag) {
        if (!flag.getAndSet(false)) {
            return false;
        }
        ctx.status(429).header("Retry-After", "30").contentType("application/json").result(THROTTLED);
        return true;
    }

    @Test
    void tooManyRequestsFromTheRobotApiIsRetriedAfterRetryAfter() throws Exception {
        throttleSend.set(true);
        start();

        await(() -> sendCalls.size() == 1);
        assertNotRetriedBefore(Duration.ofSeconds(30), sendCalls);

        await(() -> sendCalls.size() == 2 && store.stats(clock.instant()).delivered() == 1);
        assertThat(sendCalls.get(1)).isEqualTo(sendCalls.get(0).plusSeconds(30));
        assertThat(store.deadLetters(10)).isEmpty();
    }

    @Test
    void tooManyRequestsFromTheTokenEndpointIsRetriedAfterRetryAfter() throws Exception {
        throttleToken.set(true);
        start();

        await(() -> tokenCalls.size() == 1);
        assertNotRetriedBefore(Duration.ofSeconds(30), tokenCalls);

        await(() -> sendCalls.size() == 1 && store.stats(clock.instant()).delivered() == 1);
        assertThat(tokenCalls).hasSize(2);
        assertThat(tokenCalls.get(1)).isEqualTo(tokenCalls.get(0).plusSeconds(30));
        assertThat(store.deadLetters(10)).isEmpty();
    }

    /** Moves the clock to just before {@code wait} is over: no second call; then to the end of it. */
    private void assertNotRetriedBefore(Duration wait, List<Instant> calls) throws InterruptedException {
        await(() -> store.stats(clock.instant()).pending() == 1 && engine.inFlight() == 0);
        clock.advance(wait.minusSeconds(1));
        engine.wake();
        Thread.sleep(200); // the engine polls every 5 ms: a premature retry would have happened by now
        assertThat(calls).hasSize(1);
        assertThat(store.deadLetters(10)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        engine.wake();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 20 s");
            }
            Thread.sleep(5);
        }
    }
}
