package io.chatbridge.dingtalk.outbound;

import io.chatbridge.dingtalk.protocol.CustomRobotBody;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The custom robot body ({@link CustomRobotBody}, protocol §5) for an outgoing message. Custom robots have no image
 * message: a picture goes out as markdown.
 */
public final class CustomRobotMessage {

    private CustomRobotMessage() {
    }

    /** The body for {@code content}, as a map in the order DingTalk documents the fields. */
    public static Map<String, Object> body(OutgoingContent content) {
        return of(content).toMap();
    }

    /** The body for {@code content}. */
    public static CustomRobotBody of(OutgoingContent content) {
        RichContent rich = content.rich();
        if (rich instanceof RichContent.Image image) {
            rich = RichContent.markdown("[image]", "![image](" + image.url() + ")");
        }
        if (rich instanceof RichContent.Markdown md) {
            return new CustomRobotBody.Markdown(md.title() == null || md.title().isBlank()
                    ? OutgoingContent.firstLine(md.text()) : md.title(),
                    withMentions(OutgoingContent.nz(md.text()), content.mentions()), at(content.mentions()));
        }
        if (rich instanceof RichContent.Link link) {
            return new CustomRobotBody.Link(OutgoingContent.nz(link.title()), OutgoingContent.nz(link.text()),
                    OutgoingContent.nz(link.picUrl()), OutgoingContent.nz(link.messageUrl()));
        }
        if (rich instanceof RichContent.ActionCard card) {
            String orientation = card.buttonOrientation() == null ? "0" : card.buttonOrientation();
            if (card.singleUrl() != null || card.buttons().isEmpty()) {
                return new CustomRobotBody.ActionCard(OutgoingContent.nz(card.title()),
                        OutgoingContent.nz(card.text()), orientation, OutgoingContent.nz(card.singleTitle()),
                        OutgoingContent.nz(card.singleUrl()), List.of());
            }
            List<CustomRobotBody.Button> buttons = new ArrayList<>();
            for (RichContent.Button button : card.buttons()) {
                buttons.add(new CustomRobotBody.Button(OutgoingContent.nz(button.title()),
                        OutgoingContent.nz(button.url())));
            }
            return new CustomRobotBody.ActionCard(OutgoingContent.nz(card.title()), OutgoingContent.nz(card.text()),
                    orientation, null, null, buttons);
        }
        if (rich instanceof RichContent.FeedCard feed) {
            List<CustomRobotBody.FeedLink> links = new ArrayList<>();
            for (RichContent.FeedLink link : feed.links()) {
                links.add(new CustomRobotBody.FeedLink(OutgoingContent.nz(link.title()),
                        OutgoingContent.nz(link.messageUrl()), OutgoingContent.nz(link.picUrl())));
            }
            return new CustomRobotBody.FeedCard(links);
        }
        return new CustomRobotBody.Text(withMentions(content.text(), content.mentions()), at(content.mentions()));
    }

    /**
     * DingTalk only highlights a mention whose {@code @mobile}/{@code @userId} also appears in the text, and shows
     * it as the person's name. So a mentioned id goes where the text writes that person's {@code @name} (its
     * display name, {@link Mentions#nameOf}); without one in the text it is added at the end.
     */
    static String withMentions(String text, Mentions mentions) {
        String out = text;
        StringBuilder added = new StringBuilder();
        for (String id : concat(mentions.mobiles(), mentions.userIds())) {
            if (mentionedAt(out, id) >= 0) {
                continue;
            }
            String name = mentions.nameOf(id);
            int at = name == null || name.equals(id) ? -1 : mentionedAt(out, name);
            if (at >= 0) {
                out = out.substring(0, at + 1) + id + out.substring(at + 1 + name.length());
            } else {
                added.append(out.isEmpty() && added.isEmpty() ? "" : " ").append('@').append(id);
            }
        }
        return out + added;
    }

    /** Where {@code @name} stands in {@code text} as a whole mention (white space or the text's ends around it). */
    static int mentionedAt(String text, String name) {
        String token = "@" + name;
        for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
            int end = at + token.length();
            boolean startsWord = at == 0 || Character.isWhitespace(text.charAt(at - 1));
            boolean endsWord = end == text.length() || Character.isWhitespace(text.charAt(end))
                    || text.charAt(end) == '@' || isPunctuation(text.charAt(end));
            if (startsWord && endsWord) {
                return at;
            }
        }
        return -1;
    }

    private static boolean isPunctuation(char c) {
        return ",.;:!?，。；：！？、)）".indexOf(c) >= 0;
    }

    private static CustomRobotBody.At at(Mentions mentions) {
        return mentions.isEmpty() ? CustomRobotBody.At.NONE
                : new CustomRobotBody.At(mentions.mobiles(), mentions.userIds(), mentions.all());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
