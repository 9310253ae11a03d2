package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.testing.FailingStore;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.SendResult;
import io.chatbridge.testkit.MutableClock;
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
        start(driver, policy, Duration.ofSeconds(60));
    }

    private void start(Driver driver, RetryPolicy policy, Duration lease) {
        engine = new DeliveryEngine(store, Map.of("t", driver), policy, clock, 4, lease, Duration.ofMillis(5));
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

    /** Records each message, then holds its send until {@link #release} is counted down. */
    private static final class BlockingDriver implements Driver {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final List<OutboundMessage> sent = new CopyOnWriteArrayList<>();

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
    }

    @Test
    void aSendSlowerThanTheLeaseIsNotTakenOverAndSentTwice() throws Exception {
        BlockingDriver slow = new BlockingDriver();
        java.util.concurrent.CountDownLatch release = slow.release;
        List<OutboundMessage> sent = slow.sent;
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

    /** One worker and no polling to speak of (20 s): only the engine's wake-ups make it claim promptly. */
    private void startOneWorkerWithoutPolling(Driver driver) {
        engine = new DeliveryEngine(store, Map.of("t", driver),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(1)), clock, 1,
                Duration.ofSeconds(60), Duration.ofMinutes(1));
        engine.start();
    }

    @Test
    void anAppendToAnIdleEngineIsSentAtOnceNotAtTheNextPoll() throws Exception {
        RecordingDriver driver = new RecordingDriver();
        startOneWorkerWithoutPolling(driver);
        Thread.sleep(100); // the dispatcher found nothing and waits for its next poll in 20 s
        store.append(null, List.of(message("t", "a", "now")), clock.instant(), Duration.ofMinutes(10));
        engine.appended();
        await(() -> driver.sent.size() == 1);
    }

    @Test
    void aMessageAppendedWhileEveryWorkerIsBusyIsSentAsSoonAsOneIsFree() throws Exception {
        BlockingDriver slow = new BlockingDriver();
        startOneWorkerWithoutPolling(slow);
        store.append(null, List.of(message("t", "a", "first")), clock.instant(), Duration.ofMinutes(10));
        engine.appended();
        await(() -> slow.sent.size() == 1);
        // another queue, so the worker does not take it along with its own: the dispatcher must claim it
        store.append(null, List.of(message("t", "b", "second")), clock.instant(), Duration.ofMinutes(10));
        engine.appended(); // every worker is busy: no wake-up now
        slow.release.countDown();
        await(() -> slow.sent.size() == 2);
        assertThat(slow.sent).extracting(OutboundMessage::text).containsExactly("first", "second");
    }

    @Test
    void aSendFinishingWhileTheEngineStopsTakesNothingMoreAndLeavesTheNextOneUnclaimed() throws Exception {
        BlockingDriver slow = new BlockingDriver();
        start(slow, new RetryPolicy(5, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(1)));
        store.append(null, List.of(message("t", "a", "first")), clock.instant(), Duration.ofMinutes(10));
        store.append(null, List.of(message("t", "a", "second")), clock.instant(), Duration.ofMinutes(10));
        await(() -> slow.sent.size() == 1);
        Thread stopping = new Thread(() -> engine.stop(Duration.ofSeconds(10)));
        stopping.start();
        Thread.sleep(100); // stop() has begun and waits for the send in flight
        slow.release.countDown();
        stopping.join(10_000);

        assertThat(slow.sent).extracting(OutboundMessage::text).containsExactly("first");
        assertThat(store.stats(clock.instant()).delivered()).isEqualTo(1);
        assertThat(store.claim(10, clock.instant(), Duration.ofSeconds(60))).as("claimable at once, no lease to wait")
                .extracting(d -> d.message().text()).containsExactly("second");
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
        // the retry is recorded after the send, with the time then: let it be recorded before the clock jumps
        await(() -> store.stats(clock.instant()).pending() == 1 && engine.inFlight() == 0);

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

    /** A driver whose send takes {@code took} on the injected clock and then fails retryably. */
    private final class SlowFailingDriver implements Driver {
        final List<Instant> startedAt = new CopyOnWriteArrayList<>();
        final Duration took;

        SlowFailingDriver(Duration took) {
            this.took = took;
        }

        @Override
        public void start(DriverContext context) {
        }

        @Override
        public SendResult send(OutboundMessage message) throws DeliveryException {
            startedAt.add(clock.instant());
            clock.advance(took); // e.g. a request timing out
            throw DeliveryException.retryable("TIMEOUT", "no answer within " + took.toSeconds() + " s");
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void aRetryAfterASlowFailedSendWaitsItsBackoffCountedFromTheEndOfTheSend() throws Exception {
        SlowFailingDriver driver = new SlowFailingDriver(Duration.ofSeconds(30));
        // backoff between 5 and 10 s after each failure
        start(driver, new RetryPolicy(10, Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(10)));
        Instant t0 = clock.instant();
        store.append(null, List.of(message("t", "ops", "x")), t0, Duration.ofMinutes(10));
        engine.wake();
        await(() -> driver.startedAt.size() == 1);
        await(() -> engine.inFlight() == 0);
        Thread.sleep(100);
        assertThat(driver.startedAt).as("not retried at once at 30 s: the backoff starts when the send ended")
                .containsExactly(t0);

        clock.advance(Duration.ofSeconds(10));
        await(() -> driver.startedAt.size() == 2);
        assertThat(Duration.between(driver.startedAt.get(0), driver.startedAt.get(1)))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(35));
    }

    @Test
    void aDeliveryThatGrewOlderThanMaxAgeDuringItsSendIsGivenUpAfterIt() throws Exception {
        SlowFailingDriver driver = new SlowFailingDriver(Duration.ofSeconds(70));
        // the send moves the fake clock 70 s at once, with no chance for the dispatcher to renew a 60-s lease
        // (it does every 20 s in real time): its next claim, reading the clock after the jump, would take the
        // delivery over and send it a second time. So here the claim outlasts the send.
        start(driver, new RetryPolicy(10, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                Duration.ofMinutes(5));
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> !store.deadLetters(1).isEmpty());
        assertThat(driver.startedAt).hasSize(1);
        assertThat(store.deadLetters(1).get(0).error())
                .isEqualTo("TIMEOUT: no answer within 70 s (gave up: older than PT1M)");
    }

    /** Counts sends and the threads they ran on; {@code firstThrows} makes the first send throw it. */
    private static final class RecordingDriver implements Driver {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        volatile Throwable firstThrows;

        @Override
        public void start(DriverContext context) {
        }

        @Override
        public SendResult send(OutboundMessage message) {
            threads.add(Thread.currentThread().getName());
            Throwable t = firstThrows;
            if (t != null) {
                firstThrows = null;
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
            sent.add(message.text());
            return new SendResult("id-" + message.text());
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void aStoreFailureRecordingASentDeliveryIsRetriedAsAStoreWriteNeverAsASecondSend() throws Exception {
        FailingStore failing = new FailingStore(store).failNext("deliveredAndClaimNext", 3);
        RecordingDriver driver = new RecordingDriver();
        engine = new DeliveryEngine(failing.store(), Map.of("t", driver),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(1)), clock, 2,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.storeRetryDelays(Duration.ofMillis(5), Duration.ofMillis(20));
        engine.start();
        store.append(null, List.of(message("t", "ops", "once")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();

        await(() -> store.stats(clock.instant()).pending() == 0);
        assertThat(failing.calls("deliveredAndClaimNext")).isEqualTo(4);
        assertThat(driver.sent).containsExactly("once");
        assertThat(store.stats(clock.instant()).delivered()).isEqualTo(1);
        assertThat(store.deadLetters(10)).isEmpty();
    }

    @Test
    void aWorkerSendsTheQueueBehindADeliveryItselfAtMostMaxChainInARowAndInOrder() throws Exception {
        FailingStore counting = new FailingStore(store);
        RecordingDriver driver = new RecordingDriver();
        engine = new DeliveryEngine(counting.store(), Map.of("t", driver),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(1)), clock, 1,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        List<DeliveryStore.Append> appends = new java.util.ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            appends.add(new DeliveryStore.Append(null, List.of(message("t", "ops", "m" + i))));
        }
        store.appendAsync(appends, clock.instant(), Duration.ofMinutes(10)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        engine.start();

        await(() -> store.stats(clock.instant()).pending() == 0);
        assertThat(driver.sent).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> "m" + i).toList());
        assertThat(counting.calls("deliveredAndClaimNext")).as("sends that took the next one with them")
                .isEqualTo(18);
        assertThat(counting.calls("deliveredParts")).as("every " + DeliveryEngine.MAX_CHAIN
                + "th goes back to the dispatcher").isEqualTo(2);
    }

    /** Lease renewals fail too, and a failed renewal skips the claim: the lapsed lease is never taken over. */
    @Test
    void aStoreDownLongerThanTheLeaseStillNeverSendsARecordedSendAgain() throws Exception {
        FailingStore failing = new FailingStore(store).fail("deliveredAndClaimNext").fail("renew");
        RecordingDriver driver = new RecordingDriver();
        engine = new DeliveryEngine(failing.store(), Map.of("t", driver),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(1)), clock, 2,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.storeRetryDelays(Duration.ofMillis(20), Duration.ofMillis(50));
        engine.start();
        store.append(null, List.of(message("t", "ops", "once")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> failing.calls("deliveredAndClaimNext") >= 2);
        clock.advance(Duration.ofMinutes(3)); // three leases pass while the store is down
        Thread.sleep(100);
        failing.heal();

        await(() -> store.stats(clock.instant()).pending() == 0);
        Thread.sleep(100);
        assertThat(driver.sent).containsExactly("once");
        assertThat(store.stats(clock.instant()).delivered()).isEqualTo(1);
    }

    @Test
    void aStoreFailureReschedulingAFailedSendIsRetriedAndTheWorkerSurvives() throws Exception {
        FailingStore failing = new FailingStore(store).failNext("retryLater", 2);
        DownDriver down = new DownDriver();
        engine = new DeliveryEngine(failing.store(), Map.of("t", down),
                new RetryPolicy(2, Duration.ofHours(1), Duration.ZERO, Duration.ZERO), clock, 1,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.storeRetryDelays(Duration.ofMillis(5), Duration.ofMillis(20));
        engine.start();
        store.append(null, List.of(message("t", "ops", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        await(() -> !store.deadLetters(1).isEmpty());
        assertThat(down.attempts).containsExactly(1, 2);
        assertThat(failing.calls("retryLater")).isEqualTo(3);
    }

    @Test
    void aWorkerSurvivesADriverThrowingAnErrorAndTheNextDeliveryGoesOutOnIt() throws Exception {
        RecordingDriver driver = new RecordingDriver();
        driver.firstThrows = new AssertionError("driver bug");
        engine = new DeliveryEngine(store, Map.of("t", driver),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ZERO, Duration.ZERO), clock, 1,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.start();
        store.append(null, List.of(message("t", "a", "first")), clock.instant(), Duration.ofMinutes(10));
        store.append(null, List.of(message("t", "b", "second")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();

        await(() -> driver.sent.size() == 2);
        assertThat(driver.sent).containsExactlyInAnyOrder("first", "second");
        assertThat(driver.threads).as("one worker, never replaced").containsOnly("delivery-1");
        assertThat(store.deadLetters(10)).isEmpty();
    }

    @Test
    void stopWaitsOneDeadlineForTheDispatcherAndTheWorkersTogether() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch sending = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch claiming = new java.util.concurrent.CountDownLatch(1);
        Driver hanging = new Driver() {
            @Override
            public void start(DriverContext context) {
            }

            @Override
            public SendResult send(OutboundMessage message) {
                sending.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return SendResult.OK;
            }

            @Override
            public void stop() {
            }
        };
        // the dispatcher hangs in the store (a stuck database) once the send is under way
        DeliveryStore stuck = (DeliveryStore) java.lang.reflect.Proxy.newProxyInstance(
                DeliveryStore.class.getClassLoader(), new Class<?>[] {DeliveryStore.class}, (p, m, args) -> {
                    if (sending.getCount() == 0 && m.getName().equals("nextDue")) {
                        claiming.countDown();
                        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                        while (System.nanoTime() < until) {
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                // a stuck database call does not answer interrupts either
                            }
                        }
                    }
                    return m.invoke(store, args);
                });
        engine = new DeliveryEngine(stuck, Map.of("t", hanging),
                new RetryPolicy(5, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(1)), clock, 2,
                Duration.ofSeconds(60), Duration.ofMillis(5));
        engine.start();
        store.append(null, List.of(message("t", "a", "x")), clock.instant(), Duration.ofMinutes(10));
        engine.wake();
        claiming.await();

        long begin = System.nanoTime();
        engine.stop(Duration.ofMillis(800));
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        engine = null;
        assertThat(took).as("one deadline of 800 ms, not 800 ms for the dispatcher and 800 ms more for the workers")
                .isLessThan(Duration.ofMillis(1400));
        never.countDown();
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
