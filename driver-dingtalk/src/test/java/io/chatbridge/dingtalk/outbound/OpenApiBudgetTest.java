package io.chatbridge.dingtalk.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** App robot OpenAPI pacing: at most the budget in any second as DingTalk sees it, no stampede, bookings kept. */
class OpenApiBudgetTest {

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    private static final String API = "/v1.0/robot/groupMessages/send";

    /** When each call of a burst reached the stand-in: at the end of its time on the way, the latest moment. */
    private List<Long> burst(OpenApiBudget budget, int deliveries, long lateNanos) {
        return burst(budget, deliveries, lateNanos, i -> 0L);
    }

    /**
     * A burst of deliveries that come back when told to wait, like the delivery engine's postpone; call {@code i}
     * takes {@code onTheWay.applyAsLong(i)} until its answer. Returns the calls' arrivals, sorted.
     */
    private List<Long> burst(OpenApiBudget budget, int deliveries, long lateNanos, LongUnaryOperator onTheWay) {
        record Due(long at, String id, OpenApiBudget.Call answered) { }
        PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        for (int i = 0; i < deliveries; i++) {
            queue.add(new Due(0, "d" + i, null));
        }
        List<Long> arrivals = new ArrayList<>();
        int asks = 0;
        while (!queue.isEmpty()) {
            Due due = queue.poll();
            nanos.set(Math.max(nanos.get(), due.at()));
            if (due.answered() != null) {
                due.answered().close();
                continue;
            }
            Duration wait = budget.delayFor(API, due.id());
            asks++;
            if (wait.isZero()) {
                OpenApiBudget.Call call;
                try {
                    call = budget.beforeCall(API);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                long arrival = nanos.get() + onTheWay.applyAsLong(arrivals.size());
                arrivals.add(arrival);
                queue.add(new Due(arrival, null, call));
            } else {
                queue.add(new Due(nanos.get() + wait.toNanos() + lateNanos, due.id(), null));
            }
        }
        assertThat(asks).as("each delivery asks a few times, no stampede").isLessThanOrEqualTo(deliveries * 4);
        arrivals.sort(Long::compare);
        return arrivals;
    }

    private static int maxInAnySecond(List<Long> calls) {
        int max = 0;
        int start = 0;
        for (int end = 0; end < calls.size(); end++) {
            while (calls.get(end) - calls.get(start) >= Duration.ofSeconds(1).toNanos()) {
                start++;
            }
            max = Math.max(max, end - start + 1);
        }
        return max;
    }

    @Test
    void aBurstGoesOutAtTheBudgetAndNeverMoreInAnySecond() {
        OpenApiBudget budget = new OpenApiBudget(15, ticker);
        List<Long> calls = burst(budget, 300, 0);
        assertThat(calls).hasSize(300);
        assertThat(maxInAnySecond(calls)).isLessThanOrEqualTo(15);
        double seconds = (calls.get(calls.size() - 1) - calls.get(0)) / 1e9;
        assertThat(seconds).isBetween(299 / 15.0 * 1.04, 300 / 15.0 * 1.1);
    }

    @Test
    void deliveriesComingBackLateTogetherStillStayWithinTheBudget() {
        OpenApiBudget budget = new OpenApiBudget(15, ticker);
        // every postponed delivery is taken up 300 ms after its slot (a busy engine)
        List<Long> calls = burst(budget, 200, Duration.ofMillis(300).toNanos());
        assertThat(calls).hasSize(200);
        assertThat(maxInAnySecond(calls)).isLessThanOrEqualTo(15);
    }

    /** Slots are a tenth of a second and the margin apart at 10 calls a second: 1,050 ms / 10. */
    private static final Duration SLOT_AT_10 = Duration.ofMillis((1000 + OpenApiBudget.MARGIN_MILLIS) / 10);

    @Test
    void callsThatTakeLongerOnTheirWayStillReachDingTalkWithinTheBudgetInEverySecond() {
        OpenApiBudget budget = new OpenApiBudget(15, ticker);
        // fifteen calls take 300 ms to reach DingTalk and answer, the next fifteen none, and so on: counted from
        // their start only, a slow fifteen and the first of the next would reach DingTalk within one second
        long slow = Duration.ofMillis(300).toNanos();
        List<Long> arrivals = burst(budget, 300, 0, i -> (i / 15) % 2 == 0 ? slow : 0);
        assertThat(arrivals).hasSize(300);
        assertThat(maxInAnySecond(arrivals)).isLessThanOrEqualTo(15);
    }

    @Test
    void aCallCountsUntilOneSecondAfterItsAnswer() throws InterruptedException {
        OpenApiBudget budget = new OpenApiBudget(2, ticker);
        OpenApiBudget.Call first = budget.beforeCall(API);
        nanos.set(Duration.ofMillis(500).toNanos());
        OpenApiBudget.Call second = budget.beforeCall(API);
        nanos.set(Duration.ofMillis(900).toNanos());
        first.close();
        nanos.set(Duration.ofMillis(950).toNanos());
        second.close();
        nanos.set(Duration.ofMillis(1200).toNanos());
        // counted from its start only, the first call would be a second old now
        assertThat(budget.delayFor(API, "third")).isEqualTo(Duration.ofMillis(700));
        nanos.set(Duration.ofMillis(1900).toNanos());
        assertThat(budget.delayFor(API, "third")).isZero();
    }

    @Test
    void aCallWithoutAnAnswerStopsCountingOnceItIsOlderThanAnySdkTimeout() throws InterruptedException {
        OpenApiBudget budget = new OpenApiBudget(1, ticker);
        budget.beforeCall(API); // never closed
        assertThat(budget.delayFor(API, "next")).isPositive();
        nanos.set(OpenApiBudget.CALL_LIMIT_NANOS + Duration.ofSeconds(1).toNanos());
        assertThat(budget.delayFor(API, "next")).isZero();
    }

    @Test
    void aBookedDeliveryKeepsItsSlot() {
        OpenApiBudget budget = new OpenApiBudget(10, ticker);
        assertThat(budget.delayFor(API, "first")).isZero();
        Duration second = budget.delayFor(API, "second");
        assertThat(second).isEqualTo(SLOT_AT_10);
        Duration third = budget.delayFor(API, "third");
        assertThat(third).isEqualTo(SLOT_AT_10.multipliedBy(2));
        // asking again before its slot does not book another one
        assertThat(budget.delayFor(API, "second")).isEqualTo(SLOT_AT_10);
        nanos.addAndGet(SLOT_AT_10.toNanos());
        assertThat(budget.delayFor(API, "second")).isZero();
        assertThat(budget.delayFor(API, "third")).isEqualTo(SLOT_AT_10);
    }

    @Test
    void eachApiHasItsOwnBudgetAndSharingInstancesGetTheLowerOne() {
        OpenApiBudget budget = new OpenApiBudget(20, ticker);
        budget.limitTo(10);
        budget.limitTo(50);
        assertThat(budget.callsPerSecond()).isEqualTo(10);
        assertThat(budget.delayFor(API, "a")).isZero();
        assertThat(budget.delayFor("/v1.0/robot/oToMessages/batchSend", "b")).isZero();
        assertThat(budget.delayFor(API, "c")).isEqualTo(SLOT_AT_10);
    }
}
