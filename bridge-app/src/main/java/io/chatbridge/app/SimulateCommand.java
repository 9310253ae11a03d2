package io.chatbridge.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.dingtalk.DingTalkConfig;
import io.chatbridge.dingtalk.DingTalkDriver;
import io.chatbridge.dingtalk.protocol.CallbackBody;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simulate}: sends one correctly signed DingTalk HTTP-mode callback to a bridge (e.g. through an ngrok
 * tunnel) and reports what it answered, so a robot setup can be checked end to end without typing in DingTalk. With
 * {@code --config} the URL and the signing secret come from a DingTalk instance of the bridge's config.json.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Send a signed DingTalk robot callback to a bridge and report its answer.",
            "Exit codes: 0 the bridge accepted it (2xx), 1 it refused it, 2 it could not be reached."})
public class SimulateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROBOT_ID = "$:LWCP_v1:$simulated-robot";

    @Option(names = "--url", paramLabel = "URL",
            description = "callback URL, e.g. https://abc.ngrok-free.app/dingtalk/event (default with --config: the"
                    + " instance's listen_port and listen_path on global.http.host)")
    URI url;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "the robot's signing secret (the app secret; the sandbox's is sandbox-app-secret); default"
                    + " with --config: the instance's; without either the callback is unsigned")
    String secret;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "the bridge's config.json: read the callback URL and signing secret of a DingTalk instance")
    Path config;

    @Option(names = "--instance", paramLabel = "ID",
            description = "the DingTalk instance in --config (needed when it has more than one)")
    String instance;

    @Option(names = {"-r", "--rules"}, paramLabel = "FILE",
            description = "rules.json to check the instance against (default: rules.json next to --config, if any)")
    Path rules;

    @Option(names = {"-p", "--plugins"}, paramLabel = "DIR", description = "plugin jars --config's platforms need")
    Path plugins;

    @Option(names = "--text", defaultValue = "hi", description = "message text (default: ${DEFAULT-VALUE})")
    String text;

    @Option(names = "--conversation", defaultValue = "cidSimulatedGroup", paramLabel = "CID",
            description = "conversationId of the simulated group (default: ${DEFAULT-VALUE})")
    String conversation;

    @Option(names = "--sender", defaultValue = "Simulated User", description = "sender nickname")
    String sender;

    @Option(names = "--robot-code", defaultValue = "dingsimulatedrobot", description = "robotCode in the callback")
    String robotCode;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (config != null) {
            Integer failed = readConfig(err);
            if (failed != null) {
                return failed;
            }
        } else if (instance != null || rules != null) {
            err.println("error: " + (instance != null ? "--instance" : "--rules") + " needs --config FILE");
            return 2;
        }
        if (url == null) {
            err.println("error: give the callback URL with --url URL, or --config FILE [--instance ID] to read it"
                    + " (and the signing secret) from the bridge's config");
            return 2;
        }
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            spec.commandLine().getErr().println("error: --url: expected an http:// or https:// URL");
            return 2;
        }
        long now = System.currentTimeMillis();
        ObjectNode body = CallbackBody.text()
                .conversation(conversation, false)
                .group("Simulated group")
                .atUser(ROBOT_ID, null)
                .chatbot(null, ROBOT_ID)
                .msgId("msgSimulated" + UUID.randomUUID().toString().replace("-", ""))
                .sender(sender, "simulated-user", "$:LWCP_v1:$simulated-user", null)
                .sessionWebhook(null, now + 90 * 60_000)
                .createAt(now)
                .content(" " + text)
                .robotCode(robotCode)
                .toJson();

        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (secret != null && !secret.isEmpty()) {
            String timestamp = Long.toString(now);
            request.header("timestamp", timestamp).header("sign", DingTalkSignature.sign(timestamp, secret));
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("error: cannot reach " + url.getHost()
                    + (url.getPort() < 0 ? "" : ":" + url.getPort()) + ": " + reason(e));
            return 2;
        }
        var out = spec.commandLine().getOut();
        String answer = response.body().strip();
        out.println("POST " + url.getScheme() + "://" + url.getAuthority() + url.getPath() + " -> HTTP "
                + response.statusCode() + (answer.isEmpty() ? "" : " " + answer));
        if (response.statusCode() / 100 == 2) {
            // a 200 says the bridge took the callback, not that a rule routed it anywhere
            out.println("accepted (HTTP " + response.statusCode() + ")" + (answer.isEmpty()
                    ? ": whether a rule routes messages from " + conversation + " is up to rules.json"
                    : ": " + answer));
            return 0;
        }
        out.println(switch (response.statusCode()) {
            case 403 -> "refused: signature check failed; is --secret the robot's signing secret?";
            case 404 -> "refused: nothing listens on this path; check listen_path and the URL";
            case 400 -> "refused: the bridge could not read the callback";
            default -> "refused by the bridge";
        });
        return 1;
    }

    /**
     * Fills in {@link #url} and {@link #secret} (unless given) from the DingTalk instance in {@link #config}, loaded
     * as {@code validate} loads it.
     *
     * @return an exit code when the config cannot tell, else {@code null}
     */
    private Integer readConfig(PrintWriter err) {
        for (Path file : rules == null ? List.of(config) : List.of(config, rules)) {
            if (!Files.isRegularFile(file)) {
                err.println("error: " + file.toAbsolutePath() + ": " + (Files.isDirectory(file)
                        ? "is a directory, not a file" : "file does not exist"));
                return 2;
            }
        }
        if (plugins != null && !Files.isDirectory(plugins)) {
            err.println("error: " + plugins + ": plugins directory does not exist");
            return 2;
        }
        Path rulesFile = rules;
        if (rulesFile == null) {
            Path sibling = config.toAbsolutePath().resolveSibling("rules.json");
            rulesFile = Files.isRegularFile(sibling) ? sibling : null;
        }
        DriverRegistry registry = DriverRegistry.discover(plugins);
        Setup setup = rulesFile == null ? Setup.loadWithoutRules(config, registry, System::getenv)
                : Setup.load(config, rulesFile, registry, System::getenv);
        if (!setup.valid()) {
            err.print(Setup.render(setup.errors()));
            err.println("error: " + config + " does not load (see above); simulate reads the callback URL and signing"
                    + " secret from it");
            return 2;
        }
        Map<String, DingTalkDriver> dingtalk = new LinkedHashMap<>();
        setup.drivers().forEach((id, driver) -> {
            if (driver instanceof DingTalkDriver d) {
                dingtalk.put(id, d);
            }
        });
        String known = dingtalk.isEmpty() ? "none" : String.join(", ", dingtalk.keySet());
        DingTalkDriver driver;
        if (instance != null) {
            driver = dingtalk.get(instance);
            if (driver == null) {
                err.println("error: --instance " + instance + ": " + config + " has no DingTalk instance of that name"
                        + " (DingTalk instances: " + known + ")");
                return 2;
            }
        } else if (dingtalk.size() == 1) {
            driver = dingtalk.values().iterator().next();
        } else {
            err.println("error: " + config + " has " + (dingtalk.isEmpty() ? "no DingTalk instance"
                    : dingtalk.size() + " DingTalk instances (" + known + "): name one with --instance ID"));
            return 2;
        }
        DingTalkConfig c = driver.config();
        String where = DingTalkConfig.PLATFORM + "." + c.instanceId();
        if (url == null) {
            url = URI.create("http://" + connectHost(setup.global().httpHost()) + ":" + c.listenPort()
                    + c.listenPath());
        }
        boolean ownSecret = secret == null;
        if (ownSecret) {
            secret = c.signingSecret();
        }
        if (rulesFile != null && !c.callbacks()) {
            err.println("warning: " + where + " receives no callbacks (no rule in " + rulesFile.getFileName()
                    + " reads from it and listen_port/listen_path are not set): the bridge does not listen at " + url);
        }
        // never the secret itself: only where it came from
        spec.commandLine().getOut().println("using " + where + " from " + config + ": " + url + ", " + (!ownSecret
                ? "signed with --secret" : secret == null ? "unsigned (the instance has no signing_secret)"
                : c.sandbox() != null && c.signingSecret().equals(c.appSecret())
                        ? "signed with the sandbox's signing secret" : "signed with its signing_secret"));
        return null;
    }

    /** {@code global.http.host} as an address to connect to: a wildcard address becomes loopback. */
    static String connectHost(String bindHost) {
        String host = bindHost == null ? "" : bindHost.strip();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return "127.0.0.1";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** What went wrong on the wire, e.g. "connection refused". */
    static String reason(Throwable e) {
        boolean connect = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host";
            }
            connect |= t instanceof java.net.ConnectException;
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                String message = t.getMessage().strip();
                // "Connection refused" reads as part of the sentence; "HTTP connect timed out" keeps its case
                return message.length() > 1 && Character.isLowerCase(message.charAt(1))
                        ? Character.toLowerCase(message.charAt(0)) + message.substring(1) : message;
            }
        }
        // the JDK client's ConnectException carries no message when the port refused the connection (a timeout
        // and an unknown host are told apart above)
        return connect ? "connection refused" : e.getClass().getSimpleName();
    }
}
