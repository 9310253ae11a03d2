package io.chatbridge.dingtalk.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Turns the JSON body of an HTTP-mode callback (protocol §1) into an {@link InboundMessage}. */
public final class CallbackMessage {

    /** Extension: {@code group} or {@code direct}. */
    public static final String CHAT_TYPE = "chat_type";
    /** Extension: the group's title (groups only). */
    public static final String CONVERSATION_TITLE = "conversation_title";

    private static final Pattern LEADING_MENTION = Pattern.compile("^@\\S+\\s*");
    /** An @name: at the start or after white space, so "a@b.com" is none. */
    private static final Pattern MENTION_TOKEN = Pattern.compile("(?:^|\\s)@\\S");

    private CallbackMessage() {
    }

    /**
     * Normalises a text callback.
     *
     * @return the message, or {@code null} when the callback is not a text message (it is not routed)
     */
    public static InboundMessage fromJson(JsonNode body) {
        if (!"text".equals(text(body, "msgtype"))) {
            return null;
        }
        String robotId = text(body, "chatbotUserId");
        boolean group = "2".equals(text(body, "conversationType"));

        List<String> mentioned = new ArrayList<>();
        boolean robotMentioned = false;
        for (JsonNode user : body.path("atUsers")) {
            String dingtalkId = text(user, "dingtalkId");
            if (dingtalkId != null && dingtalkId.equals(robotId)) {
                robotMentioned = true;
                continue;
            }
            String id = firstNonBlank(text(user, "staffId"), dingtalkId);
            if (id != null) {
                mentioned.add(id);
            }
        }

        String content = text(body.path("text"), "content");
        content = content == null ? "" : content.trim();
        // DingTalk usually cuts the robot's @name out itself and leaves a space; some clients keep it. When the
        // robot is the only one mentioned, a leading @name can only be the robot's. When others are mentioned too,
        // the robot's @name is still there only if the text holds an @name for every entry of atUsers: then the
        // leading one is taken to be the robot's (" @Alice look" after DingTalk's cut keeps its @Alice).
        if (group && content.startsWith("@")
                && (robotMentioned ? mentionTokens(content) >= body.path("atUsers").size() : mentioned.isEmpty())) {
            content = LEADING_MENTION.matcher(content).replaceFirst("").trim();
        }

        InboundMessage.Builder message = InboundMessage.builder()
                .channel("open_conversation_id",
                        firstNonBlank(text(body, "openConversationId"), text(body, "conversationId")))
                .sender(Sender.of(firstNonBlank(text(body, "senderStaffId"), text(body, "senderId")),
                        text(body, "senderNick")))
                .text(content)
                .mentions(mentioned.isEmpty() ? Mentions.NONE : new Mentions(mentioned, List.of(), false))
                .id(text(body, "msgId"))
                .extension(CHAT_TYPE, group ? "group" : "direct")
                .extension(CONVERSATION_TITLE, text(body, "conversationTitle"));
        JsonNode createAt = body.get("createAt");
        if (createAt != null && createAt.canConvertToLong()) {
            message.time(Instant.ofEpochMilli(createAt.asLong()));
        } else if (createAt != null && createAt.isTextual() && createAt.asText().matches("\\d{1,18}")) {
            message.time(Instant.ofEpochMilli(Long.parseLong(createAt.asText())));
        }
        return message.build();
    }

    private static long mentionTokens(String content) {
        return MENTION_TOKEN.matcher(content).results().count();
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
