package io.chatbridge.dingtalk.sandbox;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bridge.jar sandbox}: runs a {@link DingTalkSandbox} until the process is stopped (Ctrl-C) and prints the
 * page's URL. Only the well-known default secrets are ever printed, never ones given on the command line.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Runs a local stand-in for DingTalk: a page with group chats plus DingTalk's robot APIs, so the"
                + " bridge can be tried without a DingTalk account.")
public final class SandboxCommand implements Callable<Integer> {

    @Option(names = "--port", description = "Port to listen on (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    int port = SandboxSettings.DEFAULT_PORT;

    @Option(names = "--host", description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    String host = "127.0.0.1";

    @Option(names = "--callback-url", paramLabel = "URL",
            description = "The bridge's DingTalk callback URL (listen_port + listen_path). Default: ${DEFAULT-VALUE}.")
    URI callbackUrl = SandboxSettings.DEFAULT_CALLBACK_URL;

    @Option(names = "--app-key", description = "App key accepted for access tokens. Default: ${DEFAULT-VALUE}.")
    String appKey = SandboxSettings.DEFAULT_APP_KEY;

    @Option(names = "--app-secret", description = "App secret accepted for access tokens. Default: sandbox-app-secret.")
    String appSecret = SandboxSettings.DEFAULT_APP_SECRET;

    @Option(names = "--signing-secret",
            description = "Key of the callbacks' sign header. Default: the app secret, like DingTalk.")
    String signingSecret;

    @Option(names = "--unsigned", description = "Send callbacks without timestamp/sign headers.")
    boolean unsigned;

    @Option(names = "--stream", description = "Deliver members' messages over the Stream-mode gateway to a bridge"
            + " with receive_mode \"stream\" (it connects out to the sandbox; no callback URL is used).")
    boolean stream;

    @Option(names = "--robot-code", description = "Robot code send calls must carry. Default: ${DEFAULT-VALUE}.")
    String robotCode = SandboxSettings.DEFAULT_ROBOT_CODE;

    @Option(names = "--group", paramLabel = "CID=TITLE",
            description = "A group chat (repeatable). Default: cidGroupA=Group A and cidGroupB=Group B.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--webhook", paramLabel = "TOKEN=CID[:SECRET]",
            description = "A custom group robot posting into group CID with access_token TOKEN, signed when SECRET is"
                    + " given (repeatable).")
    List<String> webhooks = new ArrayList<>();

    private final PrintStream out;

    public SandboxCommand() {
        this(System.out);
    }

    SandboxCommand(PrintStream out) {
        this.out = out;
    }

    /** The settings the options describe. */
    public SandboxSettings settings() {
        List<SandboxSettings.Group> groupList = new ArrayList<>();
        for (String group : groups) {
            int eq = group.indexOf('=');
            groupList.add(eq < 0 ? new SandboxSettings.Group(group.strip(), null)
                    : new SandboxSettings.Group(group.substring(0, eq).strip(), group.substring(eq + 1).strip()));
        }
        if (groupList.isEmpty()) {
            groupList.addAll(SandboxSettings.defaults().groups());
        }
        List<SandboxSettings.Webhook> webhookList = new ArrayList<>();
        for (String webhook : webhooks) {
            int eq = webhook.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--webhook " + webhook + ": expected TOKEN=CID or TOKEN=CID:SECRET");
            }
            String token = webhook.substring(0, eq);
            String target = webhook.substring(eq + 1);
            int colon = target.indexOf(':');
            String cid = colon < 0 ? target : target.substring(0, colon);
            String secret = colon < 0 ? null : target.substring(colon + 1);
            webhookList.add(new SandboxSettings.Webhook(token, token, secret, cid));
        }
        String signing = unsigned ? null : signingSecret != null ? signingSecret : appSecret;
        return new SandboxSettings(host, port, appKey, appSecret, robotCode, callbackUrl, signing, groupList,
                webhookList);
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        SandboxSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        DingTalkSandbox sandbox = sandbox(settings);
        try {
            sandbox.start();
        } catch (RuntimeException e) {
            sandbox.stop();
            String reason = bindFailure(e);
            if (reason == null) {
                throw e;
            }
            // a taken port is a user's mistake: one line, like `run`, no stack trace
            err.println("error: cannot listen on " + settings.host() + ":" + settings.port() + ": " + reason);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sandbox.close();
            stopped.countDown();
        }, "dingtalk-sandbox-shutdown"));
        printBanner(sandbox);
        stopped.await();
        return 0;
    }

    /** The sandbox the options describe, not started. */
    DingTalkSandbox sandbox(SandboxSettings settings) {
        DingTalkSandbox sandbox = new DingTalkSandbox(settings);
        return stream ? sandbox.useStreamMode() : sandbox;
    }

    /** Why the port could not be opened ("address already in use"), or {@code null} when that was not the cause. */
    private static String bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException bind) {
                String message = bind.getMessage() == null ? "cannot bind" : bind.getMessage();
                return message.isEmpty() ? message
                        : Character.toLowerCase(message.charAt(0)) + message.substring(1);
            }
        }
        return null;
    }

    void printBanner(DingTalkSandbox sandbox) {
        SandboxSettings s = sandbox.settings();
        out.println();
        out.println("DingTalk sandbox is running. Open " + sandbox.baseUrl() + "/ in a browser.");
        out.println();
        out.println("Configure the bridge's dingtalk instance with:");
        out.println("  api base URL   " + sandbox.baseUrl());
        out.println("  app_key        " + s.appKey());
        out.println("  app_secret     " + (SandboxSettings.DEFAULT_APP_SECRET.equals(s.appSecret())
                ? SandboxSettings.DEFAULT_APP_SECRET : "(the --app-secret you gave)"));
        out.println("  robot_code     " + s.robotCode());
        out.println("  signing_secret " + (s.signingSecret() == null ? "(none: callbacks are unsigned)"
                : s.signingSecret().equals(s.appSecret()) ? "same as app_secret" : "(the --signing-secret you gave)"));
        if (sandbox.streamMode()) {
            out.println("  receive_mode   \"stream\" (api_endpoint " + sandbox.baseUrl() + ")");
            out.println("Members' messages are pushed over Stream mode to the bridge once it connects to "
                    + sandbox.baseUrl() + StreamGateway.OPEN_PATH);
        } else {
            out.println("Members' messages are delivered to " + s.callbackUrl());
        }
        for (SandboxSettings.Group group : s.groups()) {
            out.println("  group " + group.openConversationId() + "  \"" + group.title() + "\"");
        }
        if (!s.webhooks().isEmpty()) {
            out.println("Custom robot webhooks are listed on the page.");
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }
}
