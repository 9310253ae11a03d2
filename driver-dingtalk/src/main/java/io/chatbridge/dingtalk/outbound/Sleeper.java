package io.chatbridge.dingtalk.outbound;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waits; replaced in tests by one that advances a fake clock instead. */
@FunctionalInterface
public interface Sleeper {

    /** Really sleeps. */
    Sleeper SYSTEM = duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());

    /** Waits for {@code duration} (returns at once for zero or negative durations). */
    void sleep(Duration duration) throws InterruptedException;
}
