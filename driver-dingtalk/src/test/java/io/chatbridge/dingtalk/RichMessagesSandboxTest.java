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
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through a real bridge: members post pictures and rich text in sandbox group A; the bridge delivers them
 * to group B through the app robot and to a webhook egress, resolving the pictures at send time.
 */
class RichMessagesSandboxTest {

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
                {"global": {"database": {"path": ":memory:"}, "strict_echo_match": true},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "listen_port": %d}},
                 "webhook": {"hook": {"url": "%s"}}}
                """.formatted(listenPort, receiver.url());
        String rules = """
                {"rules": [
                  {"id": "a-to-b", "from": {"dt": {"open_conversation_id": "cidGroupA"}},
                   "to": {"dt": {"open_conversation_id": "cidGroupB"}, "hook": {}}},
                  {"id": "b-to-a", "from": {"dt": {"open_conversation_id": "cidGroupB"}},
                   "to": {"dt": {"open_conversation_id": "cidGroupA"}}}
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
    void aPicturePostedInGroupAAppearsAsAPictureInGroupBAndAsAFetchableUrlAtTheWebhookEgress() throws Exception {
        sandbox.postPictureAsMember("cidGroupA", "Alice", null);

        SandboxMessage picture = sandbox.awaitMessage("cidGroupB", m -> "image".equals(m.content().type()), WAIT);
        assertThat(picture.via()).isEqualTo(SandboxMessage.VIA_OPENAPI);
        assertThat(picture.content().picUrl()).startsWith(sandbox.baseUrl() + "/sandbox/media/@");
        assertThat(fetch(picture.content().picUrl()).body()).isEqualTo(DingTalkSandbox.samplePicture());
        // the sender's name arrives before the picture, as its own message
        List<SandboxMessage> groupB = sandbox.conversation("cidGroupB");
        assertThat(groupB.get(groupB.indexOf(picture) - 1).content().text()).isEqualTo("Alice:");

        JsonNode body = egress.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(body).as("webhook egress body").isNotNull();
        JsonNode attachment = body.path("attachments").path(0);
        assertThat(attachment.path("type").asText()).isEqualTo("image");
        HttpResponse<byte[]> fetched = fetch(attachment.path("url").asText());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(DingTalkSandbox.samplePicture());
    }

    @Test
    void richTextKeepsTheOrderOfTextAndPicturesInGroupB() throws Exception {
        sandbox.postRichTextAsMember("cidGroupA", "Alice", List.of(DingTalkSandbox.Part.text("first the text"),
                DingTalkSandbox.Part.picture(null), DingTalkSandbox.Part.text("then more text")));

        SandboxMessage shown = sandbox.awaitMessage("cidGroupB", m -> m.shows("then more text"), WAIT);
        assertThat(shown.content().type()).isEqualTo("markdown");
        String markdown = shown.content().text();
        int text = markdown.indexOf("first the text");
        int image = markdown.indexOf("![image](");
        int more = markdown.indexOf("then more text");
        assertThat(text).isGreaterThanOrEqualTo(0);
        assertThat(image).isGreaterThan(text);
        assertThat(more).isGreaterThan(image);
        assertThat(markdown).startsWith("Alice:");
        String url = markdown.substring(image + "![image](".length(), markdown.indexOf(')', image));
        assertThat(fetch(url).body()).isEqualTo(DingTalkSandbox.samplePicture());
    }

    @Test
    void aQuoteInGroupBOfAMessageBridgedFromGroupAIsShownInGroupAWithTheOriginalSenderAndText() throws Exception {
        sandbox.postAsMember("cidGroupA", "Alice", "original text");
        SandboxMessage copy = sandbox.awaitMessage("cidGroupB", m -> m.shows("Alice: original text"), WAIT);
        awaitLinked(copy.id());

        sandbox.replyAsMember("cidGroupB", "Bob", "agreed", copy.id());

        SandboxMessage reply = sandbox.awaitMessage("cidGroupA", m -> m.shows("Bob: agreed"), WAIT);
        assertThat(reply.content().text()).isEqualTo("> Alice: original text\nBob: agreed");
    }

    @Test
    void aQuoteOfAMessageDeliveredToTheTargetBeforeNamesItsSenderAndCarriesTheTargetsId() throws Exception {
        SandboxMessage original = sandbox.postAsMember("cidGroupB", "Bob", "lunch at noon?");
        SandboxMessage copy = sandbox.awaitMessage("cidGroupA", m -> m.shows("Bob: lunch at noon?"), WAIT);
        awaitLinked(copy.id());
        egress.clear();

        // Alice quotes the copy in group A; the reply goes back to group B, where the original is Bob's own
        sandbox.replyAsMember("cidGroupA", "Alice", "yes", copy.id());

        SandboxMessage reply = sandbox.awaitMessage("cidGroupB", m -> m.shows("Alice: yes"), WAIT);
        assertThat(reply.content().text()).isEqualTo("> Bob: lunch at noon?\nAlice: yes");
        JsonNode body = egress.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(body.path("quote").path("text").asText()).isEqualTo("Bob: lunch at noon?");
        assertThat(body.path("text").asText()).startsWith("> Bob: lunch at noon?\n");
        assertThat(original.id()).isNotBlank();
    }

    /** The outbox records a delivery's link right after the send returned. */
    private void awaitLinked(String targetMessageId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (bridge.store().sources("dt", targetMessageId).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bridge.store().sources("dt", targetMessageId)).as("link of " + targetMessageId).isNotEmpty();
    }

    private HttpResponse<byte[]> fetch(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

}
