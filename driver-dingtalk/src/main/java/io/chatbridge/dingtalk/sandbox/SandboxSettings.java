package io.chatbridge.dingtalk.sandbox;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link DingTalkSandbox} presents itself: where it listens, which credentials it accepts, which groups and
 * custom-robot webhooks exist, and where members' messages are delivered.
 *
 * <p>Start from {@link #defaults()} and change what differs with the {@code with…} methods. {@link #toString()}
 * leaves out every secret so settings can be logged.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the port to listen on; {@code 0} picks a free one (see {@link DingTalkSandbox#port()})
 * @param appKey the only app key accepted by {@code /v1.0/oauth2/accessToken}; {@code null} accepts any key
 * @param appSecret the secret that must accompany {@code appKey}; {@code null} accepts any secret
 * @param robotCode the robot code send calls must carry; {@code null} accepts any
 * @param callbackUrl where members' messages are POSTed as HTTP-mode callbacks (the bridge's
 *     {@code listen_path}); {@code null} means members' messages are recorded but show as not delivered
 * @param signingSecret the key of the callbacks' {@code sign} header; {@code null} sends unsigned callbacks
 * @param groups the group chats, in page order
 * @param webhooks custom group robots, each posting into one of {@code groups}
 */
public record SandboxSettings(
        String host,
        int port,
        String appKey,
        String appSecret,
        String robotCode,
        URI callbackUrl,
        String signingSecret,
        List<Group> groups,
        List<Webhook> webhooks) {

    public static final int DEFAULT_PORT = 8070;
    public static final String DEFAULT_APP_KEY = "sandbox-app-key";
    public static final String DEFAULT_APP_SECRET = "sandbox-app-secret";
    public static final String DEFAULT_ROBOT_CODE = "sandbox-robot";
    public static final URI DEFAULT_CALLBACK_URL = URI.create("http://127.0.0.1:8082/dingtalk/event");

    /**
     * A group chat.
     *
     * @param appRobot whether the app robot is a member, so that a member's @-mention reaches the bridge as a
     *     callback; {@code false} for a group only custom robots post into (a custom robot cannot receive messages)
     */
    public record Group(String openConversationId, String title, boolean appRobot) {
        public Group {
            requireText(openConversationId, "group openConversationId");
            title = title == null || title.isBlank() ? openConversationId : title;
        }

        /** A group the app robot is a member of. */
        public Group(String openConversationId, String title) {
            this(openConversationId, title, true);
        }
    }

    /**
     * A custom group robot: {@code POST /robot/send?access_token=accessToken} posts into group
     * {@code openConversationId}; with a {@code secret} ("Additional Signature") every call must be signed.
     */
    public record Webhook(String name, String accessToken, String secret, String openConversationId) {
        public Webhook {
            requireText(name, "webhook name");
            requireText(accessToken, "webhook accessToken");
            requireText(openConversationId, "webhook openConversationId");
        }

        @Override
        public String toString() {
            return "Webhook[name=" + name + ", signed=" + (secret != null) + ", openConversationId="
                    + openConversationId + "]";
        }
    }

    public SandboxSettings {
        requireText(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (callbackUrl != null && !("http".equals(callbackUrl.getScheme()) || "https".equals(callbackUrl.getScheme()))) {
            throw new IllegalArgumentException("callbackUrl must be an http(s) URL, was " + callbackUrl);
        }
        groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
        webhooks = List.copyOf(Objects.requireNonNull(webhooks, "webhooks"));
        Set<String> groupIds = new HashSet<>();
        for (Group group : groups) {
            if (!groupIds.add(group.openConversationId())) {
                throw new IllegalArgumentException("duplicate group " + group.openConversationId());
            }
        }
        Set<String> names = new HashSet<>();
        Set<String> tokens = new HashSet<>();
        for (Webhook webhook : webhooks) {
            if (!groupIds.contains(webhook.openConversationId())) {
                throw new IllegalArgumentException("webhook " + webhook.name() + " posts into unknown group "
                        + webhook.openConversationId() + "; add the group first");
            }
            if (!names.add(webhook.name())) {
                throw new IllegalArgumentException("duplicate webhook name " + webhook.name());
            }
            if (!tokens.add(webhook.accessToken())) {
                throw new IllegalArgumentException("webhook " + webhook.name() + " reuses another webhook's token");
            }
        }
    }

    /**
     * Port 8070 on 127.0.0.1, app key/secret {@code sandbox-app-key}/{@code sandbox-app-secret} (also the signing
     * secret), robot code {@code sandbox-robot}, callbacks to {@code http://127.0.0.1:8082/dingtalk/event}, groups
     * {@code cidGroupA} "Group A" and {@code cidGroupB} "Group B", no webhooks.
     */
    public static SandboxSettings defaults() {
        return new SandboxSettings("127.0.0.1", DEFAULT_PORT, DEFAULT_APP_KEY, DEFAULT_APP_SECRET, DEFAULT_ROBOT_CODE,
                DEFAULT_CALLBACK_URL, DEFAULT_APP_SECRET,
                List.of(new Group("cidGroupA", "Group A"), new Group("cidGroupB", "Group B")), List.of());
    }

    public SandboxSettings withHost(String host) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withPort(int port) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    /** The app credentials accepted for tokens; {@code null}s accept any. */
    public SandboxSettings withCredentials(String appKey, String appSecret) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withRobotCode(String robotCode) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withCallbackUrl(URI callbackUrl) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withSigningSecret(String signingSecret) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withGroups(List<Group> groups) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    public SandboxSettings withWebhooks(List<Webhook> webhooks) {
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signingSecret, groups, webhooks);
    }

    /** Secrets are left out. */
    @Override
    public String toString() {
        return "SandboxSettings[host=" + host + ", port=" + port + ", appKey=" + appKey + ", robotCode=" + robotCode
                + ", callbackUrl=" + callbackUrl + ", signedCallbacks=" + (signingSecret != null) + ", groups="
                + groups + ", webhooks=" + webhooks + "]";
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
    }
}
