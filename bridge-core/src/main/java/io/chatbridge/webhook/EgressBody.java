package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Sender;
import java.util.Map;

/**
 * The JSON the egress sends: {@code text} (the rendered text), {@code channel}, {@code sender},
 * {@code attachments}, {@code rich}, {@code mentions}, {@code rule_id}, {@code delivery_id}, {@code source},
 * {@code extensions}, then the rule's {@code msg} options at top level where they do not clash with those keys.
 */
final class EgressBody {

    private EgressBody() {
    }

    static ObjectNode of(OutboundMessage message) {
        ObjectNode body = JsonBodies.MAPPER.createObjectNode();
        body.put("text", message.renderedText());
        body.set("channel", JsonBodies.MAPPER.valueToTree(message.channel()));
        Origin source = message.source();
        body.set("sender", sender(source == null ? Sender.UNKNOWN : source.sender()));
        ArrayNode attachments = body.putArray("attachments");
        for (Attachment a : message.attachments()) {
            ObjectNode item = attachments.addObject();
            putIfSet(item, "type", a.type());
            putIfSet(item, "url", a.url());
            putIfSet(item, "name", a.name());
            if (a.size() >= 0) {
                item.put("size", a.size());
            }
            putIfSet(item, "mime", a.mime());
            if (a.durationMillis() >= 0) {
                item.put("duration_ms", a.durationMillis());
            }
        }
        if (message.rich() != null) {
            body.set("rich", RichContentJson.write(message.rich()));
        }
        ObjectNode mentions = body.putObject("mentions");
        mentions.set("user_ids", JsonBodies.MAPPER.valueToTree(message.mentions().userIds()));
        mentions.set("mobiles", JsonBodies.MAPPER.valueToTree(message.mentions().mobiles()));
        mentions.put("all", message.mentions().all());
        if (!message.mentions().names().isEmpty()) {
            // the display names as the text writes them ("alice01": "Alice" for @Alice)
            mentions.set("names", JsonBodies.MAPPER.valueToTree(message.mentions().names()));
        }
        if (message.header() != null) {
            ObjectNode header = body.putObject("header");
            putIfSet(header, "title", message.header().title());
            putIfSet(header, "content", message.header().content());
        }
        if (message.quote() != null) {
            // the message this one replies to, as far as the source said (target_message_id: this target's id)
            ObjectNode quote = body.putObject("quote");
            putIfSet(quote, "message_id", message.quote().messageId());
            quote.set("sender", sender(message.quote().sender()));
            putIfSet(quote, "text", message.quote().text());
            putIfSet(quote, "target_message_id", message.quote().targetMessageId());
        }
        body.put("rule_id", message.ruleId());
        body.put("delivery_id", message.deliveryId());
        body.put("attempt", message.attempt());
        if (source != null) {
            ObjectNode origin = body.putObject("source");
            putIfSet(origin, "platform", source.platform());
            putIfSet(origin, "instance_id", source.instanceId());
            origin.set("channel", JsonBodies.MAPPER.valueToTree(source.channel()));
            putIfSet(origin, "message_id", source.messageId());
            if (source.time() != null) {
                origin.put("time", source.time().toString());
            }
        }
        body.set("extensions", JsonBodies.MAPPER.valueToTree(message.extensions()));
        for (Map.Entry<String, Object> option : message.options().entrySet()) {
            if (!body.has(option.getKey())) {
                body.set(option.getKey(), JsonBodies.MAPPER.valueToTree(option.getValue()));
            }
        }
        return body;
    }

    private static ObjectNode sender(Sender sender) {
        ObjectNode out = JsonBodies.MAPPER.createObjectNode();
        putIfSet(out, "id", sender.id());
        putIfSet(out, "display_name", sender.displayName());
        putIfSet(out, "username", sender.username());
        putIfSet(out, "avatar_url", sender.avatarUrl());
        return out;
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
