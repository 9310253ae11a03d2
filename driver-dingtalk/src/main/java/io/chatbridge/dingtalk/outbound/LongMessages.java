package io.chatbridge.dingtalk.outbound;

import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * DingTalk's size limits, respected instead of failing for good: text and markdown over the limit are split at
 * line boundaries into numbered parts ({@code (1/3)}) sent in order; a link or action card is shortened with an
 * ellipsis. Sizes are counted in UTF-8 bytes of the JSON-escaped text, as DingTalk counts the body.
 */
public final class LongMessages {

    /**
     * Custom robots refuse bodies over 20,000 bytes ({@code errcode 460101 "message too long, exceed 20000
     * bytes"}, reported by users); the text of one part stays under this, leaving room for the rest of the body.
     */
    public static final int CUSTOM_ROBOT_TEXT_BYTES = 18_000;
    /** App robots' {@code msgParam} is limited to about 15,000 bytes (reported, unconfirmed): parts stay under this. */
    public static final int APP_ROBOT_TEXT_BYTES = 13_000;

    private LongMessages() {
    }

    /** {@code content} as one or more parts, each within {@code maxBytes} of text. */
    public static List<OutgoingContent> split(OutgoingContent content, int maxBytes) {
        RichContent rich = content.rich();
        if (rich == null) {
            List<String> parts = splitText(content.text(), maxBytes, "\n");
            List<Mentions> mentions = mentionsOfParts(parts, content.mentions());
            List<OutgoingContent> out = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                out.add(new OutgoingContent(null, parts.get(i), mentions.get(i)));
            }
            return out;
        }
        if (rich instanceof RichContent.Markdown md) {
            List<String> parts = splitText(OutgoingContent.nz(md.text()), maxBytes, "\n\n");
            List<Mentions> mentions = mentionsOfParts(parts, content.mentions());
            List<OutgoingContent> out = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                String title = md.title() == null ? null
                        : parts.size() == 1 ? md.title() : md.title() + " (" + (i + 1) + "/" + parts.size() + ")";
                out.add(new OutgoingContent(RichContent.markdown(title, parts.get(i)), content.text(),
                        mentions.get(i)));
            }
            return out;
        }
        if (rich instanceof RichContent.Link link && bytes(link.text()) > maxBytes) {
            return List.of(new OutgoingContent(RichContent.link(link.title(), shorten(link.text(), maxBytes),
                    link.messageUrl(), link.picUrl()), content.text(), content.mentions()));
        }
        if (rich instanceof RichContent.ActionCard card && bytes(card.text()) > maxBytes) {
            return List.of(new OutgoingContent(RichContent.actionCard(card.title(),
                    shorten(card.text(), maxBytes), card.singleTitle(), card.singleUrl(), card.buttons(),
                    card.buttonOrientation()), content.text(), content.mentions()));
        }
        return List.of(content);
    }

    /**
     * Who each part mentions, so a split message mentions everybody once, not once per part: a mentioned id or
     * mobile in the first part whose text writes it ({@code @id}, or the person's {@code @name}), else in the last
     * part (where it is appended); {@code @all} in the first part.
     */
    static List<Mentions> mentionsOfParts(List<String> parts, Mentions mentions) {
        if (parts.size() == 1 || mentions == null || mentions.isEmpty()) {
            return java.util.Collections.nCopies(parts.size(), mentions);
        }
        List<List<String>> users = new ArrayList<>();
        List<List<String>> mobiles = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            users.add(new ArrayList<>());
            mobiles.add(new ArrayList<>());
        }
        for (String id : mentions.userIds()) {
            users.get(partWriting(parts, id, mentions.nameOf(id))).add(id);
        }
        for (String mobile : mentions.mobiles()) {
            mobiles.get(partWriting(parts, mobile, null)).add(mobile);
        }
        List<Mentions> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            out.add(new Mentions(users.get(i), mobiles.get(i), i == 0 && mentions.all(), mentions.names()));
        }
        return out;
    }

    private static int partWriting(List<String> parts, String id, String name) {
        for (int i = 0; i < parts.size(); i++) {
            if (CustomRobotMessage.mentionedAt(parts.get(i), id) >= 0
                    || (name != null && CustomRobotMessage.mentionedAt(parts.get(i), name) >= 0)) {
                return i;
            }
        }
        return parts.size() - 1;
    }

    /**
     * Splits at line boundaries into parts of at most {@code maxBytes} (a longer line is cut at a character
     * boundary); with more than one part each starts with {@code (i/n)} and {@code separator}.
     */
    static List<String> splitText(String text, int maxBytes, String separator) {
        if (text == null || bytes(text) <= maxBytes) {
            return List.of(text == null ? "" : text);
        }
        int budget = maxBytes - 16 - bytes(separator); // room for "(12/34)" and the separator
        List<String> chunks = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int currentBytes = 0;
        for (String line : text.split("\n", -1)) {
            List<String> pieces = bytes(line) + 1 > budget ? cut(line, budget - 1) : List.of(line);
            for (String piece : pieces) {
                int size = bytes(piece) + 1;
                if (currentBytes > 0 && currentBytes + size > budget) {
                    chunks.add(current.toString());
                    current.setLength(0);
                    currentBytes = 0;
                }
                if (currentBytes > 0) {
                    current.append('\n');
                }
                current.append(piece);
                currentBytes += size;
            }
        }
        if (currentBytes > 0 || chunks.isEmpty()) {
            chunks.add(current.toString());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            out.add("(" + (i + 1) + "/" + chunks.size() + ")" + separator + chunks.get(i));
        }
        return out;
    }

    /** {@code text} cut to fit {@code maxBytes} with {@code …} at the end. */
    static String shorten(String text, int maxBytes) {
        return cut(text, maxBytes - bytes("…")).get(0).stripTrailing() + "…";
    }

    /** Cuts a line into pieces of at most {@code maxBytes}, never inside a code point. */
    private static List<String> cut(String line, int maxBytes) {
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int size = 0;
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            int n = bytes(ch);
            if (size + n > maxBytes && size > 0) {
                pieces.add(piece.toString());
                piece.setLength(0);
                size = 0;
            }
            piece.append(ch);
            size += n;
            i += Character.charCount(cp);
        }
        pieces.add(piece.toString());
        return pieces;
    }

    /** UTF-8 bytes of {@code text} as it appears JSON-escaped in a body. */
    static int bytes(String text) {
        if (text == null) {
            return 0;
        }
        int n = text.getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
                n++;
            } else if (c < 0x20) {
                n += 5;
            }
        }
        return n;
    }
}
