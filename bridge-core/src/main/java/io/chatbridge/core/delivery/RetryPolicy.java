package io.chatbridge.core.delivery;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: attempt n waits a random time between half and all of
 * {@code min(max, base * 2^(n-1))}, and never less than what the target asked for with {@code Retry-After}.
 *
 * @param maxAttempts attempts before a retryable failure becomes a dead letter
 * @param maxAge age after which a failing delivery becomes a dead letter
 * @param base wait after the first failure
 * @param max longest wait
 */
public record RetryPolicy(int maxAttempts, Duration maxAge, Duration base, Duration max) {

    /** The wait after {@code attempt} failed ({@code attempt} counts from 1). */
    public Duration backoff(int attempt, Duration retryAfter, DoubleSupplier random) {
        long baseMs = base.toMillis();
        long capMs = max.toMillis();
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long full = Math.min(capMs, baseMs << shift);
        long jittered = full / 2 + (long) (random.getAsDouble() * (full - full / 2));
        Duration wait = Duration.ofMillis(jittered);
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        return wait;
    }
}
