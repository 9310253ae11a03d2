package io.chatbridge.dingtalk.outbound;

import io.chatbridge.spi.RichContent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Robot v1.0 message: a {@code msgKey} and its {@code msgParam} (protocol §4). App robots have no feed card, and
 * action cards carry at most five buttons: those go out as markdown with the links.
 *
 * @param msgKey e.g. {@code sampleText}
 * @param msgParam the parameters, in documented order (serialised to the JSON string DingTalk expects)
 */
public record AppRobotMessage(String msgKey, Map<String, Object> msgParam) {

    /** The msgKey of a text message. */
    public static final String SAMPLE_TEXT = "sampleText";

    /**
     * The app robot message for {@code content}. Robot v1.0 sends have no {@code at} field: mentioned user ids are
     * written into a text or markdown message as {@code @userId}, where the text has the person's {@code @name}
     * (else at the end), as on custom robots.
     */
    public static AppRobotMessage of(OutgoingContent content) {
        RichContent rich = content.rich();
        if (rich == null) {
            return new AppRobotMessage(SAMPLE_TEXT, params("content",
                    CustomRobotMessage.withMentions(content.text(), userMentions(content))));
        }
        if (rich instanceof RichContent.Markdown md) {
            return markdown(md.title(), CustomRobotMessage.withMentions(OutgoingContent.nz(md.text()),
                    userMentions(content)));
        }
        if (rich instanceof RichContent.Link link) {
            return new AppRobotMessage("sampleLink", params("title", link.title(), "text", link.text(),
                    "picUrl", link.picUrl(), "messageUrl", link.messageUrl()));
        }
        if (rich instanceof RichContent.Image image) {
            return new AppRobotMessage("sampleImageMsg", params("photoURL", image.url()));
        }
        if (rich instanceof RichContent.ActionCard card) {
            return actionCard(card);
        }
        RichContent.FeedCard feed = (RichContent.FeedCard) rich;
        StringBuilder text = new StringBuilder();
        for (RichContent.FeedLink link : feed.links()) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            if (link.picUrl() != null && !link.picUrl().isBlank()) {
                text.append("![").append(OutgoingContent.nz(link.title())).append("](").append(link.picUrl())
                        .append(")\n");
            }
            text.append('[').append(OutgoingContent.nz(link.title())).append("](")
                    .append(OutgoingContent.nz(link.messageUrl())).append(')');
        }
        String title = feed.links().isEmpty() ? "feed" : OutgoingContent.nz(feed.links().get(0).title());
        return markdown(title, text.toString());
    }

    /** The user ids only: mentions by mobile number and of everybody are custom-robot features. */
    private static io.chatbridge.spi.Mentions userMentions(OutgoingContent content) {
        io.chatbridge.spi.Mentions m = content.mentions();
        return m == null ? io.chatbridge.spi.Mentions.NONE
                : new io.chatbridge.spi.Mentions(m.userIds(), java.util.List.of(), false, m.names());
    }

    /** {@code sampleImageMsg}: {@code photoURL} is a fetchable URL or a {@code media_id} (protocol §8). */
    public static AppRobotMessage image(String photoUrl) {
        return new AppRobotMessage("sampleImageMsg", params("photoURL", photoUrl));
    }

    /** {@code sampleFile {mediaId, fileName, fileType}} (protocol §4): a file uploaded as type {@code file}. */
    public static AppRobotMessage file(String mediaId, String fileName, String fileType) {
        return new AppRobotMessage("sampleFile", params("mediaId", mediaId, "fileName", fileName,
                "fileType", fileType));
    }

    /**
     * {@code sampleAudio {mediaId, duration}}: a voice message uploaded as type {@code voice}.
     *
     * @param durationMillis how long it plays, milliseconds, as a string
     */
    public static AppRobotMessage audio(String mediaId, String durationMillis) {
        return new AppRobotMessage("sampleAudio", params("mediaId", mediaId, "duration", durationMillis));
    }

    /**
     * {@code sampleVideo {duration, videoMediaId, videoType, picMediaId}}: a video uploaded as type {@code video}
     * and its cover picture uploaded as type {@code image}.
     */
    public static AppRobotMessage video(String videoMediaId, String durationMillis, String videoType,
            String picMediaId) {
        return new AppRobotMessage("sampleVideo", params("duration", durationMillis, "videoMediaId", videoMediaId,
                "videoType", videoType, "picMediaId", picMediaId));
    }

    private static AppRobotMessage actionCard(RichContent.ActionCard card) {
        List<RichContent.Button> buttons = card.buttons();
        if (card.singleUrl() != null) {
            return new AppRobotMessage("sampleActionCard", params("title", card.title(), "text", card.text(),
                    "singleTitle", card.singleTitle(), "singleURL", card.singleUrl()));
        }
        if (buttons.size() == 1) {
            return new AppRobotMessage("sampleActionCard", params("title", card.title(), "text", card.text(),
                    "singleTitle", buttons.get(0).title(), "singleURL", buttons.get(0).url()));
        }
        if (buttons.size() == 2 && "1".equals(card.buttonOrientation())) {
            Map<String, Object> p = params("title", card.title(), "text", card.text());
            for (int i = 0; i < 2; i++) {
                p.put("buttonTitle" + (i + 1), OutgoingContent.nz(buttons.get(i).title()));
                p.put("buttonUrl" + (i + 1), OutgoingContent.nz(buttons.get(i).url()));
            }
            return new AppRobotMessage("sampleActionCard6", p);
        }
        if (buttons.size() >= 2 && buttons.size() <= 5) {
            Map<String, Object> p = params("title", card.title(), "text", card.text());
            for (int i = 0; i < buttons.size(); i++) {
                p.put("actionTitle" + (i + 1), OutgoingContent.nz(buttons.get(i).title()));
                p.put("actionURL" + (i + 1), OutgoingContent.nz(buttons.get(i).url()));
            }
            return new AppRobotMessage("sampleActionCard" + buttons.size(), p);
        }
        // no button or more than five: the card's text with its buttons as links
        StringBuilder text = new StringBuilder(OutgoingContent.nz(card.text()));
        for (RichContent.Button button : buttons) {
            text.append("\n\n[").append(OutgoingContent.nz(button.title())).append("](")
                    .append(OutgoingContent.nz(button.url())).append(')');
        }
        return markdown(card.title(), text.toString());
    }

    private static AppRobotMessage markdown(String title, String text) {
        String shown = title == null || title.isBlank() ? OutgoingContent.firstLine(text) : title;
        return new AppRobotMessage("sampleMarkdown", params("title", shown, "text", text));
    }

    private static Map<String, Object> params(String... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put(keysAndValues[i], OutgoingContent.nz(keysAndValues[i + 1]));
        }
        return out;
    }
}
