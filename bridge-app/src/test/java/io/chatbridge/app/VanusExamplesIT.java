package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.MessageContent;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code examples/cloudevents-to-dingtalk} from the packaged bridge.jar: the Vanus DingTalk sink documentation's
 * request bodies, posted verbatim one after another, reach signed custom robots (the sandbox checks every
 * signature as DingTalk does) as the message types they ask for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VanusExamplesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path VANUS = BridgeJarIT.ROOT.resolve("bridge-core/src/test/resources/webhook/vanus");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newHttpClient();
    private DingTalkSandbox dingtalk;
    private Process bridge;
    private Path log;
    private int port;

    @BeforeAll
    void start() throws Exception {
        dingtalk = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)
                .withWebhooks(List.of(
                        new SandboxSettings.Webhook("bot1", "vanus-token-1", "SECvanus-one", "cidGroupA"),
                        new SandboxSettings.Webhook("bot2", "vanus-token-2", "SECvanus-two", "cidGroupB"))))
                .start();

        Path dir = Files.createTempDirectory("vanus-it-");
        log = dir.resolve("bridge.log");
        Path example = BridgeJarIT.ROOT.resolve("examples/cloudevents-to-dingtalk");
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        bridge = BridgeJarIT.startHealthy(dir, Map.of(
                "DINGTALK_WEBHOOK_URL", dingtalk.webhookUrl("bot1"), "DINGTALK_WEBHOOK_SECRET", "SECvanus-one",
                "DINGTALK_WEBHOOK_URL_2", dingtalk.webhookUrl("bot2"), "DINGTALK_WEBHOOK_SECRET_2", "SECvanus-two"),
                log, () -> {
                    port = Ports.freePort();
                    ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
                    // the README's instruction for senders that cannot add a token, so the curl bodies need no change
                    ObjectNode events = (ObjectNode) config.path("webhook").path("events");
                    events.put("listen_port", port).remove("token");
                    events.put("allow_unauthenticated", true);
                    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
                    return new int[] {port};
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
    void everyDocumentedExampleArrivesAsItsMessageType() throws Exception {
        for (String name : List.of("quickstart", "text", "link", "markdown", "actionCard", "feedCard")) {
            HttpResponse<String> answer = post(Files.readString(VANUS.resolve(name + ".json")));
            assertThat(answer.statusCode()).as(name + ": " + answer.body()).isEqualTo(202);
            assertThat(answer.body()).as(name).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        }

        // no xvchatgroup: the default robot, bot1 (group A); every call was signed with bot1's secret
        List<SandboxMessage> groupA = awaitCount("cidGroupA", 6);
        assertThat(groupA).extracting(m -> m.content().type())
                .containsExactly("text", "text", "link", "markdown", "actionCard", "feedCard");
        assertThat(groupA.get(0).content().text()).isEqualTo("Hello dingtalk");
        MessageContent link = groupA.get(2).content();
        assertThat(link.title()).isEqualTo("title");
        assertThat(link.messageUrl()).isEqualTo("https://github.com/vanus-labs");
        assertThat(groupA.get(4).content().buttons()).extracting(MessageContent.Button::title)
                .containsExactly("title1", "title2");
        assertThat(groupA.get(5).content().links()).extracting(MessageContent.FeedLink::title)
                .containsExactly("title1", "title2");
        assertThat(groupA).allSatisfy(m -> assertThat(m.via()).isEqualTo("webhook:bot1"));
    }

    @Test
    void xvchatgroupPicksTheOtherRobotAndARepeatIsDeliveredOnce() throws Exception {
        String event = """
                {"id": "evt-bot2", "source": "vanus-it", "specversion": "1.0", "type": "quickstart",
                 "xvchatgroup": "bot2", "xvmsgtype": "markdown", "data": {"title": "Deploy", "text": "### done"}}""";
        assertThat(post(event).body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        assertThat(post(event).body()).isEqualTo("{\"accepted\":0,\"duplicates\":1}");

        SandboxMessage shown = dingtalk.awaitMessage("cidGroupB", m -> "### done".equals(m.content().text()), WAIT);
        assertThat(shown.content().type()).isEqualTo("markdown");
        assertThat(shown.content().title()).isEqualTo("Deploy");
        Thread.sleep(500); // a second delivery would have arrived by now
        assertThat(dingtalk.conversation("cidGroupB")).hasSize(1);
    }

    private List<SandboxMessage> awaitCount(String group, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline && dingtalk.conversation(group).size() < count) {
            Thread.sleep(100);
        }
        List<SandboxMessage> messages = dingtalk.conversation(group);
        assertThat(messages).as("messages in " + group + "; bridge log:\n" + Files.readString(log)).hasSize(count);
        return messages;
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .header("Content-Type", "application/cloudevents+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
