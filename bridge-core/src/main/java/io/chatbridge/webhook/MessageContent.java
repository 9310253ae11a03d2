package io.chatbridge.webhook;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;

/**
 * What a request body says, before it gets an address: the text (for rich content its fallback text, so text-only
 * targets still get something), optional rich content and mentions.
 */
record MessageContent(String text, RichContent rich, Mentions mentions) {

    MessageContent {
        text = text == null ? "" : text;
        mentions = mentions == null ? Mentions.NONE : mentions;
    }

    static MessageContent text(String text) {
        return new MessageContent(text, null, Mentions.NONE);
    }

    static MessageContent rich(RichContent rich, Mentions mentions) {
        return new MessageContent(rich.fallbackText(), rich, mentions);
    }

    void applyTo(InboundMessage.Builder builder) {
        builder.text(text).rich(rich).mentions(mentions);
    }
}
