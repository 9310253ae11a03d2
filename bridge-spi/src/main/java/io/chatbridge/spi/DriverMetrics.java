package io.chatbridge.spi;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Where a driver reports its own metrics (token fetches, pacing waits, reconnects...), exposed by the bridge in
 * Prometheus format next to its own. Obtained from {@link DriverContext#metrics()}; every method may be called from
 * any thread, as often as the event happens, and never throws.
 *
 * <p>Names are lower-case words joined by {@code _} ({@code token_fetches}); the bridge prefixes them with
 * {@code chatbridge_driver_} and adds the labels {@code platform} and {@code instance_id}. Tags are label name/value
 * pairs ({@code "outcome", "failed"}); their values must come from a small, fixed set (an outcome, an error code),
 * never a message, user or conversation id: the bridge keeps at most 100 label combinations per name and counts
 * further ones under {@code other}.
 */
public interface DriverMetrics {

    /** Metrics that go nowhere: the default of {@link DriverContext#metrics()}. */
    DriverMetrics NONE = new DriverMetrics() {
        @Override
        public void increment(String name, String... tags) {
        }

        @Override
        public void record(String name, Duration duration, String... tags) {
        }

        @Override
        public void gauge(String name, Supplier<? extends Number> value, String... tags) {
        }
    };

    /** Counts one event of {@code name} (exposed as {@code chatbridge_driver_<name>_total}). */
    void increment(String name, String... tags);

    /** Records how long something took (exposed as a summary {@code chatbridge_driver_<name>_seconds}). */
    void record(String name, Duration duration, String... tags);

    /**
     * Registers a value read at each scrape (e.g. a queue length); registering the same name and tags again
     * replaces the supplier. The supplier must be cheap and must not block.
     */
    void gauge(String name, Supplier<? extends Number> value, String... tags);
}
