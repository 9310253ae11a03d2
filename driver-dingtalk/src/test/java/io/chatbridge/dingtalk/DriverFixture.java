package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;

/** A started DingTalk driver on a {@link TestDriverContext}; fails the test when the config has problems. */
final class DriverFixture implements AutoCloseable {

    final DingTalkDriver driver;
    final TestDriverContext context;

    DriverFixture(Map<String, Object> settings, List<ChannelUse> uses, Clock clock, Ticker ticker, Sleeper sleeper)
            throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("dingtalk", "dt", settings, problems, uses);
        driver = DingTalkDriverFactory.create(config, ticker, sleeper);
        Assertions.assertThat(problems.stream().filter(p -> !p.warning())).as("config problems").isEmpty();
        context = new TestDriverContext(config, clock);
        driver.start(context);
        try {
            context.startHttp();
        } catch (RuntimeException e) {
            close(); // nothing left running (the in-process sandbox has a port of its own)
            throw e;
        }
    }

    /**
     * A sandbox-mode instance on a fresh {@code listen_port} (which may not be 0 in sandbox mode) put into
     * {@code settings}; with another port when that one was taken before the instance bound it.
     */
    static DriverFixture sandbox(Map<String, Object> settings, List<ChannelUse> uses, Clock clock, Ticker ticker,
                                 Sleeper sleeper) throws Exception {
        return Ports.retryingBindFailures(() -> {
            settings.put("listen_port", Ports.freePort());
            return new DriverFixture(settings, uses, clock, ticker, sleeper);
        });
    }

    static DriverFixture app(FakeDingTalk fake, Ticker ticker) throws Exception {
        return new DriverFixture(appSettings(fake), List.of(), Clock.systemUTC(), ticker, Sleeper.SYSTEM);
    }

    static Map<String, Object> appSettings(FakeDingTalk fake) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", FakeDingTalk.APP_KEY);
        settings.put("app_secret", FakeDingTalk.APP_SECRET);
        settings.put("robot_code", "dingrobot01");
        settings.put("api_endpoint", fake.endpoint());
        return settings;
    }

    @Override
    public void close() {
        driver.stop();
        context.close();
    }
}
