package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.Bridge;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mentions end to end through a real bridge: a member's {@code @Name} in a sandbox group reaches another group of
 * the same organisation as a real mention and a webhook egress with the name; an id that {@code global.identities}
 * maps from the webhook ingress arrives in a DingTalk group as a real mention, an unmapped one as plain text.
 */
class MentionsSandboxTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private LinkedBlockingQueue<JsonNode> egress;
    private SandboxBridge.Receiver receiver;
    private SandboxBridge running;
    private Bridge bridge;
    private DingTalkSandbox sandbox;

    @BeforeEach
    void startBridge() throws Exception {
        receiver = new SandboxBridge.Receiver();
        egress = receiver.bodies;
        IntFunction<String> config = listenPort -> """
                {"global": {"database": {"path": ":memory:"}, "strict_echo_match": true,
                            "identities": [{"chat": "123456789", "dt": "alice"}]},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "listen_port": %d}},
                 "webhook": {"chat": {"listen_port": 0, "token": "t0ken-for-tests",
                                      "url": "%s"}}}
                """.formatted(listenPort, receiver.url());
        String rules = """
                {"rules": [
                  {"id": "a-to-b", "from": {"dt": {"open_conversation_id": "cidGroupA"}},
                   "to": {"dt": {"open_conversation_id": "cidGroupB"}, "chat": {}}},
                  {"id": "chat-to-a", "from": {"chat": {"room": "ops"}}, "to": {"dt": {"open_conversation_id": "cidGroupA"}}}
                ]}""";
        running = SandboxBridge.start(dir, config, rules);
        bridge = running.bridge;
        sandbox = running.sandbox;
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void aMembersMentionReachesAGroupOfTheSameOrganisationAsARealMentionAndTheEgressWithTheName()
            throws Exception {
        sandbox.postAsMember("cidGroupA", "Carol", "@Bob @Alice please review");

        // the same organisation: the staff ids stand where the text had the names (DingTalk shows them as names)
        SandboxMessage inB = sandbox.awaitMessage("cidGroupB", m -> m.shows("please review"), WAIT);
        assertThat(inB.content().text()).isEqualTo("Carol: @bob @alice please review");

        // another platform shows the names as written; the identity maps Alice, nobody maps Bob
        JsonNode body = egress.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(body).as("egress body").isNotNull();
        assertThat(body.path("text").asText()).isEqualTo("Carol: @Bob @Alice please review");
        assertThat(body.path("mentions").path("user_ids")).extracting(JsonNode::asText).containsExactly("123456789");
        assertThat(body.path("mentions").path("names").path("123456789").asText()).isEqualTo("Alice");
    }

    @Test
    void anIdMappedByAnIdentityBecomesARealMentionAndAnUnmappedOneStaysText() throws Exception {
        String message = """
                {"channel": {"room": "ops"}, "user": "ci", "text": "@ally and @zed: deploy?",
                 "mentions": {"user_ids": ["123456789", "555"], "names": {"123456789": "ally", "555": "zed"}}}""";
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + bridge.port(0) + "/events"))
                .header("Authorization", "Bearer t0ken-for-tests").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);

        SandboxMessage inA = sandbox.awaitMessage("cidGroupA", m -> m.shows("deploy?"), WAIT);
        // ally is alice on DingTalk: her staff id stands where the text named her; zed is nobody there
        assertThat(inA.content().text()).isEqualTo("ci: @alice and @zed: deploy?");
    }
}
