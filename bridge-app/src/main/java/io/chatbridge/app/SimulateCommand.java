package io.chatbridge.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.dingtalk.protocol.CallbackBody;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simulate}: sends one correctly signed DingTalk HTTP-mode callback to a bridge (e.g. through an ngrok
 * tunnel) and reports what it answered, so a robot setup can be checked end to end without typing in DingTalk.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Send a signed DingTalk robot callback to a bridge and report its answer.",
            "Exit codes: 0 the bridge accepted it (2xx), 1 it refused it, 2 it could not be reached."})
public class SimulateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROBOT_ID = "$:LWCP_v1:$simulated-robot";

    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "callback URL, e.g. https://abc.ngrok-free.app/dingtalk/event")
    URI url;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "the robot's signing secret (the app secret); without it the callback is unsigned")
    String secret;

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
