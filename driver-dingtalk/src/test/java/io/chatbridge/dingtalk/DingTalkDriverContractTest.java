package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.testkit.DriverContractTest;
import io.chatbridge.testkit.TestDriverContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The driver kit's contract, with the local DingTalk sandbox standing in for DingTalk's OpenAPI. */
class DingTalkDriverContractTest extends DriverContractTest {

    private static final String SIGNING_SECRET = "contract-signing-secret";

    private DingTalkSandbox dingtalk;

    @BeforeEach
    void startDingTalk() {
        dingtalk = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)).start();
    }

    @AfterEach
    void stopDingTalk() {
        dingtalk.close();
    }

    @Override
    protected DriverFactory factory() {
        return new DingTalkDriverFactory();
    }

    @Override
    protected Map<String, Object> validSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", SandboxSettings.DEFAULT_APP_KEY);
        settings.put("app_secret", SandboxSettings.DEFAULT_APP_SECRET);
        settings.put("robot_code", SandboxSettings.DEFAULT_ROBOT_CODE);
        settings.put("signing_secret", SIGNING_SECRET);
        settings.put("listen_port", 0);
        settings.put("api_endpoint", dingtalk.baseUrl());
        return settings;
    }

    @Override
    protected Map<String, Object> invalidSettings() {
        return Map.of("app_key", "k", "listen_port", "eighty", "api_endpoint", "ftp://nowhere");
    }

    @Override
    protected Map<String, Object> targetAddress() {
        return Map.of("open_conversation_id", "cidGroupA");
    }

    @Override
    protected Set<String> secrets() {
        return Set.of(SandboxSettings.DEFAULT_APP_SECRET, SIGNING_SECRET);
    }

    @Override
    protected boolean triggerInbound(TestDriverContext context) throws Exception {
        String ts = Long.toString(System.currentTimeMillis());
        String body = """
                {"msgtype": "text", "text": {"content": " hello robot"}, "msgId": "msgContract1",
                 "conversationId": "cidGroupA", "conversationType": "2", "senderNick": "Alice",
                 "senderStaffId": "alice01", "createAt": %s}""".formatted(ts);
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(context.url(0, "/dingtalk/event"))
                        .header("timestamp", ts).header("sign", DingTalkSignature.sign(ts, SIGNING_SECRET))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return true;
    }
}
