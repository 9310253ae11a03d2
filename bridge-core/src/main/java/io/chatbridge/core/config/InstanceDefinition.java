package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigNode;

/**
 * One instance from config.json.
 *
 * @param platform the platform key
 * @param id the instance id (unique across platforms: rules refer to instances by id alone)
 * @param settings the instance's settings with environment references resolved
 */
public record InstanceDefinition(String platform, String id, ConfigNode settings) {
}
