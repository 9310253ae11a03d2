package io.chatbridge.dingtalk;

import static io.chatbridge.dingtalk.DingTalkConfig.DEFAULT_API_ENDPOINT;
import static io.chatbridge.dingtalk.DingTalkConfig.DEFAULT_LISTEN_PATH;
import static io.chatbridge.dingtalk.DingTalkConfig.DEFAULT_LISTEN_PORT;
import static io.chatbridge.dingtalk.DingTalkConfig.OPEN_CONVERSATION_ID;
import static io.chatbridge.dingtalk.DingTalkConfig.USER_IDS;

import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.spi.ConfigNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The app robot's credentials and the receive settings of one instance: {@code app_key}, {@code app_secret},
 * {@code robot_code}, {@code signing_secret}, {@code listen_port}, {@code listen_path}, {@code api_endpoint}.
 *
 * @param appKey the app's key, or {@code null}
 * @param appSecret the app's secret, or {@code null}
 * @param robotCode the robot's code, or {@code null}
 * @param signingSecret the callbacks' signing secret, or {@code null} to skip verification
 * @param listenPort the callback port
 * @param listenPath the callback path
 * @param apiEndpoint the open API's base URL
 */
record AppSettings(String appKey, String appSecret, String robotCode, String signingSecret, int listenPort,
                   String listenPath, URI apiEndpoint) {

    /** With {@code "sandbox": true}: the sandbox accepts whatever credentials the instance names, or its defaults. */
    static AppSettings forSandbox(ConfigNode s) {
        String appKey = s.string("app_key", SandboxSettings.DEFAULT_APP_KEY);
        String appSecret = s.string("app_secret", SandboxSettings.DEFAULT_APP_SECRET);
        String signingSecret = s.string("signing_secret", appSecret);
        String robotCode = s.string("robot_code", SandboxSettings.DEFAULT_ROBOT_CODE);
        return new AppSettings(appKey, appSecret, robotCode, signingSecret, listenPort(s), listenPath(s),
                URI.create(DEFAULT_API_ENDPOINT));
    }

    /**
     * Against DingTalk: the credentials are required when callbacks are served or a rule sends through the app
     * robot; an instance with neither credentials nor webhooks is a problem. Stream mode needs the key and secret
     * for its open call.
     */
    static AppSettings read(ConfigNode s, DingTalkAddresses uses, boolean callbacks, boolean stream,
                            boolean hasWebhooks) {
        String appKey = s.string("app_key", null);
        String appSecret = s.string("app_secret", null);
        String robotCode = s.string("robot_code", null);
        List<String> needs = new ArrayList<>();
        if (callbacks) {
            needs.add(uses.ruleReceives() ? "a rule receives messages from this instance"
                    : "listen_port/listen_path are set");
        }
        if (uses.sendsToGroup()) {
            needs.add("a rule sends to " + OPEN_CONVERSATION_ID);
        }
        if (uses.sendsToUsers()) {
            needs.add("a rule sends to " + USER_IDS);
        }
        if (!needs.isEmpty()) {
            String why = "required when " + String.join(" and ", needs);
            appKey = s.requireString("app_key", why);
            appSecret = s.requireString("app_secret", why);
            robotCode = s.requireString("robot_code", why);
        } else if (stream) {
            String why = "required with receive_mode \"stream\" (the open call of the Stream connection)";
            appKey = s.requireString("app_key", why);
            appSecret = s.requireString("app_secret", why);
        } else if (!hasWebhooks && !s.has("app_key")) {
            s.problem("configures nothing to send to: add webhooks (custom group robots) or app_key, app_secret"
                    + " and robot_code (an app robot)");
        }

        String signingSecret = s.string("signing_secret", null);
        if (signingSecret != null && signingSecret.isBlank()) {
            s.get("signing_secret").problem("must not be blank; remove the key to skip signature verification");
            signingSecret = null;
        }
        URI apiEndpoint = readEndpoint(s);
        return new AppSettings(blankToNull(appKey), blankToNull(appSecret), blankToNull(robotCode), signingSecret,
                listenPort(s), listenPath(s), apiEndpoint);
    }

    private static int listenPort(ConfigNode s) {
        return s.integer("listen_port", DEFAULT_LISTEN_PORT, 0, 65535);
    }

    private static String listenPath(ConfigNode s) {
        String listenPath = s.string("listen_path", DEFAULT_LISTEN_PATH);
        if (!listenPath.startsWith("/")) {
            s.get("listen_path").problem("must start with '/', e.g. \"" + DEFAULT_LISTEN_PATH + "\"");
            return DEFAULT_LISTEN_PATH;
        }
        return listenPath;
    }

    private static URI readEndpoint(ConfigNode s) {
        String text = s.string("api_endpoint", DEFAULT_API_ENDPOINT);
        try {
            URI uri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            if (http && uri.getHost() != null && (uri.getPath() == null || uri.getPath().isEmpty())
                    && uri.getQuery() == null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        s.get("api_endpoint").problem("expected http(s)://host[:port] without a path, e.g. " + DEFAULT_API_ENDPOINT);
        return URI.create(DEFAULT_API_ENDPOINT);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
