package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DingTalk custom-robot message bodies ({@code {"msgtype": "link", "link": {...}, "at": {...}}}, see
 * dingtalk-protocol.md §5), as sent by users moving from a robot webhook, by Dapr's DingTalk binding (under
 * {@code data}) or as the {@code data} of a Vanus-style CloudEvent with {@code xvmsgtype}.
 */
final class DingTalkBodies {

    static final String SUPPORTED = "text, link, markdown, actionCard, feedCard";

    private DingTalkBodies() {
    }

    /** Whether {@code node} looks like a native body: an object with a string {@code msgtype}. */
    static boolean isNative(JsonNode node) {
        return node != null && node.isObject() && node.path("msgtype").isTextual();
    }

    /** Converts a whole native body: the part under its {@code msgtype} plus {@code at}. */
    static MessageContent fromNative(JsonNode body, String where) throws RejectedRequest {
        String msgtype = body.path("msgtype").asText();
        JsonNode inner = body.get(msgtype);
        if (inner == null || !inner.isObject()) {
            throw RejectedRequest.badRequest(where + msgtype + ": required object for msgtype " + msgtype);
        }
        return fromContent(msgtype, inner, mentions(body.get("at")), where + msgtype + ".");
    }

    /**
     * Converts the content object of one message type, the shape DingTalk nests under the msgtype (and Vanus sends
     * as CloudEvent data). Checks every field DingTalk requires, so a message that DingTalk would refuse (e.g.
     * {@code 40035} for a link without text) is rejected at ingress instead of dead-lettered after routing.
     *
     * @param where a prefix naming the object's position in messages, e.g. {@code "data."}
     */
    static MessageContent fromContent(String msgtype, JsonNode content, Mentions mentions, String where)
            throws RejectedRequest {
        String type = canonical(msgtype);
        switch (type) {
            case "text":
                return new MessageContent(required(content, "content", where, type), null, mentions);
            case "markdown":
                return MessageContent.rich(RichContent.markdown(required(content, "title", where, type),
                        required(content, "text", where, type)), mentions);
            case "link":
                return MessageContent.rich(RichContent.link(required(content, "title", where, type),
                        required(content, "text", where, type), required(content, "messageUrl", where, type),
                        optional(content, "picUrl", where)), mentions);
            case "actionCard":
                return MessageContent.rich(actionCard(content, where), mentions);
            case "feedCard": {
                List<RichContent.FeedLink> links = new ArrayList<>();
                JsonNode items = list(content, "links", where, type);
                for (int i = 0; i < items.size(); i++) {
                    JsonNode link = object(items.get(i), where + "links[" + i + "]");
                    String at = where + "links[" + i + "].";
                    links.add(RichContent.feedLink(required(link, "title", at, type),
                            required(link, "messageURL", at, type), optional(link, "picURL", at)));
                }
                return MessageContent.rich(RichContent.feedCard(links), mentions);
            }
            default:
                throw RejectedRequest.badRequest("unsupported msgtype \"" + msgtype + "\" (supported: "
                        + SUPPORTED + ")");
        }
    }

    /** A card needs one button ({@code singleTitle} + {@code singleURL}) or a list of them ({@code btns}). */
    private static RichContent.ActionCard actionCard(JsonNode content, String where) throws RejectedRequest {
        String type = "actionCard";
        String title = required(content, "title", where, type);
        String text = required(content, "text", where, type);
        String singleTitle = optional(content, "singleTitle", where);
        String singleUrl = optional(content, "singleURL", where);
        if (singleTitle != null && singleUrl == null) {
            throw RejectedRequest.badRequest(where + "singleURL: required with singleTitle");
        }
        if (singleUrl != null && singleTitle == null) {
            throw RejectedRequest.badRequest(where + "singleTitle: required with singleURL");
        }
        JsonNode btns = content.get("btns");
        boolean hasButtons = btns != null && !btns.isNull();
        if (hasButtons && !btns.isArray()) {
            throw RejectedRequest.badRequest(where + "btns: expected an array, got " + JsonBodies.describe(btns));
        }
        if (singleUrl == null && (!hasButtons || btns.isEmpty())) {
            throw RejectedRequest.badRequest(where + "btns: at least one button required for msgtype actionCard "
                    + "without singleTitle and singleURL");
        }
        List<RichContent.Button> buttons = new ArrayList<>();
        for (int i = 0; hasButtons && i < btns.size(); i++) {
            JsonNode button = object(btns.get(i), where + "btns[" + i + "]");
            String at = where + "btns[" + i + "].";
            buttons.add(RichContent.button(required(button, "title", at, type),
                    required(button, "actionURL", at, type)));
        }
        return RichContent.actionCard(title, text, singleTitle, singleUrl, buttons,
                optional(content, "btnOrientation", where));
    }

    /** The supported spelling of a message type, matched case-insensitively; unknown types unchanged. */
    static String canonical(String msgtype) {
        return switch (msgtype.toLowerCase(Locale.ROOT)) {
            case "text" -> "text";
            case "markdown" -> "markdown";
            case "link" -> "link";
            case "actioncard" -> "actionCard";
            case "feedcard" -> "feedCard";
            default -> msgtype;
        };
    }

    /** {@code at.atMobiles}, {@code at.atUserIds}, {@code at.isAtAll}. */
    static Mentions mentions(JsonNode at) {
        if (at == null || !at.isObject()) {
            return Mentions.NONE;
        }
        return new Mentions(strings(at.get("atUserIds")), strings(at.get("atMobiles")),
                at.path("isAtAll").asBoolean(false));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode item : array) {
                if (item.isValueNode() && !item.isNull()) {
                    out.add(item.asText());
                }
            }
        }
        return out;
    }

    /** A non-blank string (numbers are taken as text), else a 400 naming {@code where + field}. */
    private static String required(JsonNode node, String field, String where, String msgtype)
            throws RejectedRequest {
        String value = optional(node, field, where);
        if (value == null) {
            throw RejectedRequest.badRequest(where + field + ": required for msgtype " + msgtype);
        }
        return value;
    }

    /** A string field, {@code null} when absent, JSON null or blank; a 400 when it is an object or array. */
    private static String optional(JsonNode node, String field, String where) throws RejectedRequest {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode()) {
            throw RejectedRequest.badRequest(where + field + ": expected a string, got " + JsonBodies.describe(value));
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }

    private static JsonNode list(JsonNode node, String field, String where, String msgtype) throws RejectedRequest {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw RejectedRequest.badRequest(where + field + ": required for msgtype " + msgtype);
        }
        if (!value.isArray()) {
            throw RejectedRequest.badRequest(where + field + ": expected an array, got " + JsonBodies.describe(value));
        }
        if (value.isEmpty()) {
            throw RejectedRequest.badRequest(where + field + ": at least one entry required for msgtype " + msgtype);
        }
        return value;
    }

    private static JsonNode object(JsonNode node, String where) throws RejectedRequest {
        if (!node.isObject()) {
            throw RejectedRequest.badRequest(where + ": expected an object, got " + JsonBodies.describe(node));
        }
        return node;
    }
}
