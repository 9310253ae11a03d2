package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.routing.MessageTemplate;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ingress reads exactly one well-formed JSON document (errors name the position), CloudEvents' {@code {from}} is
 * deterministic, and the JavaScript SDK's plainest binary-mode event (unquoted text under application/json) is
 * accepted.
 */
class WebhookStrictInputTest {

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

    private HttpResponse<String> post(byte[] body) {
        return ingress.post(body, "Content-Type", JSON, "Authorization", "Bearer " + IngressFixture.TOKEN);
    }

    @Test
    void trailingContentAfterTheDocumentIsA400NamingThePosition() {
        HttpResponse<String> response = ingress.post(JSON, "{\"text\":\"x\"} xxx");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("malformed JSON in body at line 1, column 14");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void twoConcatenatedDocumentsAreA400NotTheFirstRouted() {
        HttpResponse<String> response = ingress.post(JSON, "{\"text\":\"one\"}\n{\"text\":\"two\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"malformed JSON in body at line 2, column 1: unexpected"
                + " content after the JSON value (send one JSON document)\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void aNumberTooLargeForADoubleIsA400() {
        HttpResponse<String> response = ingress.post(JSON, "{\"text\":\"x\",\"extensions\":{\"n\":1e999999}}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("at line 1, column 31").contains("number 1e999999 is out of range");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void overlongUtf8IsA400NamingTheByte() {
        byte[] body = "{\"text\":\"a?b\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] overlong = new byte[body.length + 1];
        System.arraycopy(body, 0, overlong, 0, 10);
        overlong[10] = (byte) 0xC0; // C0 BC: an overlong '<'
        overlong[11] = (byte) 0xBC;
        System.arraycopy(body, 11, overlong, 12, body.length - 11);

        HttpResponse<String> response = post(overlong);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo(
                "{\"error\":\"body is not valid UTF-8 at line 1, column 11 (byte 10: 0xC0)\"}");
        assertThat(ingress.context.published()).isEmpty();
    }

    @Test
    void invalidUtf8InBinaryCloudEventTextIsA400() {
        HttpResponse<String> response = ingress.post(new byte[] {'o', 'k', (byte) 0xFF},
                "Content-Type", "text/plain", "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-specversion", "1.0", "ce-id", "t-1", "ce-source", "ci", "ce-type", "note");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("data is not valid UTF-8 at line 1, column 3 (byte 2: 0xFF)");
    }

    @Test
    void theJavaScriptSdksBinaryTextEventIsAcceptedAsText() {
        // exactly what emitterFor(httpTransport(url)) sends for new CloudEvent({type, source, data: "text"})
        HttpResponse<String> response = ingress.post("disk almost full on db1",
                "content-type", "application/json; charset=utf-8",
                "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-id", "6e0e3f4e-2d0c-4d5b-9a57-1d0e4f1c2b3a", "ce-time", "2024-05-01T08:00:00.000Z",
                "ce-type", "alert", "ce-source", "prometheus", "ce-specversion", "1.0");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(ingress.context.published()).singleElement()
                .satisfies(m -> assertThat(m.text()).isEqualTo("disk almost full on db1"));
    }

    @Test
    void aBinaryBodyThatStartsLikeJsonButIsMalformedIsStillA400() {
        HttpResponse<String> response = ingress.post("{\"text\": broken",
                "content-type", "application/json", "Authorization", "Bearer " + IngressFixture.TOKEN,
                "ce-id", "x-1", "ce-type", "alert", "ce-source", "prometheus", "ce-specversion", "1.0");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("malformed JSON in data at line 1");
    }

    @Test
    void fromOfACloudEventIsSourceThenTypeOrSourceSubjectType() {
        ingress.post("application/cloudevents+json",
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"prometheus\",\"type\":\"alert\",\"data\":\"a\"}");
        ingress.post("application/cloudevents+json", "{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"prometheus\","
                + "\"type\":\"alert\",\"subject\":\"db1\",\"data\":\"b\"}");

        MessageTemplate from = MessageTemplate.of("{from}");
        assertThat(ingress.context.published()).extracting(from::render)
                .containsExactly("prometheus,alert", "prometheus,db1,alert");
    }
}
