package io.chatbridge.dingtalk;

import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import java.net.URI;
import java.util.List;
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
 * @param receiveMode how robot messages arrive: HTTP callbacks ({@code callbacks}) or the Stream connection
 */
public record DingTalkConfig(String instanceId, String appKey, String appSecret, String robotCode,
                             String signingSecret, boolean callbacks, int listenPort, String listenPath,
                             URI apiEndpoint, List<WebhookConfig> webhooks, String defaultChatGroup,
                             Sandbox sandbox, ReceiveMode receiveMode) {

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
            "api_rate_per_second",
            "sandbox", "sandbox_port", ReceiveMode.KEY);

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
                + ", default=" + defaultChatGroup + ", sandbox=" + sandbox + ", receiveMode=" + receiveMode + "]";
    }

    /**
     * Reads the instance's settings and checks them against what the rules ask of the instance. Every problem is
     * reported through {@code config} (with its JSON path); the returned value uses defaults where a value was bad.
     */
    public static DingTalkConfig read(DriverConfig config) {
        ConfigNode s = config.settings();
        if (!s.isObject()) {
            s.problem("expected an object with the instance's settings, got " + ConfigNode.describe(s.value()));
        }
        s.warnUnknownKeys(KNOWN_KEYS);

        int globalRate = s.integer("rate_per_minute", DEFAULT_RATE_PER_MINUTE, 1, 10_000);
        List<WebhookConfig> webhooks = WebhookSettings.read(config, s, globalRate);
        List<String> groups = webhooks.stream().map(WebhookConfig::chatGroup).toList();
        String defaultGroup = WebhookSettings.readDefaultGroup(s, groups);

        // which features the rules and settings use decide which keys are required
        DingTalkAddresses uses = DingTalkAddresses.check(config, groups);
        ReceiveMode mode = ReceiveMode.read(s);
        boolean stream = mode == ReceiveMode.STREAM;
        // stream mode opens no port: robot messages arrive over the outgoing connection
        boolean callbacks = !stream && (s.has("listen_port") || s.has("listen_path") || uses.ruleReceives());
        uses.warnSendOnly(callbacks || stream, config.instanceId());

        Sandbox sandbox = SandboxModeSettings.read(s, uses.conversations());
        AppSettings app = sandbox != null ? AppSettings.forSandbox(s)
                : AppSettings.read(s, uses, callbacks, stream, !webhooks.isEmpty());
        return new DingTalkConfig(config.instanceId(), app.appKey(), app.appSecret(), app.robotCode(),
                app.signingSecret(), callbacks, app.listenPort(), app.listenPath(), app.apiEndpoint(), webhooks,
                defaultGroup, sandbox, mode);
    }

    /** Whether robot messages arrive over the Stream connection ({@code receive_mode: "stream"}). */
    public boolean stream() {
        return receiveMode == ReceiveMode.STREAM;
    }
}
