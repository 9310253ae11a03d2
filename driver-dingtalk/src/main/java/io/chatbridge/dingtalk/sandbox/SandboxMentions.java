package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mentions in the sandbox, as DingTalk shows them: a member who types {@code @Bob} mentions the member called Bob
 * (the callback lists him in {@code atUsers} with his staff id); robots' messages show a mention highlighted as the
 * person's name where the text has {@code @userId} (custom robots: only for ids in {@code at.atUserIds} /
 * {@code atMobiles}, as DingTalk requires both). Members are known by the nicks that posted or were mentioned.
 * Thread-safe.
 */
final class SandboxMentions {

    /** An @name at the start or after white space, up to white space, another @ or punctuation. */
    private static final Pattern TOKEN = Pattern.compile("(?<!\\S)@([^\\s@,.;:!?，。；：！？、]+)");

    private final Map<String, String> nickByStaffId = new ConcurrentHashMap<>();

    /** Remembers a member's nick, so a robot's {@code @staffId} shows as {@code @nick}. */
    void member(String nick) {
        if (nick != null && !nick.isBlank()) {
            nickByStaffId.putIfAbsent(MemberCallbacks.staffId(nick), nick);
        }
    }

    /** The members a member's text mentions ({@code @Bob} → {@code Bob}), each once, in order. */
    List<String> mentionedBy(String text) {
        Set<String> nicks = new LinkedHashSet<>();
        if (text != null) {
            Matcher m = TOKEN.matcher(text);
            while (m.find()) {
                nicks.add(m.group(1));
            }
        }
        return List.copyOf(nicks);
    }

    /**
     * Adds the mentioned members of a member's text callback to its {@code atUsers} (after the robot), as DingTalk
     * does, and remembers them.
     */
    void addToCallback(ObjectNode body, String text) {
        List<String> nicks = mentionedBy(text);
        if (nicks.isEmpty()) {
            return;
        }
        ArrayNode atUsers = body.has("atUsers") ? (ArrayNode) body.get("atUsers") : body.putArray("atUsers");
        for (String nick : nicks) {
            member(nick);
            String staffId = MemberCallbacks.staffId(nick);
            atUsers.addObject().put("dingtalkId", MemberCallbacks.opaqueId("user:" + staffId)).put("staffId", staffId);
        }
    }

    /**
     * What the page highlights in a message: each {@code token} of its text (as written) and what it shows as
     * ({@code @nick}); empty for messages without text.
     */
    List<Highlight> highlights(SandboxMessage message) {
        MessageContent content = message.content();
        String text = content.text();
        if (text == null || !(content.type().equals("text") || content.type().equals("markdown")
                || content.type().equals("actionCard"))) {
            return List.of();
        }
        List<Highlight> out = new ArrayList<>();
        if (SandboxMessage.VIA_MEMBER.equals(message.via())) {
            for (String nick : mentionedBy(text)) {
                out.add(new Highlight("@" + nick, "@" + nick));
            }
        } else if (message.via().startsWith("webhook:")) {
            List<String> ids = new ArrayList<>(content.atMobiles());
            ids.addAll(content.atUserIds());
            for (String id : ids) {
                if (mentionedBy(text).contains(id)) {
                    out.add(new Highlight("@" + id, "@" + nickByStaffId.getOrDefault(id, id)));
                }
            }
        } else {
            // an app robot writes @userId into the text (Robot v1.0 sends have no at field)
            for (String token : mentionedBy(text)) {
                String nick = nickByStaffId.get(token);
                if (nick != null) {
                    out.add(new Highlight("@" + token, "@" + nick));
                }
            }
        }
        return out;
    }

    /** One highlighted mention: the text's {@code token} and what the page shows instead. */
    record Highlight(String token, String shown) {
    }
}
