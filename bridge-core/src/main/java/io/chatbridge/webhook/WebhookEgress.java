package io.chatbridge.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.SendResult;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Sends routed messages to the configured URL, as the webhook's JSON or (with {@code ce_mode}) as a structured
 * CloudEvent, and classifies failures: 408, 429, 5xx and network errors are retryable, other 4xx permanent.
 *
 * <p>Error messages name the instance, never the URL: webhook URLs often carry credentials.
 */
final class WebhookEgress {

    static final String EVENT_TYPE = "io.chatbridge.message";

    /** How much of an error answer goes into the error (the bridge bounds it again after masking secrets). */
    private static final int SNIPPET_BYTES = 4096;
    /** A receiver's answer is only read for its {@code id}; do not buffer more. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private static final Set<String> CE_RESERVED = Set.of("id", "source", "specversion", "type",
            "datacontenttype", "dataschema", "subject", "time", "data", "data_base64");

    private final String instanceId;
    private final WebhookConfig config;
    private final HttpClient client;
    private final Supplier<Instant> now;
    private final JsonFormat format = new JsonFormat();

    WebhookEgress(String instanceId, WebhookConfig config, HttpClient client, Supplier<Instant> now) {
        this.instanceId = instanceId;
        this.config = config;
        this.client = client;
        this.now = now;
    }

    SendResult send(OutboundMessage message) throws DeliveryException {
        ObjectNode json = EgressBody.of(message);
        byte[] body;
        String contentType;
        try {
            if (config.ceMode()) {
                body = format.serialize(cloudEvent(message, json));
                contentType = JsonFormat.CONTENT_TYPE;
            } else {
                body = JsonBodies.MAPPER.writeValueAsBytes(json);
                contentType = "application/json";
            }
        } catch (JsonProcessingException | RuntimeException e) {
            throw new DeliveryException(DeliveryException.Category.PERMANENT, Reason.INTERNAL, null,
                    "cannot encode message for webhook egress of instance " + instanceId + ": " + e.getMessage(),
                    null, e);
        }

        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", contentType)
                .header("Idempotency-Key", message.deliveryId())
                .header("User-Agent", "chatbridge-webhook")
                .method(config.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        config.headers().forEach(request::header);

        HttpResponse<InputStream> response;
        byte[] answer;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                answer = in.readNBytes(MAX_RESPONSE_BYTES);
            }
        } catch (HttpTimeoutException e) {
            throw new DeliveryException(DeliveryException.Category.RETRYABLE, Reason.TIMEOUT, null,
                    "timed out after " + config.timeout().toSeconds() + " s waiting for webhook egress of instance "
                            + instanceId, null, null);
        } catch (IOException e) {
            // the exception's message may name host and port; keep only its kind
            throw new DeliveryException(DeliveryException.Category.RETRYABLE, Reason.NETWORK, null,
                    "cannot reach webhook egress of instance " + instanceId + " (" + e.getClass().getSimpleName()
                            + ")", null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(DeliveryException.Category.RETRYABLE, Reason.INTERRUPTED, null,
                    "interrupted while sending to webhook egress of instance " + instanceId, null, null);
        }
        return classify(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null), answer);
    }

    private SendResult classify(int status, String retryAfter, byte[] answer) throws DeliveryException {
        if (status >= 200 && status < 300) {
            return new SendResult(responseId(answer));
        }
        String what = "HTTP " + status + " from webhook egress of instance " + instanceId + snippet(answer);
        if (status == 408 || status == 429 || status >= 500) {
            Reason reason = status == 429 ? Reason.RATE_LIMITED : status == 408 ? Reason.TIMEOUT
                    : Reason.SERVER_ERROR;
            throw DeliveryException.retryable(reason, what, RetryAfter.parse(retryAfter, now.get()))
                    .withPlatformCode("HTTP_" + status);
        }
        Reason reason = switch (status) {
            case 401 -> Reason.AUTH_FAILED;
            case 403 -> Reason.PERMISSION_DENIED;
            case 404 -> Reason.UNKNOWN_TARGET;
            case 410 -> Reason.TARGET_GONE;
            default -> Reason.BAD_REQUEST;
        };
        throw DeliveryException.permanent(reason, what).withPlatformCode("HTTP_" + status);
    }

    private CloudEvent cloudEvent(OutboundMessage message, ObjectNode json) {
        CloudEventBuilder event = CloudEventBuilder.v1()
                .withId(message.deliveryId())
                .withSource(source())
                .withType(EVENT_TYPE)
                .withTime(OffsetDateTime.ofInstant(now.get(), ZoneOffset.UTC))
                .withData("application/json", JsonCloudEventData.wrap(json));
        // carry the source's extension attributes (e.g. xvchatgroup) when they are valid CloudEvents names
        for (Map.Entry<String, String> extension : message.extensions().entrySet()) {
            String name = extension.getKey();
            if (name.matches("[a-z0-9]{1,20}") && !CE_RESERVED.contains(name)) {
                event.withExtension(name, extension.getValue());
            }
        }
        return event.build();
    }

    /** {@code chatbridge/<instance_id>}, a URI-reference (percent-encoded where the id needs it). */
    private URI source() {
        try {
            return new URI(null, null, "chatbridge/" + instanceId, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot build CloudEvent source for instance " + instanceId, e);
        }
    }

    private static String responseId(byte[] answer) {
        if (answer.length == 0) {
            return null;
        }
        try {
            JsonNode node = JsonBodies.MAPPER.readTree(answer);
            JsonNode id = node == null ? null : node.get("id");
            return id != null && (id.isTextual() || id.isNumber()) ? id.asText() : null;
        } catch (IOException e) {
            return null; // receivers may answer anything; only a JSON id is meaningful
        }
    }

    /**
     * The receiver's answer for the error. Not cut here: the bridge masks secrets the receiver quoted back first,
     * then keeps printable text only and bounds it (a cut made before masking could keep a secret's first part).
     */
    private static String snippet(byte[] answer) {
        if (answer.length == 0) {
            return "";
        }
        int length = Math.min(answer.length, SNIPPET_BYTES);
        String text = new String(answer, 0, length, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        if (text.isEmpty()) {
            return "";
        }
        return ": " + text;
    }
}
