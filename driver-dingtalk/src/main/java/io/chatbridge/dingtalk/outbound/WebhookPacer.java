package io.chatbridge.dingtalk.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps one custom robot under its rate (DingTalk: 20 messages per minute; going over throttles the robot for ten
 * minutes) by delaying sends, never dropping them. A sliding window: no {@code window} ever holds more than
 * {@code limit} granted slots. Slots are granted in order and may lie in the future; the caller waits until its
 * slot. Thread-safe; time comes only from the arguments, so tests drive it with a fake clock.
 */
public final class WebhookPacer {

    private final int limit;
    private final Duration window;
    /** The last {@code limit} granted slots, oldest first. */
    private final Deque<Instant> granted = new ArrayDeque<>();

    public WebhookPacer(int limit, Duration window) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        this.limit = limit;
        this.window = window;
    }

    /** A pacer for {@code perMinute} messages per minute. */
    public static WebhookPacer perMinute(int perMinute) {
        return new WebhookPacer(perMinute, Duration.ofMinutes(1));
    }

    /** The most sends granted in one window. */
    public int limit() {
        return limit;
    }

    /** How long a send starting at {@code now} would have to wait, without reserving anything. */
    public synchronized Duration delayFor(Instant now) {
        return Duration.between(now, nextSlot(now));
    }

    /**
     * Reserves the next free slot and returns how long the caller must wait from {@code now} before sending
     * ({@link Duration#ZERO} when it may send at once).
     */
    public synchronized Duration acquire(Instant now) {
        Instant slot = nextSlot(now);
        granted.addLast(slot);
        while (granted.size() > limit) {
            granted.removeFirst();
        }
        return Duration.between(now, slot);
    }

    private Instant nextSlot(Instant now) {
        if (granted.size() < limit) {
            return latest(now, granted.peekLast());
        }
        // the slot `limit` sends back must have left the window
        Instant free = granted.peekFirst().plus(window);
        return latest(latest(now, free), granted.peekLast());
    }

    private static Instant latest(Instant a, Instant b) {
        return b == null || a.isAfter(b) ? a : b;
    }
}
