package io.chatbridge.dingtalk.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON body a custom group robot webhook (and a callback's {@code sessionWebhook}) takes, protocol §5: one
 * variant per {@code msgtype}, written by the driver ({@link #toMap()}) and read by the sandbox ({@link #read}).
 * Field names keep DingTalk's casing: {@code link} has {@code picUrl}/{@code messageUrl}, {@code feedCard} has
 * {@code picURL}/{@code messageURL}, buttons have {@code actionURL}.
 */
public sealed interface CustomRobotBody {

    /** The {@code msgtype} field. */
    String msgtype();

    /** The body as a map in the order DingTalk documents the fields, ready for a JSON writer. */
    Map<String, Object> toMap();

    /** {@code at}: who is mentioned. DingTalk highlights a mention only when {@code @id} is in the text too. */
    record At(List<String> atMobiles, List<String> atUserIds, boolean isAtAll) {
        public static final At NONE = new At(List.of(), List.of(), false);

        public At {
            atMobiles = List.copyOf(atMobiles);
            atUserIds = List.copyOf(atUserIds);
        }

        /** Whether nobody is mentioned (the body then carries no {@code at}). */
        public boolean isEmpty() {
            return atMobiles.isEmpty() && atUserIds.isEmpty() && !isAtAll;
        }

        Map<String, Object> toMap() {
            Map<String, Object> at = new LinkedHashMap<>();
            at.put("atMobiles", atMobiles);
            at.put("atUserIds", atUserIds);
            at.put("isAtAll", isAtAll);
            return at;
        }
    }

    /** {@code {"msgtype":"text","text":{"content"},"at"}}. */
    record Text(String content, At at) implements CustomRobotBody {
        @Override
        public String msgtype() {
            return "text";
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> body = start(this);
            body.put("text", Map.of("content", content));
            putAt(body, at);
            return body;
        }
    }

    /** {@code {"msgtype":"markdown","markdown":{"title","text"},"at"}}. */
    record Markdown(String title, String text, At at) implements CustomRobotBody {
        @Override
        public String msgtype() {
            return "markdown";
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> body = start(this);
            Map<String, Object> markdown = new LinkedHashMap<>();
            markdown.put("title", title);
            markdown.put("text", text);
            body.put("markdown", markdown);
            putAt(body, at);
            return body;
        }
    }

    /** {@code {"msgtype":"link","link":{"title","text","picUrl","messageUrl"}}}. */
    record Link(String title, String text, String picUrl, String messageUrl) implements CustomRobotBody {
        @Override
        public String msgtype() {
            return "link";
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> body = start(this);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", title);
            fields.put("text", text);
            fields.put("picUrl", picUrl);
            fields.put("messageUrl", messageUrl);
            body.put("link", fields);
            return body;
        }
    }

    /** An action card button: {@code {"title","actionURL"}}. */
    record Button(String title, String actionUrl) {
    }

    /**
     * {@code {"msgtype":"actionCard","actionCard":{"title","text","btnOrientation", "singleTitle","singleURL" | "btns"}}}:
     * a single-button card when {@code singleTitle} is set, else one with {@code btns}.
     */
    record ActionCard(String title, String text, String btnOrientation, String singleTitle, String singleUrl,
                      List<Button> btns) implements CustomRobotBody {
        public ActionCard {
            btns = List.copyOf(btns);
        }

        @Override
        public String msgtype() {
            return "actionCard";
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> body = start(this);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", title);
            fields.put("text", text);
            fields.put("btnOrientation", btnOrientation);
            if (singleTitle != null) {
                fields.put("singleTitle", singleTitle);
                fields.put("singleURL", singleUrl);
            } else {
                List<Map<String, Object>> list = new ArrayList<>();
                for (Button button : btns) {
                    Map<String, Object> btn = new LinkedHashMap<>();
                    btn.put("title", button.title());
                    btn.put("actionURL", button.actionUrl());
                    list.add(btn);
                }
                fields.put("btns", list);
            }
            body.put("actionCard", fields);
            return body;
        }
    }

    /** One entry of a feed card: {@code {"title","messageURL","picURL"}}. */
    record FeedLink(String title, String messageUrl, String picUrl) {
    }

    /** {@code {"msgtype":"feedCard","feedCard":{"links":[...]}}}. */
    record FeedCard(List<FeedLink> links) implements CustomRobotBody {
        public FeedCard {
            links = List.copyOf(links);
        }

        @Override
        public String msgtype() {
            return "feedCard";
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> body = start(this);
            List<Map<String, Object>> list = new ArrayList<>();
            for (FeedLink link : links) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("title", link.title());
                item.put("messageURL", link.messageUrl());
                item.put("picURL", link.picUrl());
                list.add(item);
            }
            body.put("feedCard", Map.of("links", list));
            return body;
        }
    }

    /** A body DingTalk would refuse: an unknown {@code msgtype} (errcode 400105) or a missing field. */
    final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean unsupportedType;

        Invalid(boolean unsupportedType, String message) {
            super(message, null, false, false);
            this.unsupportedType = unsupportedType;
        }

        /** Whether the {@code msgtype} itself is unknown (else a required field is missing). */
        public boolean unsupportedType() {
            return unsupportedType;
        }
    }

    /**
     * Reads a body as DingTalk would, requiring the fields it requires. {@code at} is read for text and markdown
     * (the only types that mention anyone).
     */
    static CustomRobotBody read(JsonNode body) throws Invalid {
        String msgtype = body.path("msgtype").asText("");
        switch (msgtype) {
            case "text":
                return new Text(required(body.path("text"), "text", "content"), at(body.path("at")));
            case "markdown": {
                JsonNode markdown = body.path("markdown");
                return new Markdown(required(markdown, "markdown", "title"), required(markdown, "markdown", "text"),
                        at(body.path("at")));
            }
            case "link": {
                JsonNode link = body.path("link");
                return new Link(required(link, "link", "title"), required(link, "link", "text"),
                        optional(link, "picUrl"), required(link, "link", "messageUrl"));
            }
            case "actionCard": {
                JsonNode card = body.path("actionCard");
                String singleTitle = optional(card, "singleTitle");
                String singleUrl = null;
                List<Button> buttons = new ArrayList<>();
                if (singleTitle != null) {
                    singleUrl = required(card, "actionCard", "singleURL");
                } else {
                    JsonNode btns = card.path("btns");
                    if (!btns.isArray() || btns.isEmpty()) {
                        throw new Invalid(false, "actionCard needs singleTitle/singleURL or btns");
                    }
                    for (JsonNode btn : btns) {
                        buttons.add(new Button(required(btn, "actionCard.btns[]", "title"),
                                required(btn, "actionCard.btns[]", "actionURL")));
                    }
                }
                return new ActionCard(required(card, "actionCard", "title"), required(card, "actionCard", "text"),
                        card.path("btnOrientation").asText("0"), singleTitle, singleUrl, buttons);
            }
            case "feedCard": {
                JsonNode links = body.path("feedCard").path("links");
                if (!links.isArray() || links.isEmpty()) {
                    throw new Invalid(false, "feedCard.links is required");
                }
                List<FeedLink> feed = new ArrayList<>();
                for (JsonNode link : links) {
                    feed.add(new FeedLink(required(link, "feedCard.links[]", "title"),
                            required(link, "feedCard.links[]", "messageURL"), optional(link, "picURL")));
                }
                return new FeedCard(feed);
            }
            default:
                throw new Invalid(true, "unsupported msgtype");
        }
    }

    private static Map<String, Object> start(CustomRobotBody body) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("msgtype", body.msgtype());
        return map;
    }

    private static void putAt(Map<String, Object> body, At at) {
        if (at != null && !at.isEmpty()) {
            body.put("at", at.toMap());
        }
    }

    private static At at(JsonNode at) {
        return new At(strings(at.path("atMobiles")), strings(at.path("atUserIds")), at.path("isAtAll").asBoolean(false));
    }

    private static String required(JsonNode node, String where, String field) throws Invalid {
        String value = optional(node, field);
        if (value == null || value.isEmpty()) {
            throw new Invalid(false, "missing parameter " + where + "." + field);
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
