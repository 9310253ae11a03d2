package io.chatbridge.dingtalk.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.dingtalk.protocol.CallbackBody;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Quote;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.Sender;
import java.net.URLConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns the JSON body of an HTTP-mode callback ({@link CallbackBody}, protocol §1) into an {@link InboundMessage}. */
public final class CallbackMessage {

    /** Extension: {@code group} or {@code direct}. */
    public static final String CHAT_TYPE = "chat_type";
    /** Extension: the group's title (groups only). */
    public static final String CONVERSATION_TITLE = "conversation_title";

    /** Extension: the DingTalk {@code msgtype} ({@code text}, {@code picture}, {@code richText}...). */
    public static final String MSGTYPE = "dingtalk_msgtype";

    private static final Logger LOG = LoggerFactory.getLogger(CallbackMessage.class);
    private static final Set<String> SUPPORTED = Set.of("text", "picture", "richText", "file", "audio", "video");
    private static final Pattern LEADING_MENTION = Pattern.compile("^@\\S+\\s*");
    /** An @name: at the start or after white space, so "a@b.com" is none. */
    private static final Pattern MENTION_TOKEN = Pattern.compile("(?:^|\\s)@\\S");
    /** The name of an @name, up to white space or the next @. */
    private static final Pattern MENTION_NAME = Pattern.compile("(?:^|(?<=\\s))@([^\\s@]+)");
    /** Punctuation that ends a sentence rather than a name ({@code @Alice, see}); brackets may be part of one. */
    private static final Pattern TRAILING_PUNCTUATION = Pattern.compile("[,.;:!?，。；：！？、]+$");

    private CallbackMessage() {
    }

    /**
     * Normalises a callback of any {@code msgtype}: {@code text} (with quotes and mentions), {@code picture},
     * {@code richText}, {@code file}, {@code audio} and {@code video} become text and attachments (the
     * {@code downloadCode} kept as {@link Attachment#sourceRef()}, resolved when a delivery is sent); any other
     * type becomes the line {@code [unsupported DingTalk message: <msgtype>]}, so nothing is dropped. The DingTalk
     * {@code msgtype} is kept as extension {@value #MSGTYPE}.
     *
     * @return the message; never {@code null}
     */
    public static InboundMessage fromJson(JsonNode json) {
        CallbackBody body = CallbackBody.of(json);
        String msgtype = body.msgtype() == null ? "" : body.msgtype();
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

        InboundMessage.Builder message = InboundMessage.builder()
                .channel("open_conversation_id", body.openConversationId())
                .sender(Sender.of(body.senderId(), body.senderNick()))
                .mentions(mentioned.isEmpty() ? Mentions.NONE : new Mentions(mentioned, List.of(), false))
                .id(body.msgId())
                .extension(CHAT_TYPE, group ? "group" : "direct")
                .extension(CONVERSATION_TITLE, body.conversationTitle())
                .extension(MSGTYPE, msgtype.isEmpty() ? null : msgtype);
        JsonNode content = json.path("content");
        switch (msgtype) {
            case "text" -> {
                String text = stripRobotMention(body.textContent(), group, robotMentioned, atUsers.size(),
                        mentioned.isEmpty());
                message.text(text);
                if (!mentioned.isEmpty()) {
                    message.mentions(new Mentions(mentioned, List.of(), false, names(text, mentioned)));
                }
                Quote quote = quote(json.path("text"));
                if (quote != null) {
                    message.quote(quote);
                }
            }
            case "picture" -> message.attachment(picture(content));
            case "richText" -> richText(content, message);
            case "file" -> {
                String name = text(content, "fileName");
                message.attachment(Attachment.builder().type("file").name(name).mime(mimeOf(name))
                        .sourceRef(downloadCode(content)).build());
            }
            case "audio" -> {
                // DingTalk's speech recognition, so text-only targets still get what was said
                String recognition = text(content, "recognition");
                message.text(recognition == null ? "" : recognition.strip());
                message.attachment(Attachment.builder().type("audio").name("voice message")
                        .durationMillis(duration(content)).sourceRef(downloadCode(content)).build());
            }
            case "video" -> {
                String videoType = text(content, "videoType");
                String name = "video" + (videoType == null ? "" : "." + videoType);
                message.attachment(Attachment.builder().type("video").name(name).mime(mimeOf(name))
                        .durationMillis(duration(content)).sourceRef(downloadCode(content)).build());
            }
            default -> message.text(unsupported(msgtype));
        }
        Long createAt = body.createAt();
        if (createAt != null) {
            message.time(Instant.ofEpochMilli(createAt));
        }
        return message.build();
    }

    /**
     * The display names of the mentioned ids as the text writes them: {@code atUsers} gives ids only, the text
     * {@code @Alice @Bob}. When the text holds exactly one {@code @name} per mentioned user, they are paired in
     * order (DingTalk lists {@code atUsers} in the order of the text, as far as seen); otherwise no name is
     * guessed, and the ids go on without names.
     */
    static Map<String, String> names(String text, List<String> mentioned) {
        List<String> tokens = MENTION_NAME.matcher(text).results()
                .map(r -> TRAILING_PUNCTUATION.matcher(r.group(1)).replaceFirst("")).toList();
        if (tokens.size() != mentioned.size()) {
            return Map.of();
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            names.putIfAbsent(mentioned.get(i), tokens.get(i));
        }
        return names;
    }

    /** Whether {@link #fromJson} understands {@code msgtype}, rather than routing it as an unsupported line. */
    public static boolean supported(String msgtype) {
        return SUPPORTED.contains(msgtype);
    }

    /** The line an unsupported message type is routed as. */
    public static String unsupported(String msgtype) {
        return "[unsupported DingTalk message: " + (msgtype == null || msgtype.isBlank() ? "(none)" : msgtype) + "]";
    }

    private static String stripRobotMention(String text, boolean group, boolean robotMentioned, int atUsers,
                                            boolean nobodyElse) {
        String content = text == null ? "" : text.trim();
        // DingTalk usually cuts the robot's @name out itself and leaves a space; some clients keep it. When the
        // robot is the only one mentioned, a leading @name can only be the robot's. When others are mentioned too,
        // the robot's @name is still there only if the text holds an @name for every entry of atUsers: then the
        // leading one is taken to be the robot's (" @Alice look" after DingTalk's cut keeps its @Alice).
        if (group && content.startsWith("@") && (robotMentioned ? mentionTokens(content) >= atUsers : nobodyElse)) {
            content = LEADING_MENTION.matcher(content).replaceFirst("").trim();
        }
        return content;
    }

    /** A picture: {@code downloadCode}, else {@code pictureDownloadCode}; without either it is named, not fetched. */
    private static Attachment picture(JsonNode content) {
        return Attachment.builder().type("image").name("image").sourceRef(downloadCode(content)).build();
    }

    private static String downloadCode(JsonNode content) {
        return firstNonBlank(text(content, "downloadCode"), text(content, "pictureDownloadCode"));
    }

    /**
     * {@code content.richText[]}: text parts and picture parts in order. A part of another type keeps its
     * {@code text} when it has one, else becomes {@code [unsupported rich text part: <type>]}.
     */
    private static void richText(JsonNode content, InboundMessage.Builder message) {
        List<RichContent.Segment> segments = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        int pictures = 0;
        for (JsonNode part : content.path("richText")) {
            String type = text(part, "type");
            String partText = text(part, "text");
            if ("picture".equals(type) || (type == null && partText == null && downloadCode(part) != null)) {
                message.attachment(picture(part));
                segments.add(RichContent.Segment.attachment(pictures++));
                continue;
            }
            String line = partText != null ? partText
                    : "[unsupported rich text part: " + (type == null ? "(no type)" : type) + "]";
            if (type != null && !"text".equals(type) && partText == null) {
                LOG.debug("richText part of type {} has no text; routed as a placeholder", type);
            }
            segments.add(RichContent.Segment.text(line));
            if (!plain.isEmpty()) {
                plain.append('\n');
            }
            plain.append(line);
        }
        message.text(plain.toString().strip());
        if (pictures > 0) {
            message.rich(RichContent.richText(segments));
        }
    }

    /**
     * {@code text.isReplyMsg} with {@code text.repliedMsg {msgId, senderId, senderNick, msgType, content}}: the
     * quoted words are found as {@code content.content}, {@code content.text}, a plain string, or the text parts
     * of {@code content.richText}; quoted media often carry only {@code originalMsgId}.
     */
    private static Quote quote(JsonNode text) {
        JsonNode replied = text.path("repliedMsg");
        boolean reply = text.path("isReplyMsg").asBoolean(false)
                || "true".equalsIgnoreCase(text.path("isReplyMsg").asText(""));
        if (!reply || !replied.isObject()) {
            return null;
        }
        JsonNode content = replied.path("content");
        String quoted;
        if (content.isTextual()) {
            quoted = content.asText();
        } else {
            quoted = firstNonBlank(text(content, "content"), text(content, "text"));
            if (quoted == null && content.path("richText").isArray()) {
                StringBuilder out = new StringBuilder();
                for (JsonNode part : content.path("richText")) {
                    String partText = firstNonBlank(text(part, "text"), text(part, "content"));
                    String type = firstNonBlank(text(part, "msgType"), text(part, "type"));
                    String line = partText != null ? partText
                            : "picture".equals(type) ? "[image]" : null;
                    if (line != null) {
                        out.append(out.isEmpty() ? "" : " ").append(line);
                    }
                }
                quoted = out.isEmpty() ? null : out.toString();
            }
        }
        String type = text(replied, "msgType");
        if (quoted == null && type != null && !"text".equals(type)) {
            quoted = "[" + ("picture".equals(type) ? "image" : type) + "]";
        }
        String id = firstNonBlank(text(replied, "msgId"), text(content, "originalMsgId"));
        Sender sender = Sender.of(text(replied, "senderId"), text(replied, "senderNick"));
        return Quote.of(id, sender, quoted);
    }

    /**
     * {@code content.duration} of an audio or video callback, in milliseconds (a number or a numeric string);
     * -1 when absent or not a number.
     */
    private static long duration(JsonNode content) {
        String value = text(content, "duration");
        if (value == null) {
            return -1;
        }
        try {
            long ms = Math.round(Double.parseDouble(value.strip()));
            return ms < 0 ? -1 : ms;
        } catch (NumberFormatException e) {
            LOG.debug("duration '{}' is not a number; left unknown", value);
            return -1;
        }
    }

    private static String mimeOf(String name) {
        return name == null ? null : URLConnection.guessContentTypeFromName(name);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        return value.asText();
    }

    private static long mentionTokens(String content) {
        return MENTION_TOKEN.matcher(content).results().count();
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
}
