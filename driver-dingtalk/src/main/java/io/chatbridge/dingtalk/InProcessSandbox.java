package io.chatbridge.dingtalk;

import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox an instance with {@code "sandbox": true} runs in-process: its groups are the two sandbox defaults plus
 * every conversation the rules name, each custom robot posts into a group of its own (under a sandbox token, so the
 * configured URL's token is never shown), and members' messages come back to the instance's own callback port and
 * path, signed with its signing secret.
 *
 * @param sandbox the started sandbox
 * @param webhooks the instance's custom robots with their URLs pointing at the sandbox
 */
record InProcessSandbox(DingTalkSandbox sandbox, List<WebhookConfig> webhooks) {

    /** Prefix of the group each custom robot posts into. */
    static final String ROBOT_GROUP_PREFIX = "cidRobot_";

    /**
     * Starts the sandbox of {@code config}.
     *
     * @param bindHost where the bridge's HTTP servers listen ({@code DriverContext.bindHost()}): the sandbox posts
     *     members' messages to the instance's callback port there (loopback for a wildcard address)
     * @param clock the bridge's clock: the sandbox's tokens and download links expire by it
     */
    static InProcessSandbox start(DingTalkConfig config, String bindHost, java.time.Clock clock) {
        Map<String, SandboxSettings.Group> groups = new LinkedHashMap<>();
        for (SandboxSettings.Group group : SandboxSettings.defaults().groups()) {
            groups.put(group.openConversationId(), group);
        }
        for (String id : config.sandbox().groups()) {
            if (!DingTalkSandbox.isDirectConversationId(id)) { // a one-to-one chat the rules name is no group
                groups.putIfAbsent(id, new SandboxSettings.Group(id, id));
            }
        }
        List<SandboxSettings.Webhook> robots = new ArrayList<>();
        for (WebhookConfig webhook : config.webhooks()) {
            String groupId = ROBOT_GROUP_PREFIX + webhook.chatGroup();
            groups.putIfAbsent(groupId,
                    new SandboxSettings.Group(groupId, webhook.chatGroup() + " (custom robot)", false));
            // a token of the sandbox's own: the configured URL's real token never reaches the sandbox page
            robots.add(new SandboxSettings.Webhook(webhook.chatGroup(), "sandbox-" + webhook.chatGroup(),
                    webhook.secret(), groupId));
        }
        URI callback = config.callbacks()
                ? URI.create("http://" + connectHost(bindHost) + ":" + config.listenPort()
                        + config.listenPath())
                : null;
        SandboxSettings settings = SandboxSettings.defaults()
                .withPort(config.sandbox().port())
                .withCredentials(config.appKey(), config.appSecret())
                .withRobotCode(config.robotCode())
                .withSigningSecret(config.signingSecret())
                .withCallbackUrl(callback)
                .withGroups(List.copyOf(groups.values()))
                .withWebhooks(robots);
        DingTalkSandbox sandbox = new DingTalkSandbox(settings, clock).embeddedIn(config.instanceId());
        if (config.stream()) {
            // members' messages reach the instance over its Stream connection to the sandbox's gateway
            sandbox.useStreamMode();
        }
        try {
            sandbox.start();
        } catch (RuntimeException e) {
            sandbox.stop();
            throw new IllegalStateException("dingtalk." + config.instanceId() + ".sandbox_port: cannot listen on "
                    + settings.host() + ":" + settings.port() + " (" + rootMessage(e) + "); choose a free port", e);
        }
        List<WebhookConfig> pointed = new ArrayList<>();
        for (WebhookConfig webhook : config.webhooks()) {
            pointed.add(new WebhookConfig(webhook.chatGroup(), sandbox.webhookUrl(webhook.chatGroup()),
                    webhook.secret(), webhook.ratePerMinute()));
        }
        return new InProcessSandbox(sandbox, pointed);
    }

    /** A bind address as an address to connect to: wildcard addresses become loopback, IPv6 gets brackets. */
    static String connectHost(String bindHost) {
        String host = bindHost == null ? null : bindHost.strip();
        if (host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return "127.0.0.1";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
