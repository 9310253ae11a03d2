package io.chatbridge.dingtalk;

import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads an instance's custom group robots ({@code webhooks[]}) and its {@code default} chat group. */
final class WebhookSettings {

    private static final Set<String> WEBHOOK_KEYS = Set.of("chat_group", "url", "secret", "signature",
            "rate_per_minute");

    private WebhookSettings() {
    }

    static List<WebhookConfig> read(DriverConfig config, ConfigNode s, int globalRate) {
        List<WebhookConfig> out = new ArrayList<>();
        Map<String, ConfigNode> seen = new LinkedHashMap<>();
        for (ConfigNode item : s.list("webhooks")) {
            if (!item.isObject()) {
                item.problem("expected an object {\"chat_group\": ..., \"url\": ..., \"secret\": ...}, got "
                        + ConfigNode.describe(item.value()));
                continue;
            }
            item.warnUnknownKeys(WEBHOOK_KEYS);
            String group = item.requireString("chat_group");
            String url = item.requireString("url");
            if (url != null) {
                // the URL carries the robot's access_token
                config.markSensitive(url);
                if (!url.startsWith("https://") && !url.startsWith("http://") || !parsesWithHost(url)) {
                    // the value itself is never repeated: it holds the robot's token
                    item.get("url").problem("must be the robot's webhook URL, "
                            + "e.g. https://oapi.dingtalk.com/robot/send?access_token=...");
                    url = null;
                }
            }
            String secret = item.string("secret", null);
            String signature = item.string("signature", null);
            if (signature != null) {
                // Vanus calls the secret "signature"; the key does not look secret to the bridge's own rule
                config.markSensitive(signature);
                if (secret != null && !secret.equals(signature)) {
                    item.get("signature").problem("differs from secret: give only one of them");
                }
                secret = secret == null ? signature : secret;
            }
            if (secret != null && secret.isBlank()) {
                secret = null;
            }
            int rate = item.integer("rate_per_minute", globalRate, 1, 10_000);
            if (group != null && seen.putIfAbsent(group, item) != null) {
                item.get("chat_group").problem("duplicate chat_group '" + group + "': names must be unique");
                continue;
            }
            if (group != null && url != null) {
                out.add(new WebhookConfig(group, url, secret, rate));
            }
        }
        return out;
    }

    static String readDefaultGroup(ConfigNode s, List<String> groups) {
        String key = "default";
        if (s.has("defalult")) {
            if (s.has("default")) {
                s.get("defalult").warning("misspelt duplicate of 'default', ignored");
            } else {
                s.get("defalult").warning("read as 'default' (the misspelling Vanus configs use); rename it to 'default'");
                key = "defalult";
            }
        }
        String named = s.string(key, null);
        if (named == null) {
            return groups.isEmpty() ? null : groups.get(0);
        }
        if (!groups.contains(named)) {
            s.get(key).problem(unknownGroup(named, groups));
            return groups.isEmpty() ? null : groups.get(0);
        }
        return named;
    }

    static String unknownGroup(String group, List<String> groups) {
        return "unknown chat_group '" + group + "' (known: " + String.join(", ", groups) + ")";
    }

    private static boolean parsesWithHost(String url) {
        try {
            return URI.create(url).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
