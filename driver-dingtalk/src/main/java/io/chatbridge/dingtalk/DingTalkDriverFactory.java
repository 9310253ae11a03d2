package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;

/**
 * The {@code dingtalk} platform: app robots (HTTP-mode callbacks, Robot v1.0 group and one-to-one sends) and custom
 * group robot webhooks. See {@link DingTalkConfig} for the settings.
 */
public final class DingTalkDriverFactory implements DriverFactory {

    @Override
    public String platform() {
        return DingTalkConfig.PLATFORM;
    }

    @Override
    public Driver create(DriverConfig config) {
        return create(config, Ticker.systemTicker(), Sleeper.SYSTEM);
    }

    /** Creates a driver with the given time sources (tests pass fakes). */
    static DingTalkDriver create(DriverConfig config, Ticker ticker, Sleeper sleeper) {
        return new DingTalkDriver(DingTalkConfig.read(config), ticker, sleeper);
    }
}
