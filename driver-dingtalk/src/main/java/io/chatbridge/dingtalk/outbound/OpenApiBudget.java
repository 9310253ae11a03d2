package io.chatbridge.dingtalk.outbound;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Paces the app robot OpenAPI calls of one app (one {@code app_key}) per API, so that a burst of messages goes out
 * at the budget instead of collecting {@code QpsLimit} throttling answers (DingTalk allows about 20 calls a second
 * per app and API). Shared by every instance of the process that uses the same app key.
 *
 * <p>Calls are booked on slots spaced evenly, {@code window / budget} apart, where the window is one second plus a
 * margin of {@value #MARGIN_MILLIS} ms: the time a call is counted here is not the time DingTalk counts it (the
 * request is still on its way), and two calls a second apart here may arrive less than a second apart there when the
 * first one took longer on the way. Counting over a slightly longer window keeps the calls DingTalk sees within the
 * budget in every second, for up to {@value #MARGIN_MILLIS} ms of such jitter, at the price of a burst taking
 * 5% longer than the budget alone would allow. A delivery books the next free slot the first
 * time it asks ({@link #delayFor}) and keeps it: when it comes back at its slot it goes, so waiting deliveries
 * neither stampede nor lose their place. On top, the calls actually made in the last window are counted right
 * before each call ({@link #beforeCall}), so deliveries coming back late together, or a send that makes several
 * calls, still never make more than the budget in any window. Bookings not used within a minute are dropped (the
 * delivery was sent elsewhere, or its process stopped).
 */
public final class OpenApiBudget {

    private static final long BOOKING_TTL_NANOS = Duration.ofMinutes(1).toNanos();
    /** How much longer than a second the window is counted over (jitter between our clock and DingTalk's). */
    static final int MARGIN_MILLIS = 50;
    private static final long WINDOW_NANOS = Duration.ofSeconds(1).plusMillis(MARGIN_MILLIS).toNanos();

    private final Ticker ticker;
    private volatile int budget;
    private volatile long intervalNanos;
    private final Map<String, Api> apis = new HashMap<>();

    /** A budget of {@code callsPerSecond} per API. */
    public OpenApiBudget(int callsPerSecond, Ticker ticker) {
        if (callsPerSecond < 1) {
            throw new IllegalArgumentException("callsPerSecond must be at least 1, was " + callsPerSecond);
        }
        this.ticker = ticker;
        this.budget = callsPerSecond;
        this.intervalNanos = WINDOW_NANOS / callsPerSecond;
    }

    /** Lowers the budget to {@code callsPerSecond} when that is less (instances sharing an app key). */
    public synchronized void limitTo(int callsPerSecond) {
        if (callsPerSecond < budget) {
            budget = callsPerSecond;
            intervalNanos = WINDOW_NANOS / callsPerSecond;
            apis.clear();
        }
    }

    /** The calls per second allowed per API. */
    public int callsPerSecond() {
        return budget;
    }

    /**
     * How long delivery {@code deliveryId} must wait before its call to {@code api}: zero means go now (the slot is
     * taken); otherwise the delivery's booked slot is that far away.
     */
    public synchronized Duration delayFor(String api, String deliveryId) {
        long now = ticker.read();
        Api state = apis.computeIfAbsent(api, k -> new Api(callsPerSecond()));
        state.expire(now);
        Long booked = deliveryId == null ? null : state.bookings.get(deliveryId);
        if (booked == null) {
            booked = Math.max(now, state.nextFree);
            state.nextFree = booked + intervalNanos;
            if (booked > now && deliveryId != null) {
                state.bookings.put(deliveryId, booked);
            }
        }
        if (booked > now) {
            return Duration.ofNanos(booked - now);
        }
        long windowFree = state.oldestInWindow() + WINDOW_NANOS;
        if (windowFree > now) {
            if (deliveryId != null) {
                state.bookings.put(deliveryId, windowFree);
            }
            return Duration.ofNanos(windowFree - now);
        }
        if (deliveryId != null) {
            state.bookings.remove(deliveryId);
        }
        return Duration.ZERO;
    }

    /**
     * Counts one call to {@code api} about to be made, first waiting while the last window already holds the
     * budget's calls. Called by the sender right before each OpenAPI call; blocks the delivery worker only when
     * deliveries came back late together or one send makes several calls (20 users per batchSend, message parts).
     */
    public void beforeCall(String api) throws InterruptedException {
        while (true) {
            long wait;
            synchronized (this) {
                long now = ticker.read();
                Api state = apis.computeIfAbsent(api, k -> new Api(callsPerSecond()));
                wait = state.oldestInWindow() + WINDOW_NANOS - now;
                if (wait <= 0) {
                    state.record(now);
                    return;
                }
            }
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** The pacing state of one API. */
    private static final class Api {
        private long nextFree = Long.MIN_VALUE;
        private final Map<String, Long> bookings = new HashMap<>();
        /** When the last {@code budget} calls were made, oldest at {@code next}. */
        private final long[] recent;
        private int next;

        Api(int budget) {
            recent = new long[Math.max(1, budget)];
            java.util.Arrays.fill(recent, Long.MIN_VALUE / 2);
        }

        long oldestInWindow() {
            return recent[next];
        }

        void record(long now) {
            recent[next] = now;
            next = (next + 1) % recent.length;
        }

        void expire(long now) {
            for (Iterator<Long> it = bookings.values().iterator(); it.hasNext(); ) {
                if (now - it.next() > BOOKING_TTL_NANOS) {
                    it.remove();
                }
            }
        }
    }
}
