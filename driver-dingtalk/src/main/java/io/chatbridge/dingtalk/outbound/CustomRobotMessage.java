package io.chatbridge.dingtalk.outbound;

import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON body a custom group robot webhook takes (protocol §5). Custom robots have no image message: a picture
 * goes out as markdown.
 */
public final class CustomRobotMessage {

    private CustomRobotMessage() {
    }

    /** The body for {@code content}, as a map in the order DingTalk documents the fields. */
    public static Map<String, Object> body(OutgoingContent content) {
        Map<String, Object> body = new LinkedHashMap<>();
        RichContent rich = content.rich();
        if (rich instanceof RichContent.Image image) {
            rich = RichContent.markdown("[image]", "![image](" + image.url() + ")");
        }
        if (rich == null) {
            body.put("msgtype", "text");
            body.put("text", Map.of("content", withMentions(content.text(), content.mentions())));
            putAt(body, content.mentions());
        } else if (rich instanceof RichContent.Markdown md) {
            body.put("msgtype", "markdown");
            Map<String, Object> markdown = new LinkedHashMap<>();
            markdown.put("title", md.title() == null || md.title().isBlank()
                    ? OutgoingContent.firstLine(md.text()) : md.title());
            markdown.put("text", withMentions(OutgoingContent.nz(md.text()), content.mentions()));
            body.put("markdown", markdown);
            putAt(body, content.mentions());
        } else if (rich instanceof RichContent.Link link) {
            body.put("msgtype", "link");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", OutgoingContent.nz(link.title()));
            fields.put("text", OutgoingContent.nz(link.text()));
            fields.put("picUrl", OutgoingContent.nz(link.picUrl()));
            fields.put("messageUrl", OutgoingContent.nz(link.messageUrl()));
            body.put("link", fields);
        } else if (rich instanceof RichContent.ActionCard card) {
            body.put("msgtype", "actionCard");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", OutgoingContent.nz(card.title()));
            fields.put("text", OutgoingContent.nz(card.text()));
            fields.put("btnOrientation", card.buttonOrientation() == null ? "0" : card.buttonOrientation());
            if (card.singleUrl() != null || card.buttons().isEmpty()) {
                fields.put("singleTitle", OutgoingContent.nz(card.singleTitle()));
                fields.put("singleURL", OutgoingContent.nz(card.singleUrl()));
            } else {
                List<Map<String, Object>> btns = new ArrayList<>();
                for (RichContent.Button button : card.buttons()) {
                    Map<String, Object> btn = new LinkedHashMap<>();
                    btn.put("title", OutgoingContent.nz(button.title()));
                    btn.put("actionURL", OutgoingContent.nz(button.url()));
                    btns.add(btn);
                }
                fields.put("btns", btns);
            }
            body.put("actionCard", fields);
        } else if (rich instanceof RichContent.FeedCard feed) {
            body.put("msgtype", "feedCard");
            List<Map<String, Object>> links = new ArrayList<>();
            for (RichContent.FeedLink link : feed.links()) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("title", OutgoingContent.nz(link.title()));
                item.put("messageURL", OutgoingContent.nz(link.messageUrl()));
                item.put("picURL", OutgoingContent.nz(link.picUrl()));
                links.add(item);
            }
            body.put("feedCard", Map.of("links", links));
        }
        return body;
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

    private static void putAt(Map<String, Object> body, Mentions mentions) {
        if (mentions.isEmpty()) {
            return;
        }
        Map<String, Object> at = new LinkedHashMap<>();
        at.put("atMobiles", mentions.mobiles());
        at.put("atUserIds", mentions.userIds());
        at.put("isAtAll", mentions.all());
        body.put("at", at);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
