package io.chatbridge.dingtalk.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON body of an HTTP-mode robot callback (protocol §1; also the {@code data} of a Stream-mode CALLBACK frame):
 * read by the driver ({@link #of}) and written by the sandbox and {@code simulate} ({@link #text()}), so the field
 * names live in one place. Reading is lenient, as real payloads vary: a missing, null or non-scalar field reads as
 * {@code null}, unknown fields are ignored.
 */
public final class CallbackBody {

    /** {@code conversationType} of a one-to-one chat. */
    public static final String ONE_TO_ONE = "1";
    /** {@code conversationType} of a group chat. */
    public static final String GROUP = "2";

    private final JsonNode json;

    private CallbackBody(JsonNode json) {
        this.json = json;
    }

    /** A view of a parsed callback body (a JSON object). */
    public static CallbackBody of(JsonNode json) {
        return new CallbackBody(json);
    }

    /** The JSON itself, for fields this class does not name. */
    public JsonNode json() {
        return json;
    }

    public String msgtype() {
        return text(json, "msgtype");
    }

    public String msgId() {
        return text(json, "msgId");
    }

    /** {@code openConversationId} when present (some payloads carry it), else {@code conversationId}. */
    public String openConversationId() {
        return firstNonBlank(text(json, "openConversationId"), text(json, "conversationId"));
    }

    /** Whether {@code conversationType} is {@code "2"}. */
    public boolean isGroup() {
        return GROUP.equals(text(json, "conversationType"));
    }

    /** The group's title (groups only). */
    public String conversationTitle() {
        return text(json, "conversationTitle");
    }

    /** The robot's own opaque id, as it appears in {@link #atUsers()}. */
    public String chatbotUserId() {
        return text(json, "chatbotUserId");
    }

    /** The sender's staff id when present (a published robot), else the opaque {@code senderId}. */
    public String senderId() {
        return firstNonBlank(text(json, "senderStaffId"), text(json, "senderId"));
    }

    public String senderNick() {
        return text(json, "senderNick");
    }

    /** {@code text.content} of a text message, or {@code null}. */
    public String textContent() {
        return text(json.path("text"), "content");
    }

    /** {@code createAt} in epoch ms, a number or a string of digits; {@code null} when absent or not a time. */
    public Long createAt() {
        JsonNode createAt = json.get("createAt");
        if (createAt != null && createAt.canConvertToLong()) {
            return createAt.asLong();
        }
        if (createAt != null && createAt.isTextual() && createAt.asText().matches("\\d{1,18}")) {
            return Long.parseLong(createAt.asText());
        }
        return null;
    }

    /** One entry of {@code atUsers}; either id may be {@code null}. */
    public record AtUser(String dingtalkId, String staffId) {
    }

    /** {@code atUsers}, in order (includes the robot itself when it was @-mentioned). */
    public List<AtUser> atUsers() {
        List<AtUser> users = new ArrayList<>();
        for (JsonNode user : json.path("atUsers")) {
            users.add(new AtUser(text(user, "dingtalkId"), text(user, "staffId")));
        }
        return users;
    }

    /** A writer for the text callback DingTalk sends when a member @-mentions the robot. */
    public static TextBuilder text() {
        return new TextBuilder();
    }

    /**
     * Writes a text callback; fields left {@code null} are left out. {@code isAdmin} is false and
     * {@code isInAtList} true, as for a member who @-mentions the robot.
     */
    public static final class TextBuilder {
        private String conversationId;
        private String openConversationId;
        private String conversationType = GROUP;
        private String conversationTitle;
        private final List<AtUser> atUsers = new ArrayList<>();
        private String chatbotCorpId;
        private String chatbotUserId;
        private String msgId;
        private String senderNick;
        private String senderStaffId;
        private String senderId;
        private String senderCorpId;
        private Long createAt;
        private String sessionWebhook;
        private Long sessionWebhookExpiredTime;
        private String content;
        private String robotCode;

        private TextBuilder() {
        }

        /** {@code conversationId}; with {@code alsoOpenConversationId} the same id as {@code openConversationId}. */
        public TextBuilder conversation(String id, boolean alsoOpenConversationId) {
            this.conversationId = id;
            this.openConversationId = alsoOpenConversationId ? id : null;
            return this;
        }

        /** A group chat with this title ({@code conversationType} 2, the default). */
        public TextBuilder group(String title) {
            this.conversationType = GROUP;
            this.conversationTitle = title;
            return this;
        }

        /** A one-to-one chat with the robot ({@code conversationType} 1, no title). */
        public TextBuilder oneToOne() {
            this.conversationType = ONE_TO_ONE;
            this.conversationTitle = null;
            return this;
        }

        public TextBuilder atUser(String dingtalkId, String staffId) {
            atUsers.add(new AtUser(dingtalkId, staffId));
            return this;
        }

        public TextBuilder chatbot(String corpId, String userId) {
            this.chatbotCorpId = corpId;
            this.chatbotUserId = userId;
            return this;
        }

        public TextBuilder msgId(String msgId) {
            this.msgId = msgId;
            return this;
        }

        /** The sender: nick, staff id, opaque id, corp id (any may be {@code null}). */
        public TextBuilder sender(String nick, String staffId, String opaqueId, String corpId) {
            this.senderNick = nick;
            this.senderStaffId = staffId;
            this.senderId = opaqueId;
            this.senderCorpId = corpId;
            return this;
        }

        public TextBuilder createAt(long epochMillis) {
            this.createAt = epochMillis;
            return this;
        }

        public TextBuilder sessionWebhook(String url, long expiresAtEpochMillis) {
            this.sessionWebhook = url;
            this.sessionWebhookExpiredTime = expiresAtEpochMillis;
            return this;
        }

        /** {@code text.content} as DingTalk sends it (the robot's @name cut out, the space after it kept). */
        public TextBuilder content(String content) {
            this.content = content;
            return this;
        }

        public TextBuilder robotCode(String robotCode) {
            this.robotCode = robotCode;
            return this;
        }

        /** The body, fields in the order of DingTalk's documented sample. */
        public ObjectNode toJson() {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            put(body, "conversationId", conversationId);
            put(body, "openConversationId", openConversationId);
            var users = body.putArray("atUsers");
            for (AtUser user : atUsers) {
                ObjectNode node = users.addObject();
                put(node, "dingtalkId", user.dingtalkId());
                put(node, "staffId", user.staffId());
            }
            put(body, "chatbotCorpId", chatbotCorpId);
            put(body, "chatbotUserId", chatbotUserId);
            put(body, "msgId", msgId);
            put(body, "senderNick", senderNick);
            body.put("isAdmin", false);
            put(body, "senderStaffId", senderStaffId);
            if (sessionWebhookExpiredTime != null) {
                body.put("sessionWebhookExpiredTime", sessionWebhookExpiredTime);
            }
            if (createAt != null) {
                body.put("createAt", createAt);
            }
            put(body, "senderCorpId", senderCorpId);
            body.put("conversationType", conversationType);
            put(body, "senderId", senderId);
            put(body, "conversationTitle", conversationTitle);
            body.put("isInAtList", true);
            put(body, "sessionWebhook", sessionWebhook);
            body.putObject("text").put("content", content == null ? "" : content);
            body.put("msgtype", "text");
            put(body, "robotCode", robotCode);
            return body;
        }

        private static void put(ObjectNode node, String field, String value) {
            if (value != null) {
                node.put(field, value);
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        return value.asText();
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
}
