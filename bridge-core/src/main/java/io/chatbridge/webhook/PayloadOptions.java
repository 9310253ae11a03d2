package io.chatbridge.webhook;

import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * The ingress settings of issue 18 in a {@code webhook.<instance_id>} block: {@code payload} ({@code "auto"}, the
 * default: bridge JSON, CloudEvents, DingTalk bodies, Alertmanager and Grafana notifications; {@code "json"}: also
 * any other JSON object, for rule templates), {@code compat} ({@code "prometheus-webhook-dingtalk"}: also serve
 * {@code POST /dingtalk/<target>/send}) and {@code time_zone} (of times in the default alert rendering, default
 * UTC).
 */
record PayloadOptions(boolean anyJson, boolean prometheusWebhookDingtalk, ZoneId zone) {

    static final String PROMETHEUS_WEBHOOK_DINGTALK = "prometheus-webhook-dingtalk";
    /** The compat route, {@code <target>} being the channel field {@code target}. */
    static final String COMPAT_PATH = "/dingtalk/{target}/send";

    /** The keys read here, for {@link WebhookConfig#KEYS}. */
    static final Set<String> KEYS = Set.of("payload", "compat", "time_zone");

    static final PayloadOptions DEFAULT = new PayloadOptions(false, false, ZoneOffset.UTC);

    static PayloadOptions read(DriverConfig config) {
        ConfigNode settings = config.settings();
        if (!settings.isObject()) {
            return DEFAULT;
        }
        boolean ingress = settings.has("listen_port");
        String payload = settings.string("payload", "auto");
        boolean anyJson = false;
        if (payload.equals("json")) {
            anyJson = true;
        } else if (!payload.equals("auto")) {
            settings.get("payload").problem("unknown value \"" + payload + "\"; expected \"auto\" (bridge JSON, "
                    + "CloudEvents, DingTalk bodies, Alertmanager and Grafana notifications) or \"json\" (also any "
                    + "other JSON object, rendered by a rule's msg.template)");
        }
        boolean compat = false;
        if (settings.has("compat")) {
            String value = settings.string("compat", null);
            if (PROMETHEUS_WEBHOOK_DINGTALK.equals(value)) {
                compat = true;
            } else if (value != null) {
                String hint = value.toLowerCase(java.util.Locale.ROOT).contains("dingtalk")
                        || value.toLowerCase(java.util.Locale.ROOT).contains("prometheus")
                        ? "did you mean \"" + PROMETHEUS_WEBHOOK_DINGTALK + "\"? " : "";
                settings.get("compat").problem("unknown value \"" + value + "\"; " + hint + "known: "
                        + String.join(", ", List.of(PROMETHEUS_WEBHOOK_DINGTALK)));
            }
        }
        ZoneId zone = ZoneOffset.UTC;
        String zoneText = settings.string("time_zone", null);
        if (zoneText != null) {
            try {
                zone = ZoneId.of(zoneText);
            } catch (DateTimeException e) {
                settings.get("time_zone").problem("unknown time zone \"" + zoneText + "\"; use a name such as "
                        + "Asia/Shanghai or an offset such as +08:00");
            }
        }
        if (!ingress) {
            for (String key : KEYS) {
                if (settings.has(key)) {
                    settings.get(key).warning("ignored without listen_port");
                }
            }
        }
        return new PayloadOptions(anyJson, compat, zone);
    }
}
