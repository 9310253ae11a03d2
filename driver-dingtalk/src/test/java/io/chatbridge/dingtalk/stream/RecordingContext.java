package io.chatbridge.dingtalk.stream;

import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.testkit.TestDriverContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link TestDriverContext} that also keeps every health report. */
final class RecordingContext extends TestDriverContext {

    private final List<DriverHealth> health = new CopyOnWriteArrayList<>();

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

    List<DriverHealth> health() {
        return List.copyOf(health);
    }

    DriverHealth lastHealth() {
        return health.isEmpty() ? null : health.get(health.size() - 1);
    }
}
