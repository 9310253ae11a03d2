package io.chatbridge.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** A context written before logger(), bindHost() and reportHealth() existed still offers them. */
class DriverContextDefaultsTest {

    private static DriverContext olderContext(Map<String, Object> global) {
        ConfigNode globalNode = ConfigNode.of("config.json", "global", global, p -> { });
        DriverConfig config = new DriverConfig() {
            public String platform() {
                return "echo";
            }

            public String instanceId() {
                return "e1";
            }

            public ConfigNode settings() {
                return ConfigNode.of("config.json", "echo.e1", Map.of(), p -> { });
            }

            public ConfigNode global() {
                return globalNode;
            }

            public List<ChannelUse> uses() {
                return List.of();
            }

            public void markSensitive(String value) {
            }

            public Path baseDirectory() {
                return Path.of(".");
            }
        };
        return new DriverContext() {
            public String instanceId() {
                return "e1";
            }

            public String platform() {
                return "echo";
            }

            public DriverConfig config() {
                return config;
            }

            public CompletionStage<PublishResult> publishAsync(InboundMessage message) {
                return CompletableFuture.completedFuture(new PublishResult(PublishResult.Status.ACCEPTED, 0));
            }

            public HttpRoutes http(int port) {
                throw new UnsupportedOperationException();
            }

            public ScheduledExecutorService scheduler() {
                throw new UnsupportedOperationException();
            }

            public Clock clock() {
                return Clock.systemUTC();
            }
        };
    }

    @Test
    void theDefaultBindHostIsGlobalHttpHostElseTheWildcard() {
        assertThat(olderContext(Map.of("http", Map.of("host", " 127.0.0.1 "))).bindHost()).isEqualTo("127.0.0.1");
        assertThat(olderContext(Map.of()).bindHost()).isEqualTo("0.0.0.0");
        assertThat(olderContext(Map.of("http", Map.of("host", 42))).bindHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void theDefaultLoggerIsNamedForTheInstance() {
        assertThat(olderContext(Map.of()).logger().getName()).isEqualTo("io.chatbridge.driver.echo.e1");
    }

    @Test
    void theDefaultHealthReportIsIgnored() {
        assertThatCode(() -> olderContext(Map.of()).reportHealth(DriverHealth.connected(Instant.EPOCH)))
                .doesNotThrowAnyException();
    }
}
