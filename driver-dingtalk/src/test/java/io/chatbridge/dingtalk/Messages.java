package io.chatbridge.dingtalk;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.RichHeader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link OutboundMessage}s for tests. */
final class Messages {

    private final Map<String, Object> channel;
    private String text = "";
    private RichHeader header;
    private RichContent rich;
    private final List<Attachment> attachments = new ArrayList<>();
    private Mentions mentions = Mentions.NONE;
    private final Map<String, Object> options = new LinkedHashMap<>();
    private final Map<String, String> extensions = new LinkedHashMap<>();
    private String deliveryId = "d-1";

    private Messages(Map<String, Object> channel) {
        this.channel = channel;
    }

    static Messages to(Map<String, Object> channel) {
        return new Messages(channel);
    }

    static Messages toGroup(String cid) {
        return to(Map.of("open_conversation_id", cid));
    }

    Messages text(String text) {
        this.text = text;
        return this;
    }

    Messages header(String title, String content) {
        this.header = new RichHeader(title, content);
        return this;
    }

    Messages rich(RichContent rich) {
        this.rich = rich;
        return this;
    }

    Messages attachment(String type, String url) {
        attachments.add(Attachment.builder().type(type).url(url).build());
        return this;
    }

    Messages mentions(Mentions mentions) {
        this.mentions = mentions;
        return this;
    }

    Messages option(String key, Object value) {
        options.put(key, value);
        return this;
    }

    Messages extension(String key, String value) {
        extensions.put(key, value);
        return this;
    }

    Messages deliveryId(String id) {
        this.deliveryId = id;
        return this;
    }

    OutboundMessage build() {
        return OutboundMessage.builder().deliveryId(deliveryId).ruleId("r1").instanceId("dt").channel(channel)
                .text(text).header(header).rich(rich).attachments(attachments).mentions(mentions).options(options)
                .extensions(extensions).attempt(1).build();
    }
}
