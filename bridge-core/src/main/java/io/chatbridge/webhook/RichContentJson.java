package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.spi.RichContent;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of {@link RichContent} in the webhook's own JSON: an object with {@code "type"} and snake_case
 * fields. Egress writes it; ingress reads it back, so two bridges chained through webhooks keep rich content.
 */
final class RichContentJson {

    private RichContentJson() {
    }

    static ObjectNode write(RichContent rich) {
        ObjectNode out = JsonBodies.MAPPER.createObjectNode();
        out.put("type", rich.type());
        if (rich instanceof RichContent.Markdown m) {
            putIfSet(out, "title", m.title());
            putIfSet(out, "text", m.text());
        } else if (rich instanceof RichContent.Link l) {
            putIfSet(out, "title", l.title());
            putIfSet(out, "text", l.text());
            putIfSet(out, "message_url", l.messageUrl());
            putIfSet(out, "pic_url", l.picUrl());
        } else if (rich instanceof RichContent.ActionCard a) {
            putIfSet(out, "title", a.title());
            putIfSet(out, "text", a.text());
            putIfSet(out, "single_title", a.singleTitle());
            putIfSet(out, "single_url", a.singleUrl());
            ArrayNode buttons = out.putArray("buttons");
            for (RichContent.Button b : a.buttons()) {
                ObjectNode button = buttons.addObject();
                putIfSet(button, "title", b.title());
                putIfSet(button, "url", b.url());
            }
            putIfSet(out, "button_orientation", a.buttonOrientation());
        } else if (rich instanceof RichContent.FeedCard f) {
            ArrayNode links = out.putArray("links");
            for (RichContent.FeedLink l : f.links()) {
                ObjectNode link = links.addObject();
                putIfSet(link, "title", l.title());
                putIfSet(link, "message_url", l.messageUrl());
                putIfSet(link, "pic_url", l.picUrl());
            }
        } else if (rich instanceof RichContent.Image i) {
            putIfSet(out, "url", i.url());
        }
        return out;
    }

    /** Reads what {@link #write} wrote; {@code null} for JSON null or absent. */
    static RichContent read(JsonNode node) throws RejectedRequest {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw RejectedRequest.badRequest("rich: expected an object, got " + JsonBodies.describe(node));
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "markdown" -> RichContent.markdown(s(node, "title"), s(node, "text"));
            case "link" -> RichContent.link(s(node, "title"), s(node, "text"), s(node, "message_url"),
                    s(node, "pic_url"));
            case "actionCard" -> {
                List<RichContent.Button> buttons = new ArrayList<>();
                for (JsonNode b : node.path("buttons")) {
                    buttons.add(RichContent.button(s(b, "title"), s(b, "url")));
                }
                yield RichContent.actionCard(s(node, "title"), s(node, "text"), s(node, "single_title"),
                        s(node, "single_url"), buttons, s(node, "button_orientation"));
            }
            case "feedCard" -> {
                List<RichContent.FeedLink> links = new ArrayList<>();
                for (JsonNode l : node.path("links")) {
                    links.add(RichContent.feedLink(s(l, "title"), s(l, "message_url"), s(l, "pic_url")));
                }
                yield RichContent.feedCard(links);
            }
            case "image" -> RichContent.image(s(node, "url"));
            default -> throw RejectedRequest.badRequest("rich.type: expected one of markdown, link, actionCard, "
                    + "feedCard, image, got \"" + type + "\"");
        };
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String s(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }
}
