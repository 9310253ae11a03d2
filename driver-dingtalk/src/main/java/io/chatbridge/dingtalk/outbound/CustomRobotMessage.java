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

    /** DingTalk only highlights a mention whose {@code @mobile}/{@code @userId} also appears in the text. */
    static String withMentions(String text, Mentions mentions) {
        StringBuilder out = new StringBuilder(text);
        for (String id : concat(mentions.mobiles(), mentions.userIds())) {
            if (!text.contains("@" + id)) {
                out.append(out.isEmpty() ? "" : " ").append('@').append(id);
            }
        }
        return out.toString();
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
