package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.jackson.JsonCloudEventData;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Turns a {@link CloudEvent} into an {@link InboundMessage}.
 *
 * <p>Events of type {@code io.chatbridge.message} (another bridge's egress in {@code ce_mode}) carry the webhook
 * JSON as data; its {@code text}, {@code rich} and {@code mentions} are kept.
 *
 * <ul>
 *   <li>channel: {@code source}, {@code type} and {@code subject} (when present), so rules route by event type;
 *   <li>id: {@code source + "\n" + id + "\n" + fingerprint}: the pair that identifies an event, plus a digest of
 *       its type, subject, {@code xvmsgtype} and {@code xvchatgroup}. A retry is de-duplicated even when a producer
 *       refreshes its time, data or tracing extensions; events that reuse an id with another type or target (the
 *       Vanus sink's documented examples all share one id and differ in {@code xvmsgtype} / {@code xvchatgroup})
 *       are each delivered rather than dropped;
 *   <li>extensions: every extension attribute (e.g. Vanus' {@code xvchatgroup}, {@code xvmsgtype});
 *   <li>type {@value #RECALL_TYPE}: a recall of the event its data names (see {@link #RECALL_TYPE}), with no
 *       content of its own;
 *   <li>content: string data is the text; object data follows {@code xvmsgtype} (the Vanus DingTalk sink's five
 *       message types), else a native DingTalk body, else its {@code "text"} field, else the JSON itself. An
 *       event without data, with blank text or with rich content lacking a field DingTalk requires is refused.
 * </ul>
 */
final class CloudEventMessages {

    static final String MSGTYPE_EXTENSION = "xvmsgtype";
    /** The extensions that make an event reusing an id a different event (they change where and how it is sent). */
    private static final List<String> FINGERPRINT_EXTENSIONS = List.of(MSGTYPE_EXTENSION, "xvchatgroup");

    /**
     * The type of an event that recalls an earlier one: its data names the event by {@code id} (and {@code source},
     * by default the recall's own), as {@code {"id": "…", "source": "…"}} or as the id alone in string data.
     */
    static final String RECALL_TYPE = "io.chatbridge.recall";

    private CloudEventMessages() {
    }

    /**
     * The recalled event as the message ids of the ingress know it without their fingerprint: {@code source\nid}, so
     * every event that reused the id (with another type or {@code xvchatgroup}) is recalled.
     */
    private static String recalled(CloudEvent event, String where) throws RejectedRequest {
        JsonNode data = data(event, where);
        String source = event.getSource().toString();
        String id;
        if (data != null && data.isTextual()) {
            id = data.asText();
        } else if (data != null && data.isObject()) {
            id = JsonBodies.text(data, "id");
            String named = JsonBodies.text(data, "source");
            if (named != null) {
                if (named.isBlank()) {
                    throw RejectedRequest.badRequest(where + "data.source: must not be empty (leave it out to "
                            + "recall an event of this event's source)");
                }
                source = named;
            }
            if (id == null) {
                throw RejectedRequest.badRequest(where + "data.id: required for type " + RECALL_TYPE
                        + ", the id of the event to recall");
            }
        } else {
            throw RejectedRequest.badRequest(where + "data: required for type " + RECALL_TYPE + ": {\"id\": \"<id of "
                    + "the event to recall>\"} (optionally with \"source\"), or the id as string data"
                    + (data == null || data.isNull() ? "" : ", got " + JsonBodies.describe(data)));
        }
        if (id.isBlank()) {
            throw RejectedRequest.badRequest(where + (data.isTextual() ? "data" : "data.id")
                    + ": must not be empty, the id of the event to recall");
        }
        return source + "\n" + id;
    }

    static InboundMessage toMessage(CloudEvent event, Instant now, String where) throws RejectedRequest {
        InboundMessage.Builder message = InboundMessage.builder()
                .channel("source", event.getSource().toString())
                .channel("type", event.getType())
                .channel("subject", event.getSubject())
                .id(event.getSource() + "\n" + event.getId() + "\n" + fingerprint(event))
                .time(event.getTime() == null ? now : event.getTime().toInstant());
        for (String name : event.getExtensionNames()) {
            Object value = event.getExtension(name);
            message.extension(name, value == null ? null : String.valueOf(value));
        }
        if (RECALL_TYPE.equals(event.getType())) {
            return message.recallOf(recalled(event, where)).build();
        }
        Object msgtype = event.getExtension(MSGTYPE_EXTENSION);
        content(event, msgtype == null ? null : String.valueOf(msgtype), where).applyTo(message);
        return message.build();
    }

    /**
     * A short digest of how an event is routed and rendered: type, subject and the Vanus extensions that pick the
     * DingTalk robot and message type. Per-hop attributes (time, tracing extensions, content type) stay out, so a
     * retry is still recognised.
     */
    static String fingerprint(CloudEvent event) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        update(digest, event.getType());
        update(digest, event.getSubject());
        for (String name : FINGERPRINT_EXTENSIONS) {
            Object value = event.getExtension(name);
            update(digest, value == null ? null : String.valueOf(value));
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    private static void update(MessageDigest digest, String value) {
        digest.update((value == null ? "\u0000" : value).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0x1f);
    }

    /** What the event says; a 400 naming the attribute or data field when that would be an empty message. */
    private static MessageContent content(CloudEvent event, String msgtype, String where) throws RejectedRequest {
        JsonNode data = data(event, where);
        boolean textType = msgtype == null || DingTalkBodies.canonical(msgtype).equals("text");
        if (data == null || data.isNull()) {
            if (!textType) {
                throw RejectedRequest.badRequest(where + "data required for " + MSGTYPE_EXTENSION + " " + msgtype);
            }
            throw RejectedRequest.badRequest(where + "data: required, the event has no message to send"
                    + " (in binary mode the request body is the data)");
        }
        if (data.isTextual()) {
            return MessageContent.text(notBlank(data.asText(), where + "data"));
        }
        if (data.isObject() && msgtype == null && WebhookEgress.EVENT_TYPE.equals(event.getType())) {
            // another bridge's webhook egress in ce_mode: its data is the webhook JSON, rich content included
            String text = JsonBodies.text(data, "text");
            RichContent rich = RichContentJson.read(data.get("rich"));
            if (rich == null) {
                notBlank(text, where + "data.text");
            }
            return new MessageContent(text, rich, PlainJsonMessages.mentions(data.get("mentions")));
        }
        if (data.isObject()) {
            if (DingTalkBodies.isNative(data)) {
                return DingTalkBodies.fromNative(data, where + "data.");
            }
            if (!textType) {
                return DingTalkBodies.fromContent(msgtype, data, DingTalkBodies.mentions(data.get("at")),
                        where + "data.");
            }
            JsonNode content = data.get("content");
            if (msgtype != null && content != null && content.isTextual()) {
                return new MessageContent(notBlank(content.asText(), where + "data.content"), null,
                        DingTalkBodies.mentions(data.get("at")));
            }
            JsonNode text = data.get("text");
            if (text != null && text.isTextual()) {
                return MessageContent.text(notBlank(text.asText(), where + "data.text"));
            }
        }
        if (!textType) {
            throw RejectedRequest.badRequest(where + "data must be an object for " + MSGTYPE_EXTENSION + " "
                    + msgtype + ", got " + JsonBodies.describe(data));
        }
        return MessageContent.text(data.isValueNode() ? data.asText() : data.toString());
    }

    private static String notBlank(String text, String where) throws RejectedRequest {
        if (text == null || text.isBlank()) {
            throw RejectedRequest.badRequest(where + ": must not be empty, the event has no message to send");
        }
        return text;
    }

    /** The event's data as JSON: parsed when it is JSON, a string when it is text. */
    private static JsonNode data(CloudEvent event, String where) throws RejectedRequest {
        CloudEventData data = event.getData();
        if (data == null) {
            return null;
        }
        if (data instanceof JsonCloudEventData json) {
            return json.getNode();
        }
        byte[] bytes = data.toBytes();
        JsonBodies.utf8(bytes, where + "data");
        String type = mediaType(event.getDataContentType());
        if (type == null) {
            // binary mode without Content-Type: JSON when it parses as JSON, text otherwise
            try {
                return JsonBodies.parse(bytes, where + "data");
            } catch (RejectedRequest e) {
                return TextNode.valueOf(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        if (type.equals("application/json") && !looksLikeJson(bytes)) {
            // binary mode: SDKs send Content-Type: application/json when the event has no datacontenttype, also
            // for string data (the JavaScript SDK's new CloudEvent({data: "text"}) sends the text unquoted). A
            // body that starts like JSON is parsed strictly; anything else is the text.
            try {
                return JsonBodies.parse(bytes, where + "data");
            } catch (RejectedRequest e) {
                return TextNode.valueOf(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        if (type.equals("application/json") || type.equals("text/json") || type.endsWith("+json")) {
            return JsonBodies.parse(bytes, where + "data");
        }
        if (type.startsWith("text/")) {
            return TextNode.valueOf(new String(bytes, StandardCharsets.UTF_8));
        }
        throw new RejectedRequest(415, where + "unsupported datacontenttype " + type
                + " (send JSON or text data)");
    }

    /** Whether the body starts like a JSON object, array or string (after whitespace). */
    private static boolean looksLikeJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b == '{' || b == '[' || b == '"';
        }
        return false;
    }

    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
