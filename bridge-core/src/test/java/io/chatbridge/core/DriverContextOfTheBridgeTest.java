package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.core.testing.MemoryDriverFactory;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverHealth;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What the bridge's DriverContext adds by default methods: the instance's logger, the bind host, health. */
class DriverContextOfTheBridgeTest {

    @TempDir
    Path dir;

    private Bridge bridge;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger healthLogger = (Logger) LoggerFactory.getLogger(InstanceHealth.class);

    @BeforeEach
    void start() {
        MemoryDriverFactory.reset();
        logs.start();
        healthLogger.addAppender(logs);
        Setup setup = Setup.load(Files.write(dir, "config.json", """
                {"global": {"database": {"path": ":memory:"}, "http": {"host": "0.0.0.0"}},
                 "memory": {"left": {}, "right": {}}}
                """), Files.write(dir, "rules.json", """
                {"rules": [{"id": "room", "type": "connect",
                  "channels": {"left": {"room": "L"}, "right": {"room": "R"}}}]}
                """), DriverRegistry.discover(null), k -> null);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
    }

    @AfterEach
    void stop() {
        healthLogger.detachAppender(logs);
        bridge.close();
    }

    @Test
    void healthReportsAreKeptPerInstanceAndEachChangeIsLoggedOnce() {
        DriverContext left = MemoryDriverFactory.context("left");
        assertThat(bridge.health()).as("nobody reported yet").isEmpty();

        String closed = "socket closed by server (1006)";
        left.reportHealth(DriverHealth.reconnecting(closed, Instant.parse("2026-01-01T00:00:00Z")));
        left.reportHealth(DriverHealth.reconnecting(closed, Instant.parse("2026-01-01T00:00:05Z")));
        assertThat(bridge.health()).containsOnlyKeys("left");
        assertThat(bridge.health().get("left").state()).isEqualTo(DriverHealth.State.RECONNECTING);
        assertThat(bridge.health().get("left").since()).isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));

        left.reportHealth(DriverHealth.connected(Instant.parse("2026-01-01T00:00:09Z")));
        MemoryDriverFactory.context("right").reportHealth(DriverHealth.failed("credentials refused", Instant.EPOCH));

        assertThat(bridge.health().get("left").healthy()).isTrue();
        assertThat(bridge.health().get("right").state()).isEqualTo(DriverHealth.State.FAILED);
        assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
                "WARN instance left (memory) reconnecting: socket closed by server (1006)",
                "INFO instance left (memory) connected",
                "ERROR instance right (memory) failed: credentials refused");
    }

    @Test
    void theBindHostIsTheOneTheServersUseNotTheConfigFile() {
        assertThat(MemoryDriverFactory.context("left").bindHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void theLoggerIsNamedForTheInstance() {
        assertThat(MemoryDriverFactory.context("right").logger().getName())
                .isEqualTo("io.chatbridge.driver.memory.right");
    }
}
