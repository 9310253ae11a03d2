package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CloudEvents into the webhook ingress: the Vanus DingTalk sink's documented examples, binary and batch mode. */
class WebhookCloudEventIngressTest {

    private static final String CE_JSON = "application/cloudevents+json";
    private static final String VANUS_ID = "53d1c340-551a-11ed-96c7-8b504d95037c";

    private IngressFixture ingress;

    @BeforeEach
    void start() throws Exception {
        ingress = new IngressFixture();
    }

    @AfterEach
    void stop() {
        ingress.close();
    }

    private InboundMessage postVanusExample(String name) {
        HttpResponse<String> response = ingress.post(CE_JSON, IngressFixture.resource("vanus/" + name + ".json"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published()).hasSize(1);
        return ingress.context.published().get(0);
    }

    private static String recallEvent(String data) {
        return "{\"specversion\": \"1.0\", \"id\": \"r-1\", \"source\": \"prometheus\", "
                + "\"type\": \"io.chatbridge.recall\"" + (data == null ? "" : ", \"data\": " + data) + "}";
    }

    @Test
    void aRecallEventNamesTheEventToRecallBySourceAndIdWithoutItsFingerprint() {
        assertThat(ingress.post(CE_JSON, recallEvent("{\"id\": \"alert-7\"}")).statusCode()).isEqualTo(202);
        assertThat(ingress.post(CE_JSON, recallEvent("\"alert-8\"").replace("r-1", "r-2")).statusCode())
                .isEqualTo(202);
        assertThat(ingress.post(CE_JSON, recallEvent("{\"id\": \"e-9\", \"source\": \"ci\"}").replace("r-1", "r-3"))
                .statusCode()).isEqualTo(202);

        assertThat(ingress.context.published()).extracting(InboundMessage::recallOf)
                .containsExactly("prometheus\nalert-7", "prometheus\nalert-8", "ci\ne-9");
        InboundMessage recall = ingress.context.published().get(0);
        assertThat(recall.isRecall()).isTrue();
        assertThat(recall.id()).startsWith("prometheus\nr-1\n");
        assertThat(recall.channel()).containsEntry("type", "io.chatbridge.recall");
    }

    @Test
    void aRecallEventInBinaryModeTakesTheBodyAsTheIdOrAsTheJsonNamingIt() {
        assertThat(ingress.post("evt-42", "Content-Type", "text/plain", "Authorization", "Bearer "
                + IngressFixture.TOKEN, "ce-specversion", "1.0", "ce-id", "r-9", "ce-source", "/monitoring/prometheus",
                "ce-type", "io.chatbridge.recall").statusCode()).isEqualTo(202);
        assertThat(ingress.post("{\"id\": \"evt-43\"}", "Content-Type", "application/json", "Authorization",
                "Bearer " + IngressFixture.TOKEN, "ce-specversion", "1.0", "ce-id", "r-10", "ce-source",
                "/monitoring/prometheus", "ce-type", "io.chatbridge.recall").statusCode()).isEqualTo(202);

        assertThat(ingress.context.published()).extracting(InboundMessage::recallOf)
                .containsExactly("/monitoring/prometheus\nevt-42", "/monitoring/prometheus\nevt-43");
    }

    @Test
    void aRecallEventWithoutTheIdOfTheEventToRecallIsRefusedNamingWhatIsMissing() {
        Map<String, String> expected = Map.of(
                "{\"source\": \"ci\"}", "data.id: required for type io.chatbridge.recall, the id of the event to recall",
                "{\"id\": \" \"}", "data.id: must not be empty, the id of the event to recall",
                "\"\"", "data: must not be empty, the id of the event to recall",
                "{\"id\": \"x\", \"source\": \"\"}", "data.source: must not be empty",
                "42", "data: required for type io.chatbridge.recall");
        expected.forEach((data, error) -> {
            HttpResponse<String> response = ingress.post(CE_JSON, recallEvent(data));
            assertThat(response.statusCode()).as(data).isEqualTo(400);
            assertThat(response.body()).as(data).contains(error);
        });
        HttpResponse<String> none = ingress.post(CE_JSON, recallEvent(null));
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).contains("data: required for type io.chatbridge.recall: {\\\"id\\\"");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void acceptsVanusQuickstartTextEvent() {
        InboundMessage message = postVanusExample("quickstart");

        assertThat(message.text()).isEqualTo("Hello dingtalk");
        assertThat(message.rich()).isNull();
        assertThat(message.channel()).containsExactlyInAnyOrderEntriesOf(
                Map.of("source", "sink-Dingtalk-quickstart", "type", "quickstart"));
        assertThat(message.id()).startsWith("sink-Dingtalk-quickstart\n" + VANUS_ID + "\n").hasSize(24 + 1 + 36 + 1 + 16);
        assertThat(message.time()).isEqualTo(Instant.parse("2022-10-26T10:38:29.345Z"));
        assertThat(message.platform()).isEqualTo("webhook");
        assertThat(message.instanceId()).isEqualTo("alerts");
    }

    @Test
    void acceptsVanusTextExampleWithChatGroupAndMsgTypeExtensions() {
        InboundMessage message = postVanusExample("text");

        assertThat(message.text()).isEqualTo("Hello dingtalk");
        assertThat(message.rich()).isNull();
        assertThat(message.extensions()).containsEntry("xvchatgroup", "bot1").containsEntry("xvmsgtype", "text");
    }

    @Test
    void turnsVanusLinkExampleIntoLinkContent() {
        InboundMessage message = postVanusExample("link");

        assertThat(message.rich()).isEqualTo(RichContent.link("title", "text", "https://github.com/vanus-labs",
                "https://www.vanus.ai/images/ng/vanus-black.svg"));
        assertThat(message.text()).isEqualTo("title\ntext\nhttps://github.com/vanus-labs");
        assertThat(message.extensions()).containsEntry("xvmsgtype", "link");
        assertThat(message.channel()).containsEntry("source", "sink-dingtalk-quickstart");
    }

    @Test
    void turnsVanusMarkdownExampleIntoMarkdownContent() {
        InboundMessage message = postVanusExample("markdown");

        assertThat(message.rich()).isEqualTo(RichContent.markdown("title", "text"));
        assertThat(message.text()).isEqualTo("text");
        assertThat(message.extensions()).containsEntry("xvmsgtype", "markdown");
    }

    @Test
    void turnsVanusActionCardExampleIntoActionCardWithButtons() {
        InboundMessage message = postVanusExample("actionCard");

        assertThat(message.rich()).isEqualTo(RichContent.actionCard("title", "text", null, null,
                List.of(RichContent.button("title1", "https://github.com/vanus-labs"),
                        RichContent.button("title2", "https://github.com/vanus-labs")), "0"));
        assertThat(message.text()).contains("title1: https://github.com/vanus-labs");
        assertThat(message.extensions()).containsEntry("xvmsgtype", "actionCard");
    }

    @Test
    void turnsVanusFeedCardExampleIntoFeedCardLinks() {
        InboundMessage message = postVanusExample("feedCard");

        assertThat(message.rich()).isEqualTo(RichContent.feedCard(List.of(
                RichContent.feedLink("title1", "https://github.com/vanus-labs",
                        "https://www.vanus.ai/images/ng/vanus-black.svg"),
                RichContent.feedLink("title2", "https://github.com/vanus-labs",
                        "https://www.vanus.ai/images/ng/vanus-black.svg"))));
        assertThat(message.text()).isEqualTo("title1: https://github.com/vanus-labs\n"
                + "title2: https://github.com/vanus-labs");
    }

    @Test
    void acknowledgesDuplicateCloudEventWithoutRoutingItTwice() {
        String event = IngressFixture.resource("vanus/text.json");

        HttpResponse<String> first = ingress.post(CE_JSON, event);
        HttpResponse<String> second = ingress.post(CE_JSON, event);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(second.body()).isEqualTo("{\"accepted\":0,\"duplicates\":1}");
        assertThat(ingress.context.published()).hasSize(1);
    }

    @Test
    void theVanusDocumentationExamplesSharingOneIdAreAllDelivered() {
        // all six examples in the Vanus DingTalk sink documentation reuse one id; users paste them one after another
        for (String name : List.of("quickstart", "text", "link", "markdown", "actionCard", "feedCard")) {
            HttpResponse<String> response = ingress.post(CE_JSON, IngressFixture.resource("vanus/" + name + ".json"));
            assertThat(response.body()).as(name).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        }
        assertThat(ingress.context.published()).hasSize(6);
    }

    @Test
    void aRetryWithRefreshedTimeDataOrTracingIsStillADuplicate() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"7","source":"a","type":"t","time":"2026-01-01T00:00:00Z","data":"x",
                 "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}""");
        HttpResponse<String> retry = ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"7","source":"a","type":"t","time":"2026-01-01T00:00:05Z","data":"y",
                 "traceparent":"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
                 "knativearrivaltime":"2026-01-01T00:00:06Z"}""");
        assertThat(retry.body()).isEqualTo("{\"accepted\":0,\"duplicates\":1}");
        assertThat(ingress.context.published()).hasSize(1);
    }

    @Test
    void theSameIdWithAnotherTypeOrExtensionIsAnotherEvent() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"8","source":"a","type":"t","data":"x"}""");
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"8","source":"a","type":"u","data":"x"}""");
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"8","source":"a","type":"t","xvchatgroup":"bot2","data":"x"}""");
        assertThat(ingress.context.published()).hasSize(3);
    }

    @Test
    void sameIdFromAnotherSourceIsADifferentEvent() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"a","type":"t","data":"one"}""");
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"b","type":"t","data":"two"}""");

        assertThat(ingress.context.published()).extracting(InboundMessage::text).containsExactly("one", "two");
    }

    @Test
    void acceptsBinaryModeEventWithCeHeaders() {
        HttpResponse<String> response = ingress.post("""
                {"title": "disk full", "text": "host db1: /var is 98% full"}""",
                "Content-Type", "application/json",
                "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-specversion", "1.0",
                "ce-id", "evt-42",
                "ce-source", "/monitoring/prometheus",
                "ce-type", "alert.critical",
                "ce-subject", "db1",
                "ce-time", "2024-05-01T08:00:00Z",
                "ce-xvmsgtype", "markdown",
                "ce-xvchatgroup", "ops%20team");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.channel()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "source", "/monitoring/prometheus", "type", "alert.critical", "subject", "db1"));
        assertThat(message.id()).matches("/monitoring/prometheus\nevt-42\n[0-9a-f]{16}");
        assertThat(message.time()).isEqualTo(Instant.parse("2024-05-01T08:00:00Z"));
        assertThat(message.rich()).isEqualTo(RichContent.markdown("disk full", "host db1: /var is 98% full"));
        assertThat(message.extensions()).containsEntry("xvmsgtype", "markdown")
                .containsEntry("xvchatgroup", "ops team");
    }

    @Test
    void binaryModeTextBodyBecomesTheText() {
        HttpResponse<String> response = ingress.post("deploy finished",
                "Content-Type", "text/plain; charset=utf-8",
                "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-specversion", "1.0", "ce-id", "d-1", "ce-source", "ci", "ce-type", "deploy.done");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).text()).isEqualTo("deploy finished");
    }

    @Test
    void acceptsBatchOfTwoEventsAndRoutesBoth() {
        HttpResponse<String> response = ingress.post("application/cloudevents-batch+json", """
                [
                  {"specversion":"1.0","id":"b-1","source":"ci","type":"build.ok","data":"build 1 ok"},
                  {"specversion":"1.0","id":"b-2","source":"ci","type":"build.failed",
                   "datacontenttype":"application/json","data":{"text":"build 2 failed"}}
                ]""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).isEqualTo("{\"accepted\":2,\"duplicates\":0}");
        assertThat(ingress.context.published()).extracting(InboundMessage::text)
                .containsExactly("build 1 ok", "build 2 failed");
        assertThat(ingress.context.published()).extracting(m -> m.channel().get("type"))
                .containsExactly("build.ok", "build.failed");
    }

    @Test
    void rejectsWholeBatchWhenOneEventLacksAnId() {
        HttpResponse<String> response = ingress.post("application/cloudevents-batch+json", """
                [
                  {"specversion":"1.0","id":"b-1","source":"ci","type":"build.ok","data":"fine"},
                  {"specversion":"1.0","source":"ci","type":"build.ok","data":"no id"}
                ]""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"batch[1]: missing required attribute id\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void objectDataWithoutMsgTypeUsesItsTextField() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t","data":{"text":"from text field","x":1}}""");

        assertThat(ingress.context.published().get(0).text()).isEqualTo("from text field");
    }

    @Test
    void objectDataWithoutTextBecomesItsJson() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t","data":{"cpu":0.97}}""");

        assertThat(ingress.context.published().get(0).text()).isEqualTo("{\"cpu\":0.97}");
    }

    @Test
    void nativeDingTalkBodyAsEventDataBecomesRichContentWithMentions() {
        ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t",
                 "data":{"msgtype":"markdown","markdown":{"title":"T","text":"**bold** @138"},
                         "at":{"atMobiles":["138"],"isAtAll":false}}}""");

        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.rich()).isEqualTo(RichContent.markdown("T", "**bold** @138"));
        assertThat(message.mentions().mobiles()).containsExactly("138");
    }

    @Test
    void structuredEventSentAsPlainJsonIsReadAsCloudEvent() {
        HttpResponse<String> response = ingress.post("application/json", """
                {"specversion":"1.0","id":"1","source":"s","type":"t","data":"hi"}""");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).channel()).containsEntry("type", "t");
    }

    @Test
    void rejectsCloudEventMissingIdWith400NamingIt() {
        assertRejected("""
                {"specversion":"1.0","source":"s","type":"t","data":"x"}""",
                "missing required attribute id");
    }

    @Test
    void rejectsCloudEventMissingSourceWith400NamingIt() {
        assertRejected("""
                {"specversion":"1.0","id":"1","type":"t","data":"x"}""",
                "missing required attribute source");
    }

    @Test
    void rejectsCloudEventMissingTypeWith400NamingIt() {
        assertRejected("""
                {"specversion":"1.0","id":"1","source":"s","data":"x"}""",
                "missing required attribute type");
    }

    @Test
    void rejectsCloudEventMissingSpecVersionWith400NamingIt() {
        assertRejected("""
                {"id":"1","source":"s","type":"t","data":"x"}""",
                "missing required attribute specversion");
    }

    @Test
    void rejectsUnsupportedSpecVersionWith400() {
        assertRejected("""
                {"specversion":"0.2","id":"1","source":"s","type":"t","data":"x"}""",
                "unsupported CloudEvents specversion \\\"0.2\\\" (supported: 1.0)");
    }

    @Test
    void rejectsNonStringIdWith400() {
        assertRejected("""
                {"specversion":"1.0","id":7,"source":"s","type":"t"}""",
                "attribute id must be a string, got a number");
    }

    @Test
    void rejectsBinaryModeEventMissingTypeHeaderWith400() {
        HttpResponse<String> response = ingress.post("x", "Content-Type", "text/plain",
                "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-specversion", "1.0", "ce-id", "1", "ce-source", "s");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"missing required attribute type (header ce-type)\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsUnknownMsgTypeWith400ListingSupportedOnes() {
        assertRejected("""
                {"specversion":"1.0","id":"1","source":"s","type":"t","xvmsgtype":"video","data":{"a":1}}""",
                "unsupported msgtype \\\"video\\\" (supported: text, link, markdown, actionCard, feedCard)");
    }

    @Test
    void rejectsInvalidTimeWith400() {
        HttpResponse<String> response = ingress.post(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo(
                "{\"error\":\"invalid CloudEvent: Invalid attribute/extension value for \\\"time\\\": yesterday\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsUnsupportedCloudEventsFormatWith415() {
        HttpResponse<String> response = ingress.post("application/cloudevents+avro", "x");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.body()).isEqualTo("{\"error\":\"unsupported CloudEvents format "
                + "application/cloudevents+avro; send application/cloudevents+json or "
                + "application/cloudevents-batch+json\"}");
    }

    private void assertRejected(String event, String error) {
        HttpResponse<String> response = ingress.post(CE_JSON, event);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"" + error + "\"}");
        assertThat(ingress.context.published()).isEmpty();
    }
}
