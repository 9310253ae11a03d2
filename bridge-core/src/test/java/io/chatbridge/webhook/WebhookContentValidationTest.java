package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.RichContent;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rich content DingTalk would refuse, or a message with nothing in it, is answered 400 naming the field and never
 * routed (instead of being accepted, routed and dead-lettered at DingTalk).
 */
class WebhookContentValidationTest {

    private static final String CE_JSON = "application/cloudevents+json";
    private static final String JSON = "application/json";

    private IngressFixture ingress;

    @BeforeEach
    void start() throws Exception {
        ingress = new IngressFixture();
    }

    @AfterEach
    void stop() {
        ingress.close();
    }

    private void assertRejected(String contentType, String body, String error) {
        HttpResponse<String> response = ingress.post(contentType, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"" + error + "\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    private static String event(String msgtype, String data) {
        return """
                {"specversion":"1.0","id":"1","source":"s","type":"t","xvmsgtype":"%s","data":%s}"""
                .formatted(msgtype, data);
    }

    // ---------------------------------------------------------------- CloudEvents with xvmsgtype

    @Test
    void rejectsLinkEventWithOnlyATitle() {
        assertRejected(CE_JSON, event("link", "{\"title\":\"t\"}"), "data.text: required for msgtype link");
    }

    @Test
    void rejectsLinkEventWithoutMessageUrl() {
        assertRejected(CE_JSON, event("link", "{\"title\":\"t\",\"text\":\"x\",\"picUrl\":\"https://p\"}"),
                "data.messageUrl: required for msgtype link");
    }

    @Test
    void rejectsMarkdownEventWithoutTitle() {
        assertRejected(CE_JSON, event("markdown", "{\"text\":\"# hi\"}"), "data.title: required for msgtype markdown");
    }

    @Test
    void rejectsMarkdownEventWithBlankText() {
        assertRejected(CE_JSON, event("markdown", "{\"title\":\"t\",\"text\":\"  \"}"),
                "data.text: required for msgtype markdown");
    }

    @Test
    void rejectsActionCardEventWithoutAnyButton() {
        assertRejected(CE_JSON, event("actionCard", "{\"title\":\"t\",\"text\":\"x\"}"),
                "data.btns: at least one button required for msgtype actionCard without singleTitle and singleURL");
    }

    @Test
    void rejectsActionCardEventWithEmptyButtonList() {
        assertRejected(CE_JSON, event("actionCard", "{\"title\":\"t\",\"text\":\"x\",\"btns\":[]}"),
                "data.btns: at least one button required for msgtype actionCard without singleTitle and singleURL");
    }

    @Test
    void rejectsActionCardButtonWithoutActionUrl() {
        assertRejected(CE_JSON, event("actionCard", """
                {"title":"t","text":"x","btns":[{"title":"a","actionURL":"https://a"},{"title":"b"}]}"""),
                "data.btns[1].actionURL: required for msgtype actionCard");
    }

    @Test
    void rejectsActionCardSingleTitleWithoutSingleUrl() {
        assertRejected(CE_JSON, event("actionCard", "{\"title\":\"t\",\"text\":\"x\",\"singleTitle\":\"Open\"}"),
                "data.singleURL: required with singleTitle");
    }

    @Test
    void rejectsActionCardButtonsThatAreNotAList() {
        assertRejected(CE_JSON, event("actionCard", "{\"title\":\"t\",\"text\":\"x\",\"btns\":{\"title\":\"a\"}}"),
                "data.btns: expected an array, got an object");
    }

    @Test
    void rejectsFeedCardEventWithEmptyLinks() {
        assertRejected(CE_JSON, event("feedCard", "{\"links\":[]}"),
                "data.links: at least one entry required for msgtype feedCard");
    }

    @Test
    void rejectsFeedCardEventWithoutLinks() {
        assertRejected(CE_JSON, event("feedCard", "{}"), "data.links: required for msgtype feedCard");
    }

    @Test
    void rejectsFeedCardLinkWithoutMessageUrl() {
        assertRejected(CE_JSON, event("feedCard", """
                {"links":[{"title":"a","messageURL":"https://a"},{"title":"b","picURL":"https://p"}]}"""),
                "data.links[1].messageURL: required for msgtype feedCard");
    }

    @Test
    void rejectsTextEventWithEmptyContent() {
        assertRejected(CE_JSON, event("text", "{\"content\":\"\"}"),
                "data.content: must not be empty, the event has no message to send");
    }

    @Test
    void rejectsRichFieldThatIsNotAString() {
        assertRejected(CE_JSON, event("link", "{\"title\":{\"zh\":\"t\"},\"text\":\"x\",\"messageUrl\":\"https://m\"}"),
                "data.title: expected a string, got an object");
    }

    @Test
    void acceptsActionCardWithSingleButtonAndFeedCardWithoutPictures() {
        ingress.post(CE_JSON, event("actionCard",
                "{\"title\":\"t\",\"text\":\"x\",\"singleTitle\":\"Open\",\"singleURL\":\"https://s\"}"));
        ingress.post(CE_JSON, event("feedCard", "{\"links\":[{\"title\":\"a\",\"messageURL\":\"https://a\"}]}"));

        assertThat(ingress.context.published()).extracting(m -> m.rich()).containsExactly(
                RichContent.actionCard("t", "x", "Open", "https://s", List.of(), null),
                RichContent.feedCard(List.of(RichContent.feedLink("a", "https://a", null))));
    }

    // ---------------------------------------------------------------- CloudEvents with nothing to send

    @Test
    void rejectsStructuredEventWithoutData() {
        assertRejected(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t"}""",
                "data: required, the event has no message to send (in binary mode the request body is the data)");
    }

    @Test
    void rejectsBinaryModeEventWithEmptyBody() {
        HttpResponse<String> response = ingress.post("",
                "Content-Type", "text/plain",
                "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-specversion", "1.0", "ce-id", "e-1", "ce-source", "ci", "ce-type", "deploy.done");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"data: required, the event has no message to send "
                + "(in binary mode the request body is the data)\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsEventWithBlankStringData() {
        assertRejected(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t","data":" "}""",
                "data: must not be empty, the event has no message to send");
    }

    @Test
    void rejectsEventWithEmptyTextField() {
        assertRejected(CE_JSON, """
                {"specversion":"1.0","id":"1","source":"s","type":"t","data":{"text":""}}""",
                "data.text: must not be empty, the event has no message to send");
    }

    @Test
    void rejectsWholeBatchWhenOneEventHasBadRichContent() {
        assertRejected("application/cloudevents-batch+json", """
                [
                  {"specversion":"1.0","id":"b-1","source":"ci","type":"t","data":"fine"},
                  {"specversion":"1.0","id":"b-2","source":"ci","type":"t","xvmsgtype":"link",
                   "data":{"title":"t","text":"x"}}
                ]""", "batch[1]: data.messageUrl: required for msgtype link");
    }

    // ---------------------------------------------------------------- native DingTalk bodies (top level, Dapr)

    @Test
    void rejectsDaprLinkBodyWithoutMessageUrl() {
        assertRejected(JSON, """
                {"data": {"msgtype": "link", "link": {"title": "t", "text": "x"}}, "operation": "create"}""",
                "data.link.messageUrl: required for msgtype link");
    }

    @Test
    void rejectsNativeTextBodyWithEmptyContent() {
        assertRejected(JSON, "{\"msgtype\": \"text\", \"text\": {\"content\": \"\"}}",
                "text.content: required for msgtype text");
    }

    @Test
    void rejectsNativeMarkdownBodyWithoutTitle() {
        assertRejected(JSON, "{\"msgtype\": \"markdown\", \"markdown\": {\"text\": \"# hi\"}}",
                "markdown.title: required for msgtype markdown");
    }

    @Test
    void rejectsNativeActionCardButtonWithoutTitle() {
        assertRejected(JSON, """
                {"msgtype": "actionCard",
                 "actionCard": {"title": "t", "text": "x", "btns": [{"actionURL": "https://a"}]}}""",
                "actionCard.btns[0].title: required for msgtype actionCard");
    }

    @Test
    void rejectsNativeFeedCardLinkThatIsNotAnObject() {
        assertRejected(JSON, "{\"msgtype\": \"feedCard\", \"feedCard\": {\"links\": [\"https://a\"]}}",
                "feedCard.links[0]: expected an object, got a string");
    }

    @Test
    void rejectsDaprFeedCardBodyWithoutLinks() {
        assertRejected(JSON, "{\"data\": {\"msgtype\": \"feedCard\", \"feedCard\": {}}}",
                "data.feedCard.links: required for msgtype feedCard");
    }

    // ---------------------------------------------------------------- bridge JSON

    @Test
    void rejectsBridgeJsonWithOnlyWhitespaceText() {
        assertRejected(JSON, "{\"user\": \"ci\", \"text\": \"  \"}", "text or attachments required");
    }
}
