package io.chatbridge.core.delivery;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;

/**
 * {@link OutboundMessage} as JSON for the outbox's {@code payload} column. Unknown properties are ignored so that a
 * row written by a newer build (one more field) can still be read by an older replica during a rolling upgrade.
 */
final class MessageCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .addMixIn(RichContent.class, RichContentMixin.class)
            .addMixIn(Mentions.class, MentionsMixin.class);

    private MessageCodec() {
    }

    static String write(OutboundMessage message) {
        try {
            return JSON.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot serialize delivery " + message.deliveryId() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    static OutboundMessage read(String json) {
        try {
            return JSON.readValue(json, OutboundMessage.class);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot read a stored delivery: " + e.getOriginalMessage(), e);
        }
    }

    /** The SPI stays free of Jackson annotations; the wire names are the {@link RichContent#type()} names. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = RichContent.Markdown.class, name = "markdown"),
        @JsonSubTypes.Type(value = RichContent.Link.class, name = "link"),
        @JsonSubTypes.Type(value = RichContent.ActionCard.class, name = "actionCard"),
        @JsonSubTypes.Type(value = RichContent.FeedCard.class, name = "feedCard"),
        @JsonSubTypes.Type(value = RichContent.Image.class, name = "image"),
        @JsonSubTypes.Type(value = RichContent.RichText.class, name = "richText")})
    private interface RichContentMixin {
    }

    /** {@code isEmpty()} looks like a bean property to Jackson; it is derived, not stored. */
    @JsonIgnoreProperties({"empty"})
    private interface MentionsMixin {
    }
}
