package io.chatbridge.dingtalk.outbound;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Paces the app robot OpenAPI calls of one app (one {@code app_key}) per API, so that a burst of messages goes out
 * at the budget instead of collecting {@code QpsLimit} throttling answers (DingTalk allows about 20 calls a second
 * per app and API). Shared by every instance of the process that uses the same app key.
 *
 * <p>Calls are booked on slots spaced evenly, {@code 1.05 s / budget} apart (the margin covers the time calls take). A delivery books the next free slot the first
 * time it asks ({@link #delayFor}) and keeps it: when it comes back at its slot it goes, so waiting deliveries
 * neither stampede nor lose their place. Bookings not used within a minute are dropped (the delivery was sent
 * elsewhere, or its process stopped).
 *
 * <p>On top, every call is counted right before it is made ({@link #beforeCall}) from then until one second after
 * its answer came back ({@link Call#close}), and a call waits while the budget's number of calls count. DingTalk
 * counts a call when the request reaches it, at some moment between the two: counting from the start alone, a call
 * that took longer on its way and the calls that start a second after it would reach DingTalk within one second,
 * one too many. So no second, as DingTalk sees it, holds more than the budget, however the time on the way varies
 * (deliveries coming back late together, a worker paused, a send that makes several calls). A delivery that finds
 * its place still taken at its slot is given the next free one.
 */
public final class OpenApiBudget {

    private static final long BOOKING_TTL_NANOS = Duration.ofMinutes(1).toNanos();
    private static final long SECOND_NANOS = Duration.ofSeconds(1).toNanos();
    /** How much longer than a second {@code budget} slots span (the time calls take on their way). */
    static final int MARGIN_MILLIS = 50;
    private static final long WINDOW_NANOS = SECOND_NANOS + Duration.ofMillis(MARGIN_MILLIS).toNanos();
    /** A call without an answer for this long (the SDK's timeouts are far shorter) is counted as ended. */
    static final long CALL_LIMIT_NANOS = Duration.ofMinutes(2).toNanos();

    private final Ticker ticker;
    private volatile int budget;
    private final Map<String, Api> apis = new HashMap<>();

    /** A budget of {@code callsPerSecond} per API. */
    public OpenApiBudget(int callsPerSecond, Ticker ticker) {
        if (callsPerSecond < 1) {
            throw new IllegalArgumentException("callsPerSecond must be at least 1, was " + callsPerSecond);
        }
        this.ticker = ticker;
        this.budget = callsPerSecond;
    }

    /** Lowers the budget to {@code callsPerSecond} when that is less (instances sharing an app key). */
    public synchronized void limitTo(int callsPerSecond) {
        if (callsPerSecond >= 1 && callsPerSecond < budget) {
            budget = callsPerSecond;
            // the calls in flight or answered in the last second still count; the slots are booked anew
            apis.values().forEach(Api::rebook);
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
        Api state = api(api);
        state.expire(now);
        Long booked = deliveryId == null ? null : state.bookings.get(deliveryId);
        if (booked == null) {
            booked = Math.max(now, state.nextFree);
            state.nextFree = booked + interval();
            if (booked > now && deliveryId != null) {
                state.bookings.put(deliveryId, booked);
            }
        }
        if (booked > now) {
            return Duration.ofNanos(booked - now);
        }
        long windowFree = state.freeAt(now, budget);
        if (windowFree > now) {
            // calls took longer than the slots allow: the next free places go to the deliveries turned away, one
            // slot apart in the order they came, and later bookings come after them
            long rebooked = Math.max(windowFree, state.lastRebooked + interval());
            state.lastRebooked = rebooked;
            state.nextFree = Math.max(state.nextFree, rebooked + interval());
            if (deliveryId != null) {
                state.bookings.put(deliveryId, rebooked);
            }
            return Duration.ofNanos(rebooked - now);
        }
        if (deliveryId != null) {
            state.bookings.remove(deliveryId);
        }
        return Duration.ZERO;
    }

    /**
     * Counts one call to {@code api} about to be made, first waiting while the budget's number of calls are in
     * flight or answered less than a second ago. Called by the sender right before each OpenAPI call, which
     * {@linkplain Call#close closes} the returned call when the answer (or a failure) came back; blocks the delivery
     * worker only when deliveries came back late together or one send makes several calls (20 users per
     * batchSend, message parts).
     */
    public Call beforeCall(String api) throws InterruptedException {
        synchronized (this) {
            while (true) {
                long now = ticker.read();
                Api state = api(api);
                long wait = state.freeAt(now, budget) - now;
                if (wait <= 0) {
                    Call call = new Call(this, now);
                    state.calls.add(call);
                    return call;
                }
                long millis = Math.max(1, wait / 1_000_000);
                wait(millis);
            }
        }
    }

    /**
     * The time between two slots: a second and a margin of {@value #MARGIN_MILLIS} ms, divided by the budget, so
     * that calls taking up to that long on their way rarely find their place still taken at their slot.
     */
    private long interval() {
        return WINDOW_NANOS / budget;
    }

    private Api api(String api) {
        return apis.computeIfAbsent(api, k -> new Api());
    }

    private synchronized void ended(Call call) {
        if (call.end == Long.MAX_VALUE) {
            call.end = ticker.read();
            notifyAll();
        }
    }

    /** One OpenAPI call, counted until one second after its answer. */
    public static final class Call implements AutoCloseable {
        /** A call nothing paces (no budget configured); closing it does nothing. */
        public static final Call UNPACED = new Call(null, 0);

        private final OpenApiBudget budget;
        private final long start;
        /** When its answer came back; {@code Long.MAX_VALUE} while it is in flight. Guarded by the budget. */
        private long end = Long.MAX_VALUE;

        private Call(OpenApiBudget budget, long start) {
            this.budget = budget;
            this.start = start;
        }

        /** The answer came back (or the call failed): the call counts for one more second from now. */
        @Override
        public void close() {
            if (budget != null) {
                budget.ended(this);
            }
        }
    }

    /** The pacing state of one API. */
    private static final class Api {
        private long nextFree = Long.MIN_VALUE;
        private long lastRebooked = Long.MIN_VALUE / 2;
        private final Map<String, Long> bookings = new HashMap<>();
        /** The calls in flight or answered less than a second ago. */
        private final List<Call> calls = new ArrayList<>();

        /**
         * The earliest time from {@code now} at which fewer than {@code budget} calls count: exact when answered
         * calls free the place, a lower bound when a call still in flight must (it frees its place a second after
         * an answer that has not come yet; the answer wakes whoever waits in {@link #beforeCall}).
         */
        long freeAt(long now, int budget) {
            if (calls.size() < budget) {
                return now;
            }
            List<Long> frees = new ArrayList<>(calls.size());
            for (Iterator<Call> it = calls.iterator(); it.hasNext(); ) {
                Call call = it.next();
                long end = call.end != Long.MAX_VALUE ? call.end
                        : now - call.start > CALL_LIMIT_NANOS ? call.start + CALL_LIMIT_NANOS : now;
                if (now - end >= SECOND_NANOS) {
                    it.remove();
                } else {
                    frees.add(end + SECOND_NANOS);
                }
            }
            int over = calls.size() - budget;
            if (over < 0) {
                return now;
            }
            frees.sort(Long::compare);
            return frees.get(over);
        }

        void rebook() {
            bookings.clear();
            nextFree = Long.MIN_VALUE;
            lastRebooked = Long.MIN_VALUE / 2;
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
