package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two {@code dingtalk} instances joined by a {@code connect} rule, their {@code api_endpoint} on a local DingTalk
 * stand-in, run from the packaged bridge.jar: a signed callback in one group becomes a Robot v1.0
 * {@code groupMessages/send} into the other; forged, stale, unsigned and malformed callbacks are refused and
 * nothing is bridged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DingTalkConnectIT {

    private static final String SECRET_A = "signing-secret-of-robot-a";
    private static final String SECRET_B = "signing-secret-of-robot-b";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newHttpClient();
    private DingTalkSandbox dingtalk;
    private Process bridge;
    private Path log;
    private int portA;
    private int portB;

    @BeforeAll
    void start() throws Exception {
        dingtalk = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)
                .withCredentials(null, null).withRobotCode(null)).start();
        Path dir = Files.createTempDirectory("connect-it-");
        log = dir.resolve("bridge.log");
        Files.writeString(dir.resolve("rules.json"), """
                {"rules": [{"type": "connect", "channels": {
                   "dt_a": {"open_conversation_id": "cidGroupA"},
                   "dt_b": {"open_conversation_id": "cidGroupB"}}}]}
                """);
        bridge = BridgeJarIT.startHealthy(dir, Map.of(), log, () -> {
            portA = Ports.freePort();
            portB = Ports.freePort();
            Files.writeString(dir.resolve("config.json"), """
                {"global": {"database": {"path": "data/bridge.db"}, "http": {"host": "127.0.0.1"}},
                 "dingtalk": {
                   "dt_a": {"app_key": "dingappa", "app_secret": "app-secret-a", "robot_code": "robot-a",
                            "signing_secret": "%s", "listen_port": %d, "api_endpoint": "%s"},
                   "dt_b": {"app_key": "dingappb", "app_secret": "app-secret-b", "robot_code": "robot-b",
                            "signing_secret": "%s", "listen_port": %d, "api_endpoint": "%s"}}}
                """.formatted(SECRET_A, portA, dingtalk.baseUrl(), SECRET_B, portB, dingtalk.baseUrl()));
            return new int[] {portA, portB};
        }, "--config", "config.json", "--rules", "rules.json");
    }

    @AfterAll
    void stop() throws Exception {
        BridgeJarIT.stop(bridge);
        if (dingtalk != null) {
            dingtalk.close();
        }
    }

    @Test
    void aSignedCallbackInOneGroupIsSentIntoTheOtherAndBack() throws Exception {
        long now = System.currentTimeMillis();
        HttpResponse<String> answer = post(portA, signed(now, SECRET_A), callback("msgA1", "cidGroupA", "Alice",
                "deploy finished"));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);

        SandboxMessage inB = dingtalk.awaitMessage("cidGroupB", m -> m.shows("deploy finished"), WAIT);
        assertThat(inB.via()).isEqualTo(SandboxMessage.VIA_OPENAPI);
        assertThat(inB.sender()).isEqualTo("robot-b");
        assertThat(inB.content().text()).isEqualTo("Alice: deploy finished");

        HttpResponse<String> reply = post(portB, signed(now, SECRET_B), callback("msgB1", "cidGroupB", "Bob",
                "thanks"));
        assertThat(reply.statusCode()).isEqualTo(200);
        SandboxMessage inA = dingtalk.awaitMessage("cidGroupA", m -> m.shows("Bob: thanks"), WAIT);
        assertThat(inA.sender()).isEqualTo("robot-a");
        // each robot fetched its own token once
        assertThat(dingtalk.tokenRequests()).isEqualTo(2);
    }

    @Test
    void forgedStaleUnsignedAndMalformedCallbacksAreRefusedAndNothingIsBridged() throws Exception {
        long now = System.currentTimeMillis();
        String forged = callback("msgX1", "cidGroupA", "Mallory", "forged");

        assertThat(post(portA, signed(now, "not-the-secret"), forged).statusCode()).isEqualTo(403);
        assertThat(post(portA, signed(now, SECRET_B), forged).statusCode()).as("the other robot's secret")
                .isEqualTo(403);
        assertThat(post(portA, signed(now - Duration.ofHours(2).toMillis(), SECRET_A), forged).statusCode())
                .as("stale").isEqualTo(403);
        assertThat(post(portA, Map.of(), forged).statusCode()).as("unsigned").isEqualTo(403);
        assertThat(post(portA, Map.of("timestamp", Long.toString(now), "sign", "%%not base64%%"), forged)
                .statusCode()).as("bad Base64").isEqualTo(403);
        assertThat(post(portA, signed(now, SECRET_A), "{\"msgtype\": \"text\", ").statusCode()).as("malformed")
                .isEqualTo(400);

        // a correct callback after all of those still goes through, and it is the only one bridged
        assertThat(post(portA, signed(now, SECRET_A), callback("msgX2", "cidGroupA", "Carol", "still here"))
                .statusCode()).isEqualTo(200);
        dingtalk.awaitMessage("cidGroupB", m -> m.shows("Carol: still here"), WAIT);
        assertThat(dingtalk.conversation("cidGroupB")).noneMatch(m -> m.shows("forged"));
        assertThat(Files.readString(log)).doesNotContain(SECRET_A).doesNotContain(SECRET_B)
                .doesNotContain("app-secret-a").doesNotContain("app-secret-b");
    }

    private static String callback(String msgId, String conversation, String nick, String text) {
        return """
                {"msgtype": "text", "text": {"content": " %s"}, "msgId": "%s", "conversationId": "%s",
                 "conversationType": "2", "senderNick": "%s", "senderStaffId": "%s01",
                 "createAt": %d, "chatbotUserId": "$:LWCP_v1:$robot"}"""
                .formatted(text, msgId, conversation, nick, nick.toLowerCase(), System.currentTimeMillis());
    }

    private static Map<String, String> signed(long timestamp, String secret) throws Exception {
        String ts = Long.toString(timestamp);
        return Map.of("timestamp", ts, "sign", BridgeJarIT.callbackSign(ts, secret));
    }

    private HttpResponse<String> post(int port, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dingtalk/event"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

}
