package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.Sender;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain JSON into the webhook ingress (bridge JSON, native DingTalk bodies, Dapr's shape) and every rejection. */
class WebhookIngressTest {

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

    @Test
    void acceptsBridgeJsonWithEveryField() {
        HttpResponse<String> response = ingress.post(JSON, """
                {
                  "channel": {"room": "ops", "severity": 2},
                  "user": "Prometheus", "user_id": "prom-1",
                  "text": "disk almost full",
                  "attachments": [{"type": "image", "url": "https://example.com/graph.png", "name": "graph.png",
                                   "size": 2048}],
                  "extensions": {"team": "infra", "level": 3},
                  "id": "alert-7"
                }""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.channel()).containsExactlyInAnyOrderEntriesOf(Map.of("room", "ops", "severity", 2));
        assertThat(message.sender()).isEqualTo(Sender.of("prom-1", "Prometheus"));
        assertThat(message.text()).isEqualTo("disk almost full");
        assertThat(message.attachments()).containsExactly(
                Attachment.builder().type("image").url("https://example.com/graph.png").name("graph.png").size(2048)
                        .build());
        assertThat(message.extensions()).isEqualTo(Map.of("team", "infra", "level", "3"));
        assertThat(message.id()).isEqualTo("alert-7");
        assertThat(message.time()).isNotNull();
    }

    @Test
    void acceptsBridgeJsonWithOnlyAttachments() {
        HttpResponse<String> response = ingress.post(JSON, """
                {"attachments": [{"type": "file", "url": "https://example.com/r.pdf"}]}""");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).attachments()).hasSize(1);
    }

    @Test
    void usesIdempotencyKeyAsMessageIdWhenBodyHasNone() {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = ingress.post("{\"text\":\"once\"}", "Content-Type", JSON,
                    "Authorization", "Bearer " + IngressFixture.TOKEN, "Idempotency-Key", "del-1");
            assertThat(response.statusCode()).isEqualTo(202);
        }

        assertThat(ingress.context.published()).hasSize(1);
        assertThat(ingress.context.published().get(0).id()).isEqualTo("del-1");
    }

    @Test
    void readsRichContentAndMentionsWrittenByAnotherBridgesEgress() {
        ingress.post(JSON, """
                {"text": "fallback", "rich": {"type": "link", "title": "T", "text": "x",
                 "message_url": "https://example.com", "pic_url": "https://example.com/p.png"},
                 "mentions": {"user_ids": ["u1"], "mobiles": [], "all": true}}""");

        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.rich()).isEqualTo(
                RichContent.link("T", "x", "https://example.com", "https://example.com/p.png"));
        assertThat(message.mentions()).isEqualTo(new Mentions(List.of("u1"), List.of(), true));
    }

    @Test
    void acceptsDaprBindingBodyWithNativeDingTalkMessageUnderData() {
        HttpResponse<String> response = ingress.post(JSON, """
                {
                        "data": {
                          "msgtype": "text",
                          "text": {
                            "content": "Hi"
                          }
                        },
                        "operation": "create"
                      }""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published().get(0).text()).isEqualTo("Hi");
    }

    @Test
    void rejectsDaprGetOperationWith400() {
        HttpResponse<String> response = ingress.post(JSON, """
                {"data": {"msgtype": "text", "text": {"content": "Hi"}}, "operation": "get"}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"unsupported operation \\\"get\\\" (only create sends a message)\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void acceptsNativeDingTalkTextBodyAtTopLevelWithMentions() {
        ingress.post(JSON, """
                {"msgtype":"text","text":{"content":"on call: @13800000000"},
                 "at":{"atMobiles":["13800000000"],"atUserIds":["uid"],"isAtAll":false}}""");

        InboundMessage message = ingress.context.published().get(0);
        assertThat(message.text()).isEqualTo("on call: @13800000000");
        assertThat(message.mentions()).isEqualTo(new Mentions(List.of("uid"), List.of("13800000000"), false));
    }

    @Test
    void acceptsEveryNativeDingTalkBodyType() {
        ingress.post(JSON, """
                {"msgtype":"link","link":{"title":"L","text":"t","picUrl":"https://p","messageUrl":"https://m"}}""");
        ingress.post(JSON, """
                {"msgtype":"markdown","markdown":{"title":"M","text":"# hi"},"at":{"isAtAll":true}}""");
        ingress.post(JSON, """
                {"msgtype":"actionCard","actionCard":{"title":"A","text":"t","btnOrientation":"0",
                 "singleTitle":"Open","singleURL":"https://s"}}""");
        ingress.post(JSON, """
                {"msgtype":"feedCard","feedCard":{"links":[{"title":"F","messageURL":"https://m","picURL":"https://p"}]}}""");

        List<InboundMessage> published = ingress.context.published();
        assertThat(published).extracting(InboundMessage::rich).containsExactly(
                RichContent.link("L", "t", "https://m", "https://p"),
                RichContent.markdown("M", "# hi"),
                RichContent.actionCard("A", "t", "Open", "https://s", List.of(), "0"),
                RichContent.feedCard(List.of(RichContent.feedLink("F", "https://m", "https://p"))));
        assertThat(published.get(1).mentions().all()).isTrue();
        assertThat(published).allSatisfy(m -> assertThat(m.text()).isNotBlank());
    }

    @Test
    void rejectsMissingBearerTokenWith401AndChallenge() {
        HttpResponse<String> response = ingress.post("{\"text\":\"x\"}", "Content-Type", JSON);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Bearer"));
        assertThat(response.body())
                .isEqualTo("{\"error\":\"missing bearer token: send Authorization: Bearer <token>\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsWrongBearerTokenWith401WithoutEchoingTokens() {
        HttpResponse<String> response = ingress.post("{\"text\":\"x\"}", "Content-Type", JSON,
                "Authorization", "Bearer guessed-token");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Bearer").contains("invalid_token"));
        assertThat(response.body()).isEqualTo("{\"error\":\"invalid bearer token\"}")
                .doesNotContain(IngressFixture.TOKEN).doesNotContain("guessed-token");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsBasicAuthorizationWith401() {
        HttpResponse<String> response = ingress.post("{\"text\":\"x\"}", "Content-Type", JSON,
                "Authorization", "Basic dXNlcjpwYXNz");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo(
                "{\"error\":\"unsupported authorization scheme: send Authorization: Bearer <token>\"}");
    }

    @Test
    void checksTokenBeforeReadingTheBody() {
        HttpResponse<String> response = ingress.post("{not json", "Content-Type", JSON,
                "Authorization", "Bearer wrong");

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void rejectsMalformedJsonWith400SayingWhere() {
        HttpResponse<String> response = ingress.post(JSON, "{\n  \"text\": \"hi\",\n}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("{\"error\":\"malformed JSON in body at line 3, column 1: ")
                .contains("Unexpected character ('}'");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsMalformedCloudEventJsonWith400SayingWhere() {
        HttpResponse<String> response = ingress.post("application/cloudevents+json", "{\"id\": \"1\" \"source\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("{\"error\":\"malformed JSON in body at line 1, column 12: ");
    }

    @Test
    void rejectsEmptyBodyWith400() {
        HttpResponse<String> response = ingress.post(JSON, "");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"body is empty; expected JSON\"}");
    }

    @Test
    void rejectsBridgeJsonWithoutTextOrAttachmentsWith400() {
        HttpResponse<String> response = ingress.post(JSON, "{\"channel\": {\"room\": \"ops\"}}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"text or attachments required\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsChannelThatIsNotAnObjectWith400() {
        HttpResponse<String> response = ingress.post(JSON, "{\"channel\": \"ops\", \"text\": \"x\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"channel: expected an object, got a string\"}");
    }

    @Test
    void rejectsJsonArrayWith400() {
        HttpResponse<String> response = ingress.post(JSON, "[1, 2]");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"expected a JSON object, got an array\"}");
    }

    @Test
    void rejectsNativeBodyMissingItsContentWith400() {
        HttpResponse<String> response = ingress.post(JSON, "{\"msgtype\": \"markdown\", \"markdown\": {\"title\": \"t\"}}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"markdown.text: required for msgtype markdown\"}");
    }

    @Test
    void rejectsBodyOver1MiBWith413() {
        byte[] body = new byte[1024 * 1024 + 1];
        Arrays.fill(body, (byte) ' ');

        HttpResponse<String> response = ingress.post(body, "Content-Type", JSON,
                "Authorization", "Bearer " + IngressFixture.TOKEN);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("larger than 1048576 bytes");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void rejectsUnsupportedContentTypeWith415() {
        HttpResponse<String> response = ingress.post("text/plain", "hello");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.body()).isEqualTo("{\"error\":\"unsupported content type text/plain; send "
                + "application/json, application/cloudevents+json, application/cloudevents-batch+json or a "
                + "binary-mode CloudEvent with ce-* headers\"}");
    }

    @Test
    void rejectsMissingContentTypeWith415() {
        HttpResponse<String> response = ingress.post("{\"text\":\"x\"}",
                "Authorization", "Bearer " + IngressFixture.TOKEN);

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.body()).startsWith("{\"error\":\"missing Content-Type; send application/json");
    }

    @Test
    void answers503WhenTheBridgeCannotRecordTheMessage() {
        ingress.context.failPublishes(true);

        HttpResponse<String> response = ingress.post(JSON, "{\"text\":\"x\"}");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(response.body()).isEqualTo("{\"error\":\"bridge unavailable: store unavailable (test)\"}");
    }
}
