package io.chatbridge.webhook;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import java.util.Set;

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

    /**
     * Free-form, declared as such: a source address matches whatever {@code channel} a bridge JSON sender gives (or
     * a CloudEvent's {@code source}, {@code type}, {@code subject}: near misses of those are warned about), and a
     * target address is sent on as the body's {@code channel}.
     */
    @Override
    public Set<String> addressKeys(ChannelUse.Role role) {
        return null;
    }

    /** Free-form: every option of a rule's {@code msg} block becomes a top-level field of the JSON sent. */
    @Override
    public Set<String> messageOptionKeys() {
        return null;
    }

    @Override
    public Driver create(DriverConfig config) {
        return new WebhookDriver(config.instanceId(), WebhookConfig.read(config));
    }
}
