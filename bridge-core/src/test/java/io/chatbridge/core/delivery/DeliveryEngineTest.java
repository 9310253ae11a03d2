package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.logging.Secrets;
import io.chatbridge.testkit.MutableClock;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.SendResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryEngineTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    private DeliveryEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop(Duration.ofSeconds(2));
        }
        Secrets.clear();
    }

    private static OutboundMessage message(String target, String channel, String text) {
        return OutboundMessage.builder().deliveryId(java.util.UUID.randomUUID().toString()).ruleId("r")
                .instanceId(target).channel(Map.of("room", channel)).text(text).attachments(List.of()).options(Map.of())
                .source(new Origin("memory", "src", Map.of(), "m-" + text, null, null)).extensions(Map.of()).attempt(1)
                .build();
    }

    private void start(Driver driver, RetryPolicy policy) {
        engine = new DeliveryEngine(store, Map.of("t", driver), policy, clock, 4, Duration.ofSeconds(60),
                Duration.ofMillis(5));
        engine.start();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(5);
        }
    }

    /** A driver allowing {@code perMinute} sends per minute of the injected clock, like a DingTalk custom robot. */
    private final class PacedDriver implements Driver {
        final List<Instant> sentAt = new CopyOnWriteArrayList<>();
        final int perMinute;

        PacedDriver(int perMinute) {
            this.perMinute = perMinute;
        }

        @Override
        public void start(DriverContext context) {
        }

        @Override
        public Duration sendDelay(OutboundMessage message) {
            Instant now = clock.instant();
            List<Instant> recent = sentAt.stream().filter(t -> t.isAfter(now.minusSeconds(60))).toList();
            return recent.size() < perMinute ? Duration.ZERO : Duration.between(now, recent.get(0).plusSeconds(60));
        }

        @Override
        public SendResult send(OutboundMessage message) {
            sentAt.add(clock.instant());
            return SendResult.OK;
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void pacingDelaysDeliveriesWithoutDroppingOrCountingAttempts() throws Exception {
        PacedDriver driver = new PacedDriver(2);
        start(driver, new RetryPolicy(3, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(1)));
        for (int i = 0; i < 5; i++) {
            store.append(null, List.of(message("t", "ops", "m" + i)), clock.instant(), Duration.ofMinutes(10));
        }
        engine.wake();

        await(() -> driver.sentAt.size() == 2);
        Thread.sleep(50);
        assertThat(driver.sentAt).hasSize(2);
        assertThat(store.stats(clock.instant()).pending()).isEqualTo(3);

        clock.advance(Duration.ofSeconds(60));
        await(() -> driver.sentAt.size() == 4);
        clock.advance(Duration.ofSeconds(60));
        await(() -> driver.sentAt.size() == 5);
        assertThat(store.deadLetters(10)).isEmpty();
        assertThat(store.stats(clock.instant()).delivered()).isEqualTo(5);
    }

    @Test
    void aSendSlowerThanTheLeaseIsNotTakenOverAndSentTwice() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<OutboundMessage> sent = new CopyOnWriteArrayList<>();
        Driver slow = new Driver() {
            @Override
            public void start(DriverContext context) {
            }

            @Override
            public SendResult send(OutboundMessage message) {
                sent.add(message);
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return SendResult.OK;
            }

            @Override
            public void stop() {
            }
        };
        start(slow, new RetryPolicy(5, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(1)));
        store.append(null, List.of(message("t", "a", "slow")), clock.instant(), Duration.ofMinutes(10));
        await(() -> sent.size() == 1);
        for (int i = 0; i < 12; i++) { // three leases of 60 s pass on the clock while the send hangs
            clock.advance(Duration.ofSeconds(15));
            Thread.sleep(40);
        }
        release.countDown();
        await(() -> store.stats(clock.instant()).pending() == 0);
        assertThat(sent).hasSize(1);
    }

    @Test
    void retryableFailureWaitsForBackoffOnTheClock() throws Exception {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Driver flaky = new Driver() {
            @Override
            public void start(DriverContext context) {
            }

            @Override
            public SendResult send(OutboundMessage message) throws DeliveryException {
                attempts.add(message.attempt());
                if (message.attempt() == 1) {
                    throw DeliveryException.retryable(DeliveryException.Reason.RATE_LIMITED, "slow down",
                            Duration.ofSeconds(30));
                }
                return SendResult.OK;
            }

            @Override
            public void stop() {
            }
        };
        start(flaky, new RetryPolicy(5, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(5)));
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> attempts.size() == 1);
        Thread.sleep(50);
        assertThat(attempts).containsExactly(1);

        clock.advance(Duration.ofSeconds(30)); // Retry-After honoured: not before 30 s
        await(() -> attempts.size() == 2);
        assertThat(attempts).containsExactly(1, 2);
    }

    @Test
    void retryableFailuresBecomeDeadLettersAfterMaxAttempts() throws Exception {
        Driver down = new Driver() {
            @Override
            public void start(DriverContext context) {
            }

            @Override
            public SendResult send(OutboundMessage message) throws DeliveryException {
                throw DeliveryException.retryable(DeliveryException.Reason.OTHER, "target down")
                        .withPlatformCode("UNAVAILABLE");
            }

            @Override
            public void stop() {
            }
        };
        start(down, new RetryPolicy(2, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(2)));
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> !store.deadLetters(1).isEmpty());
        assertThat(store.deadLetters(1).get(0).error()).isEqualTo("UNAVAILABLE: target down (gave up after 2 attempts)");
        assertThat(store.deadLetters(1).get(0).attempts()).isEqualTo(2);
    }

    /** A target that is down: every send fails retryably, naming the attempt so the last error can be told apart. */
    private static final class DownDriver implements Driver {
        final List<Integer> attempts = new CopyOnWriteArrayList<>();

        @Override
        public void start(DriverContext context) {
        }

        @Override
        public SendResult send(OutboundMessage message) throws DeliveryException {
            attempts.add(message.attempt());
            throw DeliveryException.retryable(DeliveryException.Reason.OTHER, "target down on attempt "
                    + message.attempt()).withPlatformCode("UNAVAILABLE");
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void retryableDeliveryYoungerThanMaxAgeKeepsRetrying() throws Exception {
        DownDriver down = new DownDriver();
        start(down, new RetryPolicy(100, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> down.attempts.size() == 1);

        clock.advance(Duration.ofMinutes(9).plusSeconds(58)); // past the 1 s backoff, still younger than max_age
        await(() -> down.attempts.size() == 2);
        await(() -> store.stats(clock.instant()).pending() == 1 && engine.inFlight() == 0);
        assertThat(store.deadLetters(10)).isEmpty();

        clock.advance(Duration.ofSeconds(1)); // 9 min 59 s old: one more attempt, still retrying
        await(() -> down.attempts.size() == 3);
        await(() -> store.stats(clock.instant()).pending() == 1 && engine.inFlight() == 0);
        assertThat(store.deadLetters(10)).isEmpty();
    }

    @Test
    void retryableDeliveryOlderThanMaxAgeBecomesDeadLetterWithItsLastError() throws Exception {
        DownDriver down = new DownDriver();
        start(down, new RetryPolicy(100, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> down.attempts.size() == 1);
        await(() -> store.stats(clock.instant()).pending() == 1 && engine.inFlight() == 0);

        clock.advance(Duration.ofMinutes(10)); // the second attempt fails when the delivery is exactly max_age old
        await(() -> !store.deadLetters(1).isEmpty());
        assertThat(down.attempts).containsExactly(1, 2);
        DeliveryStore.DeadLetter dead = store.deadLetters(1).get(0);
        assertThat(dead.error()).isEqualTo("UNAVAILABLE: target down on attempt 2 (gave up: older than PT10M)");
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(store.stats(clock.instant()).pending()).isZero();
    }

    @Test
    void messageContainingASecretIsBlockedAndRecorded() throws Exception {
        Secrets.register(List.of("SECabcdef123"));
        PacedDriver driver = new PacedDriver(100);
        start(driver, new RetryPolicy(3, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(1)));
        store.append(null, List.of(message("t", "ops", "the secret is SECabcdef123")), clock.instant(),
                Duration.ofMinutes(10));
        engine.wake();
        await(() -> !store.deadLetters(1).isEmpty());
        assertThat(driver.sentAt).isEmpty();
        assertThat(store.deadLetters(1).get(0).error()).startsWith("BLOCKED_SECRET");
    }

    @Test
    void backoffGrowsExponentiallyWithJitterAndRespectsRetryAfter() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(60));
        assertThat(policy.backoff(1, null, () -> 0.0)).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.backoff(1, null, () -> 0.999)).isBetween(Duration.ofMillis(990), Duration.ofSeconds(1));
        assertThat(policy.backoff(4, null, () -> 0.0)).isEqualTo(Duration.ofSeconds(4));
        assertThat(policy.backoff(20, null, () -> 0.999)).isLessThanOrEqualTo(Duration.ofSeconds(60));
        assertThat(policy.backoff(1, Duration.ofSeconds(30), () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void differentTargetsProceedIndependently() {
        Instant now = clock.instant();
        store.append(null, List.of(message("t", "a", "1"), message("t", "a", "2"), message("t", "b", "3")), now,
                Duration.ofMinutes(10));
        List<DeliveryStore.PendingDelivery> first = store.claim(10, now, Duration.ofSeconds(60));
        assertThat(first).extracting(d -> d.message().text()).containsExactly("1", "3");
        assertThat(store.claim(10, now, Duration.ofSeconds(60))).isEmpty();
        store.delivered(first.get(0), null, now);
        assertThat(store.claim(10, now, Duration.ofSeconds(60))).extracting(d -> d.message().text()).containsExactly("2");
    }
}
