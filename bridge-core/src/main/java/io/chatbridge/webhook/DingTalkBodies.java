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
     * as CloudEvent data).
     *
     * @param where a prefix naming the object's position in messages, e.g. {@code "data."}
     */
    static MessageContent fromContent(String msgtype, JsonNode content, Mentions mentions, String where)
            throws RejectedRequest {
        switch (canonical(msgtype)) {
            case "text": {
                String text = string(content, "content");
                if (text == null) {
                    throw RejectedRequest.badRequest(where + "content: required for msgtype text");
                }
                return new MessageContent(text, null, mentions);
            }
            case "markdown":
                return MessageContent.rich(new RichContent.Markdown(string(content, "title"),
                        requireText(content, "text", where, msgtype)), mentions);
            case "link":
                return MessageContent.rich(new RichContent.Link(string(content, "title"), string(content, "text"),
                        string(content, "messageUrl"), string(content, "picUrl")), mentions);
            case "actionCard": {
                List<RichContent.Button> buttons = new ArrayList<>();
                for (JsonNode button : content.path("btns")) {
                    buttons.add(new RichContent.Button(string(button, "title"), string(button, "actionURL")));
                }
                return MessageContent.rich(new RichContent.ActionCard(string(content, "title"),
                        requireText(content, "text", where, msgtype), string(content, "singleTitle"),
                        string(content, "singleURL"), buttons, string(content, "btnOrientation")), mentions);
            }
            case "feedCard": {
                List<RichContent.FeedLink> links = new ArrayList<>();
                for (JsonNode link : content.path("links")) {
                    links.add(new RichContent.FeedLink(string(link, "title"), string(link, "messageURL"),
                            string(link, "picURL")));
                }
                if (links.isEmpty()) {
                    throw RejectedRequest.badRequest(where + "links: at least one link required for msgtype feedCard");
                }
                return MessageContent.rich(new RichContent.FeedCard(links), mentions);
            }
            default:
                throw RejectedRequest.badRequest("unsupported msgtype \"" + msgtype + "\" (supported: "
                        + SUPPORTED + ")");
        }
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

    private static String requireText(JsonNode content, String field, String where, String msgtype)
            throws RejectedRequest {
        String value = string(content, field);
        if (value == null) {
            throw RejectedRequest.badRequest(where + field + ": required for msgtype " + msgtype);
        }
        return value;
    }

    private static String string(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
    }
}
