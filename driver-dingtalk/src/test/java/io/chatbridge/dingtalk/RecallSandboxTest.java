package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/** A message deleted at the source is recalled from every group the bridge delivered it to. */
class RecallSandboxTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private SandboxBridge running;
    private Bridge bridge;
    private DingTalkSandbox sandbox;

    private LinkedBlockingQueue<JsonNode> egress;
    private SandboxBridge.Receiver receiver;

    @BeforeEach
    void startBridge() throws Exception {
        receiver = new SandboxBridge.Receiver();
        egress = receiver.bodies;
        IntFunction<String> config = listenPort -> """
                {"global": {"database": {"path": ":memory:"}},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "listen_port": %d}},
                 "webhook": {"events": {"listen_port": 0, "token": "t0ken-for-tests",
                                        "url": "%s"}}}
                """.formatted(listenPort, receiver.url());
        String rules = """
                {"rules": [
                  {"id": "ops-to-a", "from": {"events": {"room": "ops"}}, "to": {"dt": {"open_conversation_id": "cidGroupA"}}},
                  {"id": "ops-to-b", "from": {"events": {"room": "ops"}}, "to": {"dt": {"open_conversation_id": "cidGroupB"}}},
                  {"id": "alerts-a", "from": {"events": {"type": "alert.critical"}}, "to": {"dt": {"open_conversation_id": "cidGroupA"}}},
                  {"id": "alerts-b", "from": {"events": {"type": "alert.critical"}}, "to": {"dt": {"open_conversation_id": "cidGroupB"}}},
                  {"id": "long-to-c", "from": {"events": {"room": "long"}}, "to": {"dt": {"open_conversation_id": "cidGroupC"}}},
                  {"id": "c-back", "from": {"dt": {"open_conversation_id": "cidGroupC"}}, "to": {"events": {}}}
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

    private int post(String json) throws Exception {
        return post("application/json", json).statusCode();
    }

    private HttpResponse<String> post(String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port(0) + "/events"))
                .header("Authorization", "Bearer t0ken-for-tests").header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cloudEvent(String id, String type, String data) {
        return "{\"specversion\": \"1.0\", \"id\": \"" + id + "\", \"source\": \"prometheus\", \"type\": \"" + type
                + "\", \"datacontenttype\": \"application/json\", \"data\": " + data + "}";
    }

    private void awaitRecalled(String group, SandboxMessage copy) throws Exception {
        SandboxMessage recalled = sandbox.awaitMessage(group,
                m -> m.id().equals(copy.id()) && "recalled".equals(m.content().type()), WAIT);
        assertThat(recalled.content().text()).isEqualTo("message recalled");
    }

    @Test
    void aCloudEventOfTypeRecallNamingAnEventByIdRecallsEveryCopyOfIt() throws Exception {
        assertThat(post("application/cloudevents+json", cloudEvent("alert-7", "alert.critical",
                "\"disk full on db1\"")).statusCode()).isEqualTo(202);
        SandboxMessage inA = sandbox.awaitMessage("cidGroupA", m -> m.shows("disk full on db1"), WAIT);
        SandboxMessage inB = sandbox.awaitMessage("cidGroupB", m -> m.shows("disk full on db1"), WAIT);
        awaitLinked(inA.id());
        awaitLinked(inB.id());

        // the recall's own type matches no rule: it goes where the links say copies went
        HttpResponse<String> recall = post("application/cloudevents+json",
                cloudEvent("recall-1", "io.chatbridge.recall", "{\"id\": \"alert-7\"}"));
        assertThat(recall.statusCode()).as(recall.body()).isEqualTo(202);

        awaitRecalled("cidGroupA", inA);
        awaitRecalled("cidGroupB", inB);
        assertThat(bridge.store().deadLetters(10)).isEmpty();
        // recalls are counted as recalls, not as messages sent
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!bridge.metrics().scrape().contains("kind=\"recall\"} 2.0") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bridge.metrics().scrape())
                .contains("chatbridge_deliveries_sent_total{instance_id=\"dt\",kind=\"message\"} 2.0")
                .contains("chatbridge_deliveries_sent_total{instance_id=\"dt\",kind=\"recall\"} 2.0")
                .contains("chatbridge_recalls_total{instance_id=\"dt\",outcome=\"recalled\"} 2.0");
    }

    @Test
    void aCloudEventRecallOfAnUnknownIdIsANoOpLoggedAtDebug() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger("io.chatbridge.core.RecallTargets");
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> recall = post("application/cloudevents+json",
                    cloudEvent("recall-2", "io.chatbridge.recall", "\"never-sent\""));
            assertThat(recall.statusCode()).as(recall.body()).isEqualTo(202);
            assertThat(log.lines()).anyMatch(l -> l.contains("DEBUG") && l.contains("recall of prometheus never-sent")
                    && l.contains("nothing to recall"));
        } finally {
            logger.setLevel(level);
        }
        assertThat(bridge.store().stats(java.time.Instant.now()).pending()).isZero();
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void aCloudEventRecallWithoutTheIdOfTheEventIsRefusedNamingTheField() throws Exception {
        HttpResponse<String> answer = post("application/cloudevents+json",
                cloudEvent("recall-3", "io.chatbridge.recall", "{\"event\": \"alert-7\"}"));
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("data.id: required for type io.chatbridge.recall");
    }

    @Test
    void aQuoteOfTheSecondPartOfASplitMessageFindsTheOriginalAndARecallTakesEveryPart() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 30_000; i++) {
            text.append("line ").append(i).append(" of a long deploy log\\n");
        }
        assertThat(post("{\"channel\": {\"room\": \"long\"}, \"id\": \"evt-long\", \"text\": \"" + text + "\"}"))
                .isEqualTo(202);
        SandboxMessage last = sandbox.awaitMessage("cidGroupC", m -> m.shows("(3/3)"), WAIT);
        awaitLinked(last.id());
        List<SandboxMessage> parts = sandbox.conversation("cidGroupC");
        assertThat(parts).hasSize(3);
        egress.clear();

        sandbox.replyAsMember("cidGroupC", "Carol", "what failed here?", parts.get(1).id());

        JsonNode reply = egress.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(reply).as("reply at the egress").isNotNull();
        // the quoted part is the bridge's copy of evt-long, which came from this very instance
        assertThat(reply.path("quote").path("target_message_id").asText()).isEqualTo("evt-long");

        assertThat(post("{\"channel\": {\"room\": \"long\"}, \"recall\": \"evt-long\"}")).isEqualTo(202);
        for (SandboxMessage part : parts) {
            awaitRecalled("cidGroupC", part);
        }
    }

    /** The outbox records a delivery's link right after the send returned. */
    private void awaitLinked(String targetMessageId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (bridge.store().sources("dt", targetMessageId).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bridge.store().sources("dt", targetMessageId)).as("link of " + targetMessageId).isNotEmpty();
    }

    @Test
    void aMessageRecalledThroughTheWebhookIngressDisappearsFromBothGroups() throws Exception {
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-1\", \"text\": \"deploy started\"}"))
                .isEqualTo(202);
        SandboxMessage inA = sandbox.awaitMessage("cidGroupA", m -> m.shows("deploy started"), WAIT);
        SandboxMessage inB = sandbox.awaitMessage("cidGroupB", m -> m.shows("deploy started"), WAIT);

        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"recall\": \"evt-1\"}")).isEqualTo(202);

        for (SandboxMessage copy : List.of(inA, inB)) {
            String group = copy == inA ? "cidGroupA" : "cidGroupB";
            SandboxMessage recalled = sandbox.awaitMessage(group,
                    m -> m.id().equals(copy.id()) && "recalled".equals(m.content().type()), WAIT);
            assertThat(recalled.content().text()).isEqualTo("message recalled");
            assertThat(sandbox.conversation(group)).noneMatch(m -> m.shows("deploy started"));
        }
    }

    @Test
    void aRecallForAnUnknownIdIsANoOp() throws Exception {
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-2\", \"text\": \"still here\"}"))
                .isEqualTo(202);
        sandbox.awaitMessage("cidGroupA", m -> m.shows("still here"), WAIT);
        sandbox.awaitMessage("cidGroupB", m -> m.shows("still here"), WAIT);

        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"recall\": \"never-sent\"}")).isEqualTo(202);
        // a marker sent after the recall is delivered after it (same queues): by then the recall was handled
        assertThat(post("{\"channel\": {\"room\": \"ops\"}, \"id\": \"evt-3\", \"text\": \"marker\"}")).isEqualTo(202);
        sandbox.awaitMessage("cidGroupA", m -> m.shows("marker"), WAIT);
        sandbox.awaitMessage("cidGroupB", m -> m.shows("marker"), WAIT);

        for (String group : List.of("cidGroupA", "cidGroupB")) {
            assertThat(sandbox.conversation(group)).noneMatch(m -> "recalled".equals(m.content().type()));
            assertThat(sandbox.conversation(group)).anyMatch(m -> m.shows("still here"));
        }
        assertThat(bridge.store().deadLetters(10)).isEmpty();
        assertThat(bridge.metrics().scrape())
                .contains("chatbridge_recalls_total{instance_id=\"dt\",outcome=\"nothing_delivered\"} 2.0");
    }
}
