package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.webhook.alerts.AlertMarkdown;
import io.chatbridge.webhook.alerts.AlertMessages;
import io.chatbridge.webhook.alerts.AlertNotification;

import static io.chatbridge.webhook.alerts.AlertMessages.PAYLOAD_EXTENSION;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ingress's reading of issue 18's payloads, ahead of the bridge-JSON reading: Alertmanager and Grafana
 * notifications (recognised by shape, always), any JSON object with {@code payload: "json"}, and the channel field
 * {@code target} of the prometheus-webhook-dingtalk path.
 */
final class IngressPayloads {

    /** Longest default text of a generic JSON payload (a rule template is what makes it readable). */
    static final int MAX_JSON_TEXT = 4_000;
    private static final int MAX_CHANNEL_FIELDS = 32;
    private static final int MAX_CHANNEL_VALUE = 256;
    /** Delivery ids senders put in headers, used as message id so their retries are de-duplicated. */
    private static final List<String> ID_HEADERS = List.of("idempotency-key", "x-github-delivery",
            "x-gitlab-event-uuid");

    private final PayloadOptions options;
    private final AlertMessages alerts;

    IngressPayloads(PayloadOptions options) {
        this.options = options;
        this.alerts = new AlertMessages(new AlertMarkdown(options.zone(), AlertMarkdown.DEFAULT_MAX_BYTES),
                AlertMessages.DEFAULT_RETRY_WINDOW);
    }

    /**
     * The message for a JSON body, or {@code null} when the bridge-JSON reading applies.
     *
     * @throws RejectedRequest with {@code payload: "json"}, for JSON that is not an object
     */
    InboundMessage read(JsonNode body, HttpRequest request, Instant now) throws RejectedRequest {
        if (AlertNotification.recognises(body)) {
            return alerts.toMessage(body, now);
        }
        if (!options.anyJson()) {
            return null;
        }
        if (!body.isObject()) {
            throw RejectedRequest.badRequest("payload \"json\" takes a JSON object, got " + JsonBodies.describe(body)
                    + "; wrap it, e.g. {\"items\": [...]}");
        }
        String text = body.toString();
        if (text.length() > MAX_JSON_TEXT) {
            text = text.substring(0, MAX_JSON_TEXT - 1) + "…";
        }
        InboundMessage.Builder message = InboundMessage.builder()
                .channel(scalarFields(body))
                .text(text)
                .time(now)
                .extension(PAYLOAD_EXTENSION, body.toString());
        for (String header : ID_HEADERS) {
            String id = request.header(header);
            if (id != null && !id.isBlank()) {
                message.id(header + ":" + id.trim());
                break;
            }
        }
        return message.build();
    }

    /** The payload's top-level strings, numbers and booleans, so rules route by {@code {"object_kind": "push"}}. */
    private static Map<String, Object> scalarFields(JsonNode body) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            JsonNode v = field.getValue();
            if (out.size() >= MAX_CHANNEL_FIELDS) {
                break;
            }
            if (v.isTextual() && v.asText().length() <= MAX_CHANNEL_VALUE) {
                out.put(field.getKey(), v.asText());
            } else if (v.isNumber() || v.isBoolean()) {
                out.put(field.getKey(), v.isBoolean() ? v.asBoolean() : v.numberValue());
            }
        }
        return out;
    }

    /** {@code messages} with the channel field {@code target} from a {@code /dingtalk/<target>/send} path. */
    static List<InboundMessage> withTarget(List<InboundMessage> messages, String target) {
        List<InboundMessage> out = new ArrayList<>(messages.size());
        for (InboundMessage m : messages) {
            Map<String, Object> channel = new LinkedHashMap<>(m.channel());
            channel.put("target", target);
            out.add(m.toBuilder().channel(channel).id(m.id() == null ? null : m.id() + "/" + target).build());
        }
        return out;
    }

    /** The {@code <target>} of {@code /dingtalk/<target>/send}, or {@code null}. */
    static String compatTarget(String path) {
        String prefix = "/dingtalk/";
        String suffix = "/send";
        if (path == null || !path.startsWith(prefix) || !path.endsWith(suffix)
                || path.length() <= prefix.length() + suffix.length()) {
            return null;
        }
        String target = path.substring(prefix.length(), path.length() - suffix.length());
        return target.contains("/") ? null
                : java.net.URLDecoder.decode(target, java.nio.charset.StandardCharsets.UTF_8);
    }
}
