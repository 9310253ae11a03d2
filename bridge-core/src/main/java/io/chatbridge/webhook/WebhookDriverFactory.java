package io.chatbridge.webhook;

import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;

/**
 * The built-in {@code webhook} platform: plain HTTP and CloudEvents in ({@code listen_port}, {@code listen_path},
 * {@code token}) and out ({@code url}, {@code method}, {@code headers}, {@code ce_mode}).
 */
public final class WebhookDriverFactory implements DriverFactory {

    /** The key of this platform in config.json. */
    public static final String PLATFORM = "webhook";

    @Override
    public String platform() {
        return PLATFORM;
    }

    @Override
    public Driver create(DriverConfig config) {
        return new WebhookDriver(config.instanceId(), WebhookConfig.read(config), PayloadOptions.read(config));
    }
}
