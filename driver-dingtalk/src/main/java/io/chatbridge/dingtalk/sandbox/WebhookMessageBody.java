package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a custom-robot message body (protocol §5, also used by {@code sessionWebhook}) into a {@link MessageContent}. */
final class WebhookMessageBody {

    private WebhookMessageBody() {}

    static MessageContent read(JsonNode body) throws WebhookError {
        String msgtype = body.path("msgtype").asText("");
        JsonNode at = body.path("at");
        List<String> atMobiles = strings(at.path("atMobiles"));
        List<String> atUserIds = strings(at.path("atUserIds"));
        boolean atAll = at.path("isAtAll").asBoolean(false);
        switch (msgtype) {
            case "text": {
                JsonNode text = body.path("text");
                return new MessageContent("text", null, required(text, "text", "content"), null, null, null,
                        List.of(), List.of(), atMobiles, atUserIds, atAll, Map.of());
            }
            case "markdown": {
                JsonNode markdown = body.path("markdown");
                return new MessageContent("markdown", required(markdown, "markdown", "title"),
                        required(markdown, "markdown", "text"), null, null, null, List.of(), List.of(), atMobiles,
                        atUserIds, atAll, Map.of());
            }
            case "link": {
                JsonNode link = body.path("link");
                return new MessageContent("link", required(link, "link", "title"), required(link, "link", "text"),
                        optional(link, "picUrl"), required(link, "link", "messageUrl"), null, List.of(), List.of(),
                        List.of(), List.of(), false, Map.of());
            }
            case "actionCard": {
                JsonNode card = body.path("actionCard");
                List<MessageContent.Button> buttons = new ArrayList<>();
                if (optional(card, "singleTitle") != null) {
                    buttons.add(new MessageContent.Button(optional(card, "singleTitle"),
                            required(card, "actionCard", "singleURL")));
                } else {
                    JsonNode btns = card.path("btns");
                    if (!btns.isArray() || btns.isEmpty()) {
                        throw new WebhookError(WebhookError.INVALID_PARAMETER,
                                "actionCard needs singleTitle/singleURL or btns");
                    }
                    for (JsonNode btn : btns) {
                        buttons.add(new MessageContent.Button(required(btn, "actionCard.btns[]", "title"),
                                required(btn, "actionCard.btns[]", "actionURL")));
                    }
                }
                return new MessageContent("actionCard", required(card, "actionCard", "title"),
                        required(card, "actionCard", "text"), null, null, card.path("btnOrientation").asText("0"),
                        buttons, List.of(), List.of(), List.of(), false, Map.of());
            }
            case "feedCard": {
                JsonNode links = body.path("feedCard").path("links");
                if (!links.isArray() || links.isEmpty()) {
                    throw new WebhookError(WebhookError.INVALID_PARAMETER, "feedCard.links is required");
                }
                List<MessageContent.FeedLink> feed = new ArrayList<>();
                for (JsonNode link : links) {
                    feed.add(new MessageContent.FeedLink(required(link, "feedCard.links[]", "title"),
                            required(link, "feedCard.links[]", "messageURL"), optional(link, "picURL")));
                }
                return new MessageContent("feedCard", null, null, null, null, null, List.of(), feed, List.of(),
                        List.of(), false, Map.of());
            }
            default:
                throw new WebhookError(WebhookError.UNSUPPORTED_MSGTYPE, "unsupported msgtype");
        }
    }

    private static String required(JsonNode node, String where, String field) throws WebhookError {
        String value = optional(node, field);
        if (value == null || value.isEmpty()) {
            throw new WebhookError(WebhookError.INVALID_PARAMETER, "missing parameter " + where + "." + field);
        }
        return value;
    }

    private static String optional(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(value -> values.add(value.asText()));
        }
        return values;
    }
}
