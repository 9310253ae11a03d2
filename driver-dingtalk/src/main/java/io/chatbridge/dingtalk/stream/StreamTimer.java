package io.chatbridge.dingtalk.stream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The time source and timers of a {@link StreamClient}; tests pass a manual one to step through backoff waits. */
interface StreamTimer {

    /** A scheduled task that can be called off. */
    interface Scheduled {
        void cancel();
    }

    Instant now();

    /** Runs {@code task} once after {@code delay}, on a thread that must not be blocked for long. */
    Scheduled schedule(Duration delay, Runnable task);

    static StreamTimer of(ScheduledExecutorService scheduler, Clock clock) {
        return new StreamTimer() {
            @Override
            public Instant now() {
                return clock.instant();
            }

            @Override
            public Scheduled schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> future = scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
                return () -> future.cancel(false);
            }
        };
    }
}
