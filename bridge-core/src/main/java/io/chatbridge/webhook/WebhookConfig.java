package io.chatbridge.webhook;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.PortClaim;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one {@code webhook.<instance_id>} block.
 *
 * @param listenPort the ingress port, or {@code null} when the instance does not receive
 * @param listenPath the ingress path (default {@code /events})
 * @param token the bearer token callers must send; {@code null} only with {@code allow_unauthenticated: true}
 * @param url where egress sends, or {@code null} when the instance does not send (secret: never logged)
 * @param method {@code POST}, {@code PUT} or {@code PATCH}
 * @param headers extra request headers for egress (values are secret)
 * @param ceMode whether egress sends a structured CloudEvent instead of plain JSON
 * @param timeout how long one egress request may take
 */
record WebhookConfig(Integer listenPort, String listenPath, String token, URI url, String method,
                     Map<String, String> headers, boolean ceMode, Duration timeout) {

    static final String DEFAULT_PATH = "/events";
    static final String DEFAULT_METHOD = "POST";
    static final int DEFAULT_TIMEOUT_SECONDS = 30;

    static final Set<String> KEYS = Set.of("listen_port", "listen_path", "token", "allow_unauthenticated", "url", "method", "headers",
            "ce_mode", "timeout_seconds");

    /** The channel fields of a CloudEvent, see {@code CloudEventMessages}. */
    private static final Set<String> CLOUDEVENT_CHANNEL_KEYS = Set.of("source", "type", "subject");

    private static final Set<String> METHODS = Set.of("POST", "PUT", "PATCH");

    /** Headers the HTTP client or the driver sets itself; configuring them would be ignored or break the request. */
    private static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "content-type", "idempotency-key");

    WebhookConfig {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    boolean ingress() {
        return listenPort != null;
    }

    boolean egress() {
        return url != null;
    }

    /**
     * Reads and validates the settings and the rules using the instance. Every problem goes to the config's
     * {@link ConfigNode}s; the result holds defaults where a value was bad.
     */
    static WebhookConfig read(DriverConfig config) {
        ConfigNode settings = config.settings();
        String id = config.instanceId();
        String prefix = "webhook." + id + ".";
        if (!settings.isObject()) {
            settings.problem("expected an object with listen_port (to receive) and/or url (to send), got "
                    + ConfigNode.describe(settings.value()));
            return new WebhookConfig(null, DEFAULT_PATH, null, null, DEFAULT_METHOD, Map.of(), false,
                    Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS));
        }
        settings.warnUnknownKeys(KEYS);

        Integer listenPort = settings.has("listen_port") ? settings.integer("listen_port", 0, 0, 65535) : null;
        String listenPath = settings.string("listen_path", DEFAULT_PATH);
        String token = null;
        if (listenPort != null) {
            if (!listenPath.startsWith("/")) {
                settings.get("listen_path").problem("must start with '/', e.g. /events");
            } else if (PortClaim.normalizePath(listenPath).equals("/healthz")) {
                settings.get("listen_path").problem("/healthz is reserved by the bridge; choose another path");
            }
            // stored as the HTTP server matches it (trailing slashes ignored), so claims compare equal paths
            listenPath = listenPath.startsWith("/") ? PortClaim.normalizePath(listenPath) : listenPath;
            boolean open = settings.bool("allow_unauthenticated", false);
            if (open && !settings.has("token")) {
                // for senders that cannot add a header (the Vanus sink's curl examples): an explicit, loud opt-out
                settings.get("allow_unauthenticated").warning("the ingress accepts requests without a token; "
                        + "expose it only on a trusted network (global.http.host: 127.0.0.1) or behind a gateway");
            } else {
                token = settings.requireString("token", "required when listen_port is set (callers send "
                        + "Authorization: Bearer <token>; or set allow_unauthenticated: true for senders that "
                        + "cannot)");
            }
            if (token != null && token.length() < 16) {
                settings.get("token").warning("shorter than 16 characters; use a long random value");
            }
        } else {
            for (String key : new String[] {"listen_path", "token"}) {
                if (settings.has(key)) {
                    settings.get(key).warning("ignored without listen_port");
                }
            }
        }

        URI url = null;
        String method = DEFAULT_METHOD;
        Map<String, String> headers = Map.of();
        boolean ceMode = settings.bool("ce_mode", false);
        int timeoutSeconds = settings.integer("timeout_seconds", DEFAULT_TIMEOUT_SECONDS, 1, 600);
        if (settings.has("url")) {
            String text = settings.string("url", null);
            if (text != null) {
                // webhook URLs are credentials wherever they carry the secret: ?access_token=... (DingTalk),
                // user info, or the path (Slack's /services/T../B../xyz, Feishu's /hook/<uuid>)
                config.markSensitive(text);
                if (!text.trim().equals(text)) {
                    config.markSensitive(text.trim()); // what is sent, and what a message would contain
                }
            }
            url = parseUrl(settings.get("url"), text);
            String given = settings.string("method", DEFAULT_METHOD);
            if (METHODS.contains(given.toUpperCase(Locale.ROOT))) {
                method = given.toUpperCase(Locale.ROOT);
            } else {
                settings.get("method").problem("must be one of POST, PUT, PATCH, got \"" + given + "\"");
            }
            headers = readHeaders(settings, config);
        } else {
            for (String key : new String[] {"method", "headers", "ce_mode", "timeout_seconds"}) {
                if (settings.has(key)) {
                    settings.get(key).warning("ignored without url");
                }
            }
        }

        if (listenPort == null && !settings.has("url")) {
            settings.problem("needs listen_port (to receive messages) or url (to send them), or both");
        }

        for (ChannelUse use : config.uses()) {
            if (use.role().sends() && !settings.has("url")) {
                use.address().problem("rule \"" + use.ruleId() + "\" sends to webhook instance " + id
                        + ", which has no url; set " + prefix + "url");
            }
            if (use.role().receives()) {
                for (String key : use.address().keys()) {
                    String meant = CLOUDEVENT_CHANNEL_KEYS.contains(key) ? null
                            : ConfigNode.nearest(key, CLOUDEVENT_CHANNEL_KEYS);
                    if (meant != null) {
                        use.address().get(key).warning("CloudEvents are matched by source, type and subject (a"
                                + " bridge JSON channel by its own keys): did you mean " + meant + "?");
                    }
                }
            }
            if (use.role().receives() && listenPort == null) {
                use.address().problem("rule \"" + use.ruleId() + "\" receives from webhook instance " + id
                        + ", which has no listen_port; set " + prefix + "listen_port");
            }
        }
        return new WebhookConfig(listenPort, listenPath, token, url, method, headers, ceMode,
                Duration.ofSeconds(timeoutSeconds));
    }

    private static URI parseUrl(ConfigNode node, String text) {
        if (text == null) {
            return null; // type problem already reported
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            node.problem("not a valid URL: " + e.getReason());
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            node.problem("must be an http:// or https:// URL");
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            node.problem("must name a host, e.g. https://example.com/hook");
            return null;
        }
        return uri;
    }

    private static Map<String, String> readHeaders(ConfigNode settings, DriverConfig config) {
        Map<String, String> raw = settings.stringMap("headers");
        Map<String, String> out = new LinkedHashMap<>();
        ConfigNode node = settings.get("headers");
        for (Map.Entry<String, String> header : raw.entrySet()) {
            String name = header.getKey();
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                node.get(name).problem("not a valid HTTP header name");
            } else if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                node.get(name).problem("set by the bridge itself; remove it");
            } else if (header.getValue().indexOf('\n') >= 0 || header.getValue().indexOf('\r') >= 0) {
                node.get(name).problem("must not contain line breaks");
            } else {
                out.put(name, header.getValue());
            }
            if (!header.getValue().isEmpty()) {
                config.markSensitive(header.getValue());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        // never print the token, header values or a URL that may carry credentials
        return "WebhookConfig[listenPort=" + listenPort + ", listenPath=" + listenPath
                + ", egress=" + (url == null ? "off" : method + " " + url.getScheme() + "://" + url.getHost())
                + ", headers=" + headers.keySet() + ", ceMode=" + ceMode + ", timeout=" + timeout + "]";
    }
}
