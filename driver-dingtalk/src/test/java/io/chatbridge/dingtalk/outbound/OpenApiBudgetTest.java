package io.chatbridge.dingtalk.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** App robot OpenAPI pacing: at most the budget in any second, no stampede, bookings kept. */
class OpenApiBudgetTest {

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    private static final String API = "/v1.0/robot/groupMessages/send";

    /** A burst of deliveries that come back when told to wait, like the delivery engine's postpone. */
    private List<Long> burst(OpenApiBudget budget, int deliveries, long lateNanos) {
        record Due(long at, String id) { }
        PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        for (int i = 0; i < deliveries; i++) {
            queue.add(new Due(0, "d" + i));
        }
        List<Long> calls = new ArrayList<>();
        int asks = 0;
        while (!queue.isEmpty()) {
            Due due = queue.poll();
            nanos.set(Math.max(nanos.get(), due.at()));
            Duration wait = budget.delayFor(API, due.id());
            asks++;
            if (wait.isZero()) {
                try {
                    budget.beforeCall(API);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                calls.add(nanos.get());
            } else {
                queue.add(new Due(nanos.get() + wait.toNanos() + lateNanos, due.id()));
            }
        }
        assertThat(asks).as("each delivery asks a few times, no stampede").isLessThanOrEqualTo(deliveries * 4);
        return calls;
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

    /** Slots are a tenth of the counted window apart at 10 calls a second: 1,050 ms / 10. */
    private static final Duration SLOT_AT_10 = Duration.ofMillis((1000 + OpenApiBudget.MARGIN_MILLIS) / 10);

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
    void callsArrivingUpToTheMarginLateStillStayWithinTheBudgetInEverySecondOnTheServer() {
        OpenApiBudget budget = new OpenApiBudget(15, ticker);
        List<Long> calls = burst(budget, 300, 0);
        // the server sees every other call 50 ms later than it was counted here (a slower path on the way)
        List<Long> arrivals = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            arrivals.add(calls.get(i) + (i % 2 == 0 ? Duration.ofMillis(OpenApiBudget.MARGIN_MILLIS).toNanos() : 0));
        }
        arrivals.sort(Long::compare);
        assertThat(maxInAnySecond(arrivals)).isLessThanOrEqualTo(15);
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
