package io.chatbridge.dingtalk.stream;

import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.DriverMetrics;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.testkit.TestDriverContext;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A {@link TestDriverContext} that also keeps every health report and every metric reported. */
final class RecordingContext extends TestDriverContext {

    private final List<DriverHealth> health = new CopyOnWriteArrayList<>();
    private final List<String> increments = new CopyOnWriteArrayList<>();
    private final DriverMetrics metrics = new DriverMetrics() {
        @Override
        public void increment(String name, String... tags) {
            increments.add(name + String.join(",", tags));
        }

        @Override
        public void record(String name, Duration duration, String... tags) {
        }

        @Override
        public void gauge(String name, Supplier<? extends Number> value, String... tags) {
        }
    };

    RecordingContext() {
        super(instanceConfig());
    }

    private static DriverConfig instanceConfig() {
        List<ConfigProblem> problems = new ArrayList<>();
        return TestDriverContext.config("dingtalk", "dt", Map.of(), problems, List.of());
    }

    @Override
    public void reportHealth(DriverHealth report) {
        health.add(report);
    }

    @Override
    public DriverMetrics metrics() {
        return metrics;
    }

    /** Every {@code increment}, as {@code name} followed by its tags joined with commas, in order. */
    List<String> increments() {
        return List.copyOf(increments);
    }

    List<DriverHealth> health() {
        return List.copyOf(health);
    }

    DriverHealth lastHealth() {
        return health.isEmpty() ? null : health.get(health.size() - 1);
    }
}
