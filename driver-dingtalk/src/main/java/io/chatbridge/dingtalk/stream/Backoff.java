package io.chatbridge.dingtalk.stream;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Waits between reconnect attempts: 1 s doubling up to 60 s, each spread by ±20 % jitter so replicas that lost
 * their connections together do not come back in step; {@link #reset()} after a healthy connection.
 */
final class Backoff {

    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofSeconds(60);
    static final double JITTER = 0.2;

    private final DoubleSupplier random;
    private int failures;

    /** @param random uniform in [0, 1); tests pass a constant 0.5 for waits without jitter */
    Backoff(DoubleSupplier random) {
        this.random = random;
    }

    /** The wait before the next attempt; each call counts one more failure. */
    Duration next() {
        long base = Math.min(MAX.toMillis(), FIRST.toMillis() << Math.min(failures, 16));
        failures++;
        return jittered(base);
    }

    /** A wait of about {@code base}, with the same jitter. */
    Duration jittered(long baseMillis) {
        double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(baseMillis * factor));
    }

    /** Failures since the last reset. */
    int failures() {
        return failures;
    }

    void reset() {
        failures = 0;
    }
}
