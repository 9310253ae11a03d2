package io.chatbridge.dingtalk.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.dingtalk.protocol.CallbackBody;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Turns the JSON body of an HTTP-mode callback ({@link CallbackBody}, protocol §1) into an {@link InboundMessage}. */
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
    public static InboundMessage fromJson(JsonNode json) {
        CallbackBody body = CallbackBody.of(json);
        if (!"text".equals(body.msgtype())) {
            return null;
        }
        String robotId = body.chatbotUserId();
        boolean group = body.isGroup();

        List<String> mentioned = new ArrayList<>();
        boolean robotMentioned = false;
        List<CallbackBody.AtUser> atUsers = body.atUsers();
        for (CallbackBody.AtUser user : atUsers) {
            if (user.dingtalkId() != null && user.dingtalkId().equals(robotId)) {
                robotMentioned = true;
                continue;
            }
            String id = firstNonBlank(user.staffId(), user.dingtalkId());
            if (id != null) {
                mentioned.add(id);
            }
        }

        String content = body.textContent();
        content = content == null ? "" : content.trim();
        // DingTalk usually cuts the robot's @name out itself and leaves a space; some clients keep it. When the
        // robot is the only one mentioned, a leading @name can only be the robot's. When others are mentioned too,
        // the robot's @name is still there only if the text holds an @name for every entry of atUsers: then the
        // leading one is taken to be the robot's (" @Alice look" after DingTalk's cut keeps its @Alice).
        if (group && content.startsWith("@")
                && (robotMentioned ? mentionTokens(content) >= atUsers.size() : mentioned.isEmpty())) {
            content = LEADING_MENTION.matcher(content).replaceFirst("").trim();
        }

        InboundMessage.Builder message = InboundMessage.builder()
                .channel("open_conversation_id", body.openConversationId())
                .sender(Sender.of(body.senderId(), body.senderNick()))
                .text(content)
                .mentions(mentioned.isEmpty() ? Mentions.NONE : new Mentions(mentioned, List.of(), false))
                .id(body.msgId())
                .extension(CHAT_TYPE, group ? "group" : "direct")
                .extension(CONVERSATION_TITLE, body.conversationTitle());
        Long createAt = body.createAt();
        if (createAt != null) {
            message.time(Instant.ofEpochMilli(createAt));
        }
        return message.build();
    }

    private static long mentionTokens(String content) {
        return MENTION_TOKEN.matcher(content).results().count();
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
}
