package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The values of the user's files that must never appear in logs or outgoing messages: strings under keys whose name
 * marks them secret, plus those drivers mark ({@link io.chatbridge.spi.DriverConfig#markSensitive}).
 */
final class SensitiveValues {

    private static final List<String> SENSITIVE_KEY_PARTS = List.of("secret", "token", "password", "key",
            "authorization");

    private final Set<String> values = new LinkedHashSet<>();

    /** Whether a key's name marks its value secret ({@code app_secret}, {@code token}, {@code password}...). */
    static boolean isSensitiveKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return SENSITIVE_KEY_PARTS.stream().anyMatch(k::contains);
    }

    /** Collects every string under a sensitive key of {@code node}, at any depth. */
    void collect(ConfigNode node) {
        collect(node, false);
    }

    private void collect(ConfigNode node, boolean underSensitiveKey) {
        if (node.isObject()) {
            for (String key : node.keys()) {
                collect(node.get(key), underSensitiveKey || isSensitiveKey(key));
            }
        } else if (node.value() instanceof List<?> list) {
            for (Object item : list) {
                collect(ConfigNode.of(node.file(), node.path(), item, p -> { }), underSensitiveKey);
            }
        } else if (underSensitiveKey && node.value() instanceof String s) {
            add(s);
        }
    }

    void add(String value) {
        if (value != null && value.length() >= 4) {
            values.add(value);
        }
    }

    Set<String> values() {
        return values;
    }
}
