package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an {@code application/json} body that is not a CloudEvent: the bridge's own message JSON, or a native
 * DingTalk custom-robot body at top level or under {@code data} (Dapr's binding shape).
 */
final class PlainJsonMessages {

    private PlainJsonMessages() {
    }

    /**
     * @param idempotencyKey the request's {@code Idempotency-Key}, used as message id when the body has none
     * @param now the receive time, used when the body has none
     */
    static InboundMessage read(JsonNode body, String idempotencyKey, Instant now) throws RejectedRequest {
        if (!body.isObject()) {
            throw RejectedRequest.badRequest("expected a JSON object, got " + JsonBodies.describe(body));
        }
        if (DingTalkBodies.isNative(body)) {
            return dingTalk(body, "", idempotencyKey, now);
        }
        JsonNode data = body.get("data");
        if (DingTalkBodies.isNative(data)) {
            String operation = body.path("operation").asText("create");
            if (!operation.equals("create")) {
                throw RejectedRequest.badRequest("unsupported operation \"" + operation + "\" (only create sends "
                        + "a message)");
            }
            return dingTalk(data, "data.", idempotencyKey, now);
        }
        return bridgeNative(body, idempotencyKey, now);
    }

    private static InboundMessage dingTalk(JsonNode body, String where, String idempotencyKey, Instant now)
            throws RejectedRequest {
        InboundMessage.Builder message = InboundMessage.builder().id(idempotencyKey).time(now);
        DingTalkBodies.fromNative(body, where).applyTo(message);
        return message.build();
    }

    private static InboundMessage bridgeNative(JsonNode body, String idempotencyKey, Instant now)
            throws RejectedRequest {
        InboundMessage.Builder message = InboundMessage.builder();

        JsonNode channel = body.get("channel");
        if (channel != null && !channel.isNull()) {
            if (!channel.isObject()) {
                throw RejectedRequest.badRequest("channel: expected an object, got " + JsonBodies.describe(channel));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = JsonBodies.MAPPER.convertValue(channel, Map.class);
            message.channel(fields);
        }

        message.sender(sender(body));

        String recall = JsonBodies.text(body, "recall");
        if (recall != null) {
            // {"recall": "<id>"}: the message with that id was deleted at the source; its copies are recalled
            if (recall.isBlank()) {
                throw RejectedRequest.badRequest("recall: expected the id of the message to recall");
            }
            String id = JsonBodies.text(body, "id");
            return message.recallOf(recall).id(id != null ? id : idempotencyKey).time(now).build();
        }

        String text = JsonBodies.text(body, "text");
        RichContent rich = RichContentJson.read(body.get("rich"));
        List<Attachment> attachments = attachments(body.get("attachments"));
        if ((text == null || text.isBlank()) && attachments.isEmpty() && rich == null) {
            throw RejectedRequest.badRequest("text or attachments required");
        }
        message.text(text == null && rich != null ? rich.fallbackText() : text).rich(rich);
        attachments.forEach(message::attachment);
        message.mentions(mentions(body.get("mentions")));

        JsonBodies.stringMap(body.get("extensions"), "extensions").forEach(message::extension);
        String id = JsonBodies.text(body, "id");
        message.id(id != null ? id : idempotencyKey);
        message.replyToId(JsonBodies.text(body, "reply_to_id"));
        message.time(time(JsonBodies.text(body, "time"), now));
        return message.build();
    }

    /** {@code user} and {@code user_id}, or the {@code sender} object the webhook egress writes. */
    private static Sender sender(JsonNode body) throws RejectedRequest {
        String userId = JsonBodies.text(body, "user_id");
        String user = JsonBodies.text(body, "user");
        if (userId != null || user != null) {
            return Sender.of(userId, user);
        }
        JsonNode sender = body.get("sender");
        if (sender == null || sender.isNull()) {
            return Sender.UNKNOWN;
        }
        if (!sender.isObject()) {
            throw RejectedRequest.badRequest("sender: expected an object, got " + JsonBodies.describe(sender));
        }
        return Sender.builder().id(JsonBodies.text(sender, "id")).displayName(JsonBodies.text(sender, "display_name"))
                .username(JsonBodies.text(sender, "username")).avatarUrl(JsonBodies.text(sender, "avatar_url")).build();
    }

    private static List<Attachment> attachments(JsonNode array) throws RejectedRequest {
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw RejectedRequest.badRequest("attachments: expected an array, got " + JsonBodies.describe(array));
        }
        List<Attachment> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode item = array.get(i);
            String where = "attachments[" + i + "]";
            if (!item.isObject()) {
                throw RejectedRequest.badRequest(where + ": expected an object, got " + JsonBodies.describe(item));
            }
            String url = JsonBodies.text(item, "url");
            String name = JsonBodies.text(item, "name");
            if (url == null && name == null) {
                throw RejectedRequest.badRequest(where + ": url or name required");
            }
            JsonNode size = item.get("size");
            if (size != null && !size.isNull() && !size.canConvertToLong()) {
                throw RejectedRequest.badRequest(where + ".size: expected a number of bytes");
            }
            out.add(Attachment.builder().type(JsonBodies.text(item, "type")).url(url).name(name)
                    .size(size == null || size.isNull() ? -1 : size.asLong()).mime(JsonBodies.text(item, "mime"))
                    .build());
        }
        return out;
    }

    /** The {@code mentions} object the webhook egress writes. */
    static Mentions mentions(JsonNode node) throws RejectedRequest {
        if (node == null || node.isNull()) {
            return Mentions.NONE;
        }
        if (!node.isObject()) {
            throw RejectedRequest.badRequest("mentions: expected an object, got " + JsonBodies.describe(node));
        }
        List<String> userIds = new ArrayList<>();
        node.path("user_ids").forEach(n -> userIds.add(n.asText()));
        List<String> mobiles = new ArrayList<>();
        node.path("mobiles").forEach(n -> mobiles.add(n.asText()));
        java.util.Map<String, String> names = new java.util.LinkedHashMap<>();
        JsonNode named = node.path("names");
        if (!named.isMissingNode() && !named.isNull() && !named.isObject()) {
            throw RejectedRequest.badRequest("mentions.names: expected an object from user id to display name, got "
                    + JsonBodies.describe(named));
        }
        named.properties().forEach(e -> names.put(e.getKey(), e.getValue().asText()));
        return new Mentions(userIds, mobiles, node.path("all").asBoolean(false), names);
    }

    private static Instant time(String text, Instant fallback) throws RejectedRequest {
        if (text == null) {
            return fallback;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw RejectedRequest.badRequest("time: expected an RFC 3339 timestamp such as "
                    + "2024-05-01T08:00:00Z, got \"" + text + "\"");
        }
    }
}
