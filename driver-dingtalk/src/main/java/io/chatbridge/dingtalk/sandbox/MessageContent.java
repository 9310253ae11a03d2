package io.chatbridge.dingtalk.sandbox;

import java.util.List;
import java.util.Map;

/**
 * What a message shows, whichever way it arrived: OpenAPI {@code msgKey}/{@code msgParam} (protocol §4) and
 * custom-robot bodies (§5) are both read into this one shape, which is also what the page renders.
 *
 * @param type {@code text}, {@code markdown}, {@code image}, {@code link}, {@code actionCard}, {@code feedCard},
 *     {@code audio}, {@code file} or {@code video}
 * @param title the title of markdown, link and action card messages, else {@code null}
 * @param text the text (markdown source for {@code markdown} and {@code actionCard}), else {@code null}
 * @param picUrl the picture of a link or the photo of an image message, else {@code null}
 * @param messageUrl where a link card leads, else {@code null}
 * @param btnOrientation {@code "0"} vertical or {@code "1"} horizontal action card buttons
 * @param buttons action card buttons; one for a single-button card
 * @param links feed card entries
 * @param atMobiles {@code at.atMobiles} of a webhook message
 * @param atUserIds {@code at.atUserIds} of a webhook message
 * @param atAll {@code at.isAtAll} of a webhook message
 * @param media the parameters of audio, file and video messages ({@code mediaId}, {@code fileName}, …)
 */
public record MessageContent(
        String type,
        String title,
        String text,
        String picUrl,
        String messageUrl,
        String btnOrientation,
        List<Button> buttons,
        List<FeedLink> links,
        List<String> atMobiles,
        List<String> atUserIds,
        boolean atAll,
        Map<String, String> media) {

    /** An action card button. */
    public record Button(String title, String url) {}

    /** One entry of a feed card. */
    public record FeedLink(String title, String messageUrl, String picUrl) {}

    public MessageContent {
        buttons = List.copyOf(buttons);
        links = List.copyOf(links);
        atMobiles = List.copyOf(atMobiles);
        atUserIds = List.copyOf(atUserIds);
        media = Map.copyOf(media);
    }

    /** What a recalled message shows instead of its content, as DingTalk does. */
    public static MessageContent recalled() {
        return new MessageContent("recalled", null, "message recalled", null, null, null, List.of(), List.of(),
                List.of(), List.of(), false, Map.of());
    }

    /** Plain text. */
    public static MessageContent text(String text) {
        return new MessageContent("text", null, text, null, null, null, List.of(), List.of(), List.of(), List.of(),
                false, Map.of());
    }
}
