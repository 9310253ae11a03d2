package io.chatbridge.spi;

import java.nio.file.Path;
import java.util.List;

/** What a {@link DriverFactory} is given to create one instance. */
public interface DriverConfig {

    /** The platform key, e.g. {@code "dingtalk"}. */
    String platform();

    /** The instance id, the key under the platform in config.json, e.g. {@code "dt_main"}. */
    String instanceId();

    /**
     * The instance's settings, with {@code ${VAR}} references already resolved. Problems reported on this node or
     * its children name config.json and the JSON path, e.g. {@code config.json: dingtalk.dt_main.app_secret: required}.
     */
    ConfigNode settings();

    /** The {@code global} block of config.json (may be empty). Read-only for drivers. */
    ConfigNode global();

    /**
     * Every channel address in rules.json that names this instance, so the factory can check that what the rules
     * ask for is possible (e.g. {@code robot_code: required when a rule sends to open_conversation_id}).
     */
    List<ChannelUse> uses();

    /**
     * Marks a value as secret beyond the bridge's own rule (string values under keys containing {@code secret},
     * {@code token}, {@code password} or {@code key}): it is then masked in every log line and outgoing messages
     * containing it are blocked. Use it for credentials hidden inside other values, e.g. webhook URLs.
     */
    void markSensitive(String value);

    /** The directory config.json is in; relative paths in settings are resolved against it. */
    Path baseDirectory();
}
