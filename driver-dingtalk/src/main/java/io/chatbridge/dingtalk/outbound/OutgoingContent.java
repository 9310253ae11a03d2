package io.chatbridge.dingtalk.outbound;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.RichHeader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one delivery says, decided once for both send paths: either plain text or one {@link RichContent} variant,
 * plus who to mention.
 *
 * <p>The type is chosen by, in order: the message's own rich content, the rule option {@code msg_type} (or the
 * Vanus extension {@code xvmsgtype}), else text. A type whose fields the message cannot fill (a link without a URL)
 * becomes text rather than nothing.
 *
 * @param rich the rich content, or {@code null} for a text message
 * @param text the text of a text message (header line, text, attachment lines)
 * @param mentions who to mention (custom robots: {@code at}; app robots: {@code @userId} in a text or markdown)
 */
public record OutgoingContent(RichContent rich, String text, Mentions mentions) {

    /** Rule option naming the message type. */
    public static final String MSG_TYPE = "msg_type";
    /** The Vanus extension naming the message type. */
    public static final String XV_MSG_TYPE = "xvmsgtype";

    /** Decides the content of {@code message}. */
    public static OutgoingContent of(OutboundMessage message) {
        Mentions mentions = mentions(message);
        String text = message.renderedText();
        RichContent rich = message.rich();
        if (rich != null) {
            return new OutgoingContent(withHeader(rich, message.header()), text, mentions);
        }
        String type = message.option(MSG_TYPE);
        if (type == null) {
            type = message.extensions().get(XV_MSG_TYPE);
        }
        return new OutgoingContent(fromOptions(type, message), text, mentions);
    }

    /** Whether this is a plain text message. */
    public boolean isText() {
        return rich == null;
    }

    private static RichContent fromOptions(String type, OutboundMessage m) {
        if (type == null) {
            return null;
        }
        String title = firstNonBlank(m.option("title"), m.header() == null ? null : m.header().title());
        switch (type.toLowerCase(Locale.ROOT)) {
            case "markdown" -> {
                return RichContent.markdown(title == null ? firstLine(m.text()) : title, markdownText(m));
            }
            case "link" -> {
                String url = firstNonBlank(m.option("message_url"), m.option("messageUrl"));
                return url == null ? null : RichContent.link(title == null ? firstLine(m.text()) : title,
                        m.text(), url, firstNonBlank(m.option("pic_url"), m.option("picUrl")));
            }
            case "actioncard" -> {
                String url = firstNonBlank(m.option("single_url"), m.option("singleURL"));
                return url == null ? null : RichContent.actionCard(title == null ? firstLine(m.text()) : title,
                        markdownText(m), firstNonBlank(m.option("single_title"), "Read more"), url, List.of(), "0");
            }
            case "image" -> {
                String url = firstNonBlank(m.option("photo_url"), m.option("pic_url"));
                if (url == null) {
                    url = m.attachments().stream()
                            .filter(a -> "image".equals(a.type()) && a.url() != null && !a.url().isBlank())
                            .map(Attachment::url).findFirst().orElse(null);
                }
                return url == null ? null : RichContent.image(url);
            }
            default -> {
                // "text", and types that need content a template cannot give (feedCard)
                return null;
            }
        }
    }

    /** The message text as markdown: the header as a heading, the text, then attachments as links or pictures. */
    private static String markdownText(OutboundMessage m) {
        StringBuilder out = new StringBuilder();
        if (m.header() != null) {
            out.append(heading(m.header())).append("\n\n");
        }
        out.append(m.text());
        for (Attachment a : m.attachments()) {
            if (a.url() == null || a.url().isBlank()) {
                out.append("\n\n").append(a.describe());
            } else if ("image".equals(a.type())) {
                out.append("\n\n![").append(a.name() == null ? "image" : a.name()).append("](").append(a.url())
                        .append(')');
            } else {
                out.append("\n\n[").append(a.name() == null ? a.url() : a.name()).append("](").append(a.url())
                        .append(')');
            }
        }
        return out.toString();
    }

    private static RichContent withHeader(RichContent rich, RichHeader header) {
        if (header == null) {
            return rich;
        }
        if (rich instanceof RichContent.Markdown md) {
            return RichContent.markdown(md.title() == null ? header.title() : md.title(),
                    heading(header) + "\n\n" + (md.text() == null ? "" : md.text()));
        }
        if (rich instanceof RichContent.ActionCard card) {
            return RichContent.actionCard(card.title(), heading(header) + "\n\n" + nz(card.text()),
                    card.singleTitle(), card.singleUrl(), card.buttons(), card.buttonOrientation());
        }
        return rich;
    }

    /** A markdown heading for a rich header: {@code #### title · content}. */
    static String heading(RichHeader header) {
        String line = header.asLine();
        return "#### " + line.substring(1, line.length() - 1);
    }

    private static Mentions mentions(OutboundMessage m) {
        Set<String> users = new LinkedHashSet<>(m.mentions().userIds());
        users.addAll(optionList(m, "at_user_ids"));
        Set<String> mobiles = new LinkedHashSet<>(m.mentions().mobiles());
        mobiles.addAll(optionList(m, "at_mobiles"));
        boolean all = m.mentions().all() || "true".equalsIgnoreCase(m.option("at_all"));
        return new Mentions(List.copyOf(users), List.copyOf(mobiles), all, m.mentions().names());
    }

    /** A list option, given as a JSON array or a comma-separated string. */
    private static List<String> optionList(OutboundMessage m, String key) {
        Object value = m.options().get(key);
        List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> items) {
            for (Object item : items) {
                if (item != null && !String.valueOf(item).isBlank()) {
                    out.add(String.valueOf(item).trim());
                }
            }
        } else if (value != null) {
            for (String part : String.valueOf(value).split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    static String firstLine(String text) {
        String line = text == null ? "" : text.strip();
        int nl = line.indexOf('\n');
        line = nl < 0 ? line : line.substring(0, nl);
        return line.length() > 64 ? line.substring(0, 64) : line.isEmpty() ? "message" : line;
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
}
