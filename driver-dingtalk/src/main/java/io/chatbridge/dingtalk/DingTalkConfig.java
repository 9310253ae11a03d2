package io.chatbridge.dingtalk;

import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one DingTalk instance ({@code dingtalk.<instance_id>} in config.json), read and validated.
 *
 * @param instanceId the instance id
 * @param appKey the app's key (ClientId), or {@code null} when the instance only uses custom robot webhooks
 * @param appSecret the app's secret (ClientSecret), or {@code null}
 * @param robotCode the app robot's code, or {@code null}
 * @param signingSecret the secret callbacks are signed with, or {@code null} to skip verification
 * @param callbacks whether the instance serves HTTP-mode callbacks (listen_* set or a rule reads from it)
 * @param listenPort the callback port (default 8082)
 * @param listenPath the callback path (default {@code /dingtalk/event})
 * @param apiEndpoint base URL of the open API, {@code https://api.dingtalk.com} by default
 * @param webhooks the custom group robots, in file order
 * @param defaultChatGroup the chat group used when a message names none, or {@code null} without webhooks
 * @param sandbox the local DingTalk sandbox to start in-process and talk to instead of DingTalk ({@code "sandbox":
 *     true}), or {@code null}
 */
public record DingTalkConfig(String instanceId, String appKey, String appSecret, String robotCode,
                             String signingSecret, boolean callbacks, int listenPort, String listenPath,
                             URI apiEndpoint, List<WebhookConfig> webhooks, String defaultChatGroup,
                             Sandbox sandbox) {

    /**
     * {@code "sandbox": true}: the instance starts a {@link io.chatbridge.dingtalk.sandbox.DingTalkSandbox} and
     * sends everything there, custom robots included.
     *
     * @param port the sandbox's port ({@code sandbox_port}, default 8070)
     * @param groups the open conversation ids the rules name, in rule order; the sandbox shows them as groups
     */
    public record Sandbox(int port, List<String> groups) {
        public Sandbox {
            groups = List.copyOf(groups);
        }
    }

    public static final String PLATFORM = "dingtalk";
    public static final int DEFAULT_LISTEN_PORT = 8082;
    public static final String DEFAULT_LISTEN_PATH = "/dingtalk/event";
    public static final String DEFAULT_API_ENDPOINT = "https://api.dingtalk.com";
    /** DingTalk's limit for one custom robot. */
    public static final int DEFAULT_RATE_PER_MINUTE = 20;

    /** Rule address keys. */
    public static final String OPEN_CONVERSATION_ID = "open_conversation_id";
    public static final String CHAT_GROUP = "chat_group";
    public static final String USER_IDS = "user_ids";

    private static final Set<String> KNOWN_KEYS = Set.of("app_key", "app_secret", "robot_code", "signing_secret",
            "listen_port", "listen_path", "api_endpoint", "webhooks", "default", "defalult", "rate_per_minute",
            "sandbox", "sandbox_port");
    private static final Set<String> WEBHOOK_KEYS = Set.of("chat_group", "url", "secret", "signature",
            "rate_per_minute");
    private static final Set<String> ADDRESS_KEYS = Set.of(OPEN_CONVERSATION_ID, CHAT_GROUP, USER_IDS);

    public DingTalkConfig {
        webhooks = List.copyOf(webhooks);
    }

    /** Whether app credentials are configured (needed for Robot v1.0 sends). */
    public boolean hasApp() {
        return appKey != null && appSecret != null && robotCode != null;
    }

    /** The webhook named {@code chatGroup}, or {@code null}. */
    public WebhookConfig webhook(String chatGroup) {
        for (WebhookConfig webhook : webhooks) {
            if (webhook.chatGroup().equals(chatGroup)) {
                return webhook;
            }
        }
        return null;
    }

    /** The chat group names in file order. */
    public List<String> chatGroups() {
        return webhooks.stream().map(WebhookConfig::chatGroup).toList();
    }

    @Override
    public String toString() {
        return "DingTalkConfig[instanceId=" + instanceId + ", robotCode=" + robotCode + ", callbacks=" + callbacks
                + ", listen=" + listenPort + listenPath + ", apiEndpoint=" + apiEndpoint + ", webhooks=" + webhooks
                + ", default=" + defaultChatGroup + ", sandbox=" + sandbox + "]";
    }

    /**
     * Reads the instance's settings and checks them against what the rules ask of the instance. Every problem is
     * reported through {@code config} (with its JSON path); the returned value uses defaults where a value was bad.
     */
    public static DingTalkConfig read(DriverConfig config) {
        ConfigNode s = config.settings();
        String prefix = PLATFORM + "." + config.instanceId() + ".";
        if (!s.isObject()) {
            s.problem("expected an object with the instance's settings, got " + ConfigNode.describe(s.value()));
        }
        s.warnUnknownKeys(KNOWN_KEYS);

        int globalRate = s.integer("rate_per_minute", DEFAULT_RATE_PER_MINUTE, 1, 10_000);
        List<WebhookConfig> webhooks = readWebhooks(config, s, globalRate);
        List<String> groups = webhooks.stream().map(WebhookConfig::chatGroup).toList();
        String defaultGroup = readDefaultGroup(s, groups);

        // which features the rules and settings use decide which keys are required
        boolean listenKeys = s.has("listen_port") || s.has("listen_path");
        boolean ruleReceives = false;
        boolean sendsToGroup = false;
        boolean sendsToUsers = false;
        Set<String> conversations = new LinkedHashSet<>();
        List<ConfigNode> sendOnlyChannels = new ArrayList<>();
        for (ChannelUse use : config.uses()) {
            ConfigNode address = use.address();
            if (!address.isObject()) {
                address.problem("expected an object with a DingTalk address, e.g. {\"open_conversation_id\": \"cid...\"}");
                continue;
            }
            if (address.value() instanceof Map<?, ?> map && map.get(OPEN_CONVERSATION_ID) instanceof String id
                    && !id.isBlank()) {
                conversations.add(id);
            }
            if (use.role().receives()) {
                // only an address a callback can match needs callbacks (and so the app's credentials)
                if (matchesCallbacks(address)) {
                    ruleReceives = true;
                    checkSourceAddress(address);
                } else if (use.role() == ChannelUse.Role.BOTH) {
                    sendOnlyChannels.add(address);
                } else {
                    checkSourceAddress(address);
                }
            }
            if (use.role().sends()) {
                sendsToGroup |= address.has(OPEN_CONVERSATION_ID);
                sendsToUsers |= address.has(USER_IDS);
                checkTargetAddress(address, groups, prefix);
            }
        }
        boolean callbacks = listenKeys || ruleReceives;
        for (ConfigNode address : sendOnlyChannels) {
            address.warning("this channel only sends: messages from DingTalk arrive by open_conversation_id, which "
                    + "chat_group and user_ids never match" + (callbacks ? ""
                            : ", and " + PLATFORM + "." + config.instanceId() + " receives no callbacks"));
        }

        Sandbox sandbox = readSandbox(s, conversations);
        if (sandbox != null) {
            // the sandbox accepts whatever credentials the instance names; none are needed to try the bridge
            String appKey = s.string("app_key", SandboxSettings.DEFAULT_APP_KEY);
            String appSecret = s.string("app_secret", SandboxSettings.DEFAULT_APP_SECRET);
            String signingSecret = s.string("signing_secret", appSecret);
            return new DingTalkConfig(config.instanceId(), appKey, appSecret,
                    s.string("robot_code", SandboxSettings.DEFAULT_ROBOT_CODE), signingSecret, callbacks,
                    listenPort(s), listenPath(s), URI.create(DEFAULT_API_ENDPOINT), webhooks, defaultGroup, sandbox);
        }

        String appKey = s.string("app_key", null);
        String appSecret = s.string("app_secret", null);
        String robotCode = s.string("robot_code", null);
        List<String> needs = new ArrayList<>();
        if (callbacks) {
            needs.add(ruleReceives ? "a rule receives messages from this instance" : "listen_port/listen_path are set");
        }
        if (sendsToGroup) {
            needs.add("a rule sends to " + OPEN_CONVERSATION_ID);
        }
        if (sendsToUsers) {
            needs.add("a rule sends to " + USER_IDS);
        }
        if (!needs.isEmpty()) {
            String why = "required when " + String.join(" and ", needs);
            appKey = s.requireString("app_key", why);
            appSecret = s.requireString("app_secret", why);
            robotCode = s.requireString("robot_code", why);
        } else if (webhooks.isEmpty() && !s.has("app_key")) {
            s.problem("configures nothing to send to: add webhooks (custom group robots) or app_key, app_secret"
                    + " and robot_code (an app robot)");
        }

        String signingSecret = s.string("signing_secret", null);
        if (signingSecret != null && signingSecret.isBlank()) {
            s.get("signing_secret").problem("must not be blank; remove the key to skip signature verification");
            signingSecret = null;
        }
        URI apiEndpoint = readEndpoint(s);

        return new DingTalkConfig(config.instanceId(), blankToNull(appKey), blankToNull(appSecret),
                blankToNull(robotCode), signingSecret, callbacks, listenPort(s), listenPath(s), apiEndpoint, webhooks,
                defaultGroup, null);
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

    private static Sandbox readSandbox(ConfigNode s, Set<String> conversations) {
        Object flag = s.has("sandbox") ? s.get("sandbox").value() : null;
        if (flag != null && !(flag instanceof Boolean)) {
            s.get("sandbox").problem("expected true or false, got " + ConfigNode.describe(flag));
            return null;
        }
        if (!Boolean.TRUE.equals(flag)) {
            if (s.has("sandbox_port")) {
                s.get("sandbox_port").warning("ignored: \"sandbox\" is not true");
            }
            return null;
        }
        int port = s.integer("sandbox_port", SandboxSettings.DEFAULT_PORT, 0, 65535);
        Object listen = s.has("listen_port") ? s.get("listen_port").value() : DEFAULT_LISTEN_PORT;
        if (port != 0 && listen instanceof Number n && n.intValue() == port) {
            s.get("sandbox_port").problem("must differ from listen_port (" + port + "): the sandbox and the"
                    + " instance's callbacks each need a port");
        }
        for (String key : List.of("app_key", "app_secret", "robot_code", "signing_secret")) {
            if (s.has(key) && s.get(key).value() instanceof String text && text.isBlank()) {
                s.get(key).problem("must not be blank; remove the key to use the sandbox's default");
            }
        }
        if (s.has("api_endpoint")) {
            s.get("api_endpoint").warning("ignored: with \"sandbox\": true every call goes to the local sandbox");
        }
        if (s.has("listen_port") && s.get("listen_port").value() instanceof Number n && n.intValue() == 0) {
            s.get("listen_port").problem("must be a fixed port with \"sandbox\": true (the sandbox posts members'"
                    + " messages to it)");
        }
        return new Sandbox(port, List.copyOf(conversations));
    }

    private static List<WebhookConfig> readWebhooks(DriverConfig config, ConfigNode s, int globalRate) {
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

    private static String readDefaultGroup(ConfigNode s, List<String> groups) {
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

    private static void checkTargetAddress(ConfigNode address, List<String> groups, String prefix) {
        for (String key : address.keys()) {
            if (!ADDRESS_KEYS.contains(key)) {
                address.get(key).warning("unknown DingTalk address key, ignored (known: chat_group, "
                        + "open_conversation_id, user_ids)");
            }
        }
        if (address.has(OPEN_CONVERSATION_ID)) {
            address.requireString(OPEN_CONVERSATION_ID, "must be a conversation id, e.g. \"cidXXXX\"");
        }
        if (address.has(USER_IDS)) {
            ConfigNode ids = address.get(USER_IDS);
            boolean ok = ids.value() instanceof List<?> list && !list.isEmpty()
                    && list.stream().allMatch(v -> v instanceof String str && !str.isBlank());
            if (!ok) {
                ids.problem("expected a non-empty array of staff id strings, e.g. [\"manager01\"]");
            }
        }
        if (address.has(CHAT_GROUP)) {
            String group = address.string(CHAT_GROUP, null);
            if (group != null && !groups.contains(group)) {
                address.get(CHAT_GROUP).problem(groups.isEmpty()
                        ? "unknown chat_group '" + group + "': " + prefix + "webhooks configures none"
                        : unknownGroup(group, groups));
            }
        }
        if (!address.has(OPEN_CONVERSATION_ID) && !address.has(USER_IDS) && !address.has(CHAT_GROUP)
                && groups.isEmpty()) {
            address.problem("names no DingTalk target: give open_conversation_id, user_ids or chat_group "
                    + "(an empty address needs " + prefix + "webhooks)");
        }
    }

    /** Whether a callback's channel {@code {open_conversation_id}} can match the address. */
    private static boolean matchesCallbacks(ConfigNode address) {
        return address.keys().isEmpty() || address.has(OPEN_CONVERSATION_ID);
    }

    private static void checkSourceAddress(ConfigNode address) {
        if (address.has(CHAT_GROUP) || address.has(USER_IDS)) {
            address.warning("messages received from DingTalk are addressed by open_conversation_id only; "
                    + "chat_group and user_ids never match them");
        }
    }

    private static String unknownGroup(String group, List<String> groups) {
        return "unknown chat_group '" + group + "' (known: " + String.join(", ", groups) + ")";
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

    private static boolean parsesWithHost(String url) {
        try {
            return URI.create(url).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
