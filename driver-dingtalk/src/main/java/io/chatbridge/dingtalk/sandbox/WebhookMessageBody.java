package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.dingtalk.protocol.CustomRobotBody;
import java.util.List;
import java.util.Map;

/**
 * Reads a custom-robot message body (protocol §5, also used by {@code sessionWebhook}) with
 * {@link CustomRobotBody#read} into a {@link MessageContent}, answering DingTalk's errcodes for bodies it refuses.
 */
final class WebhookMessageBody {

    private WebhookMessageBody() {}

    static MessageContent read(JsonNode json) throws WebhookError {
        CustomRobotBody body;
        try {
            body = CustomRobotBody.read(json);
        } catch (CustomRobotBody.Invalid e) {
            throw new WebhookError(e.unsupportedType() ? WebhookError.UNSUPPORTED_MSGTYPE
                    : WebhookError.INVALID_PARAMETER, e.getMessage());
        }
        if (body instanceof CustomRobotBody.Text text) {
            return new MessageContent("text", null, text.content(), null, null, null, List.of(), List.of(),
                    text.at().atMobiles(), text.at().atUserIds(), text.at().isAtAll(), Map.of());
        }
        if (body instanceof CustomRobotBody.Markdown markdown) {
            return new MessageContent("markdown", markdown.title(), markdown.text(), null, null, null, List.of(),
                    List.of(), markdown.at().atMobiles(), markdown.at().atUserIds(), markdown.at().isAtAll(),
                    Map.of());
        }
        if (body instanceof CustomRobotBody.Link link) {
            return new MessageContent("link", link.title(), link.text(), link.picUrl(), link.messageUrl(), null,
                    List.of(), List.of(), List.of(), List.of(), false, Map.of());
        }
        if (body instanceof CustomRobotBody.ActionCard card) {
            List<MessageContent.Button> buttons = card.singleTitle() != null
                    ? List.of(new MessageContent.Button(card.singleTitle(), card.singleUrl()))
                    : card.btns().stream().map(b -> new MessageContent.Button(b.title(), b.actionUrl())).toList();
            return new MessageContent("actionCard", card.title(), card.text(), null, null, card.btnOrientation(),
                    buttons, List.of(), List.of(), List.of(), false, Map.of());
        }
        CustomRobotBody.FeedCard feed = (CustomRobotBody.FeedCard) body;
        return new MessageContent("feedCard", null, null, null, null, null, List.of(),
                feed.links().stream().map(l -> new MessageContent.FeedLink(l.title(), l.messageUrl(), l.picUrl()))
                        .toList(), List.of(), List.of(), false, Map.of());
    }
}
