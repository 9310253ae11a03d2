package io.chatbridge.core.delivery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Quote;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.Sender;
import java.util.List;

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
            .addMixIn(Mentions.class, MentionsMixin.class)
            .addMixIn(OutboundMessage.class, OutboundMixin.class)
            .addMixIn(OutboundMessage.Builder.class, BuilderMixin.class)
            .addMixIn(Sender.class, SenderMixin.class)
            .addMixIn(Sender.Builder.class, BuilderMixin.class)
            .addMixIn(Attachment.class, AttachmentMixin.class)
            .addMixIn(Attachment.Builder.class, BuilderMixin.class)
            .addMixIn(RichContent.Markdown.class, MarkdownMixin.class)
            .addMixIn(RichContent.Link.class, LinkMixin.class)
            .addMixIn(RichContent.ActionCard.class, ActionCardMixin.class)
            .addMixIn(RichContent.ActionCard.Builder.class, BuilderMixin.class)
            .addMixIn(RichContent.Button.class, ButtonMixin.class)
            .addMixIn(RichContent.FeedCard.class, FeedCardMixin.class)
            .addMixIn(RichContent.FeedLink.class, FeedLinkMixin.class)
            .addMixIn(RichContent.Image.class, ImageMixin.class)
            .addMixIn(RichContent.RichText.class, RichTextMixin.class)
            .addMixIn(RichContent.Segment.class, SegmentMixin.class)
            .addMixIn(Quote.class, QuoteMixin.class);

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

    /*
     * The SPI's message types are final classes made by builders and factories (their fields are named as the JSON
     * properties rows have always had): written from their fields, read back through the same builders and
     * factories drivers use, so the stored form stays what schema v2 wrote.
     */

    @JsonPOJOBuilder(withPrefix = "")
    private interface BuilderMixin {
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonDeserialize(builder = OutboundMessage.Builder.class)
    private interface OutboundMixin {
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonDeserialize(builder = Sender.Builder.class)
    private interface SenderMixin {
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonDeserialize(builder = Attachment.Builder.class)
    private interface AttachmentMixin {
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonDeserialize(builder = RichContent.ActionCard.Builder.class)
    private interface ActionCardMixin {
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class MarkdownMixin {
        @JsonCreator
        MarkdownMixin(@JsonProperty("title") String title, @JsonProperty("text") String text) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class LinkMixin {
        @JsonCreator
        LinkMixin(@JsonProperty("title") String title, @JsonProperty("text") String text,
                  @JsonProperty("messageUrl") String messageUrl, @JsonProperty("picUrl") String picUrl) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class ButtonMixin {
        @JsonCreator
        ButtonMixin(@JsonProperty("title") String title, @JsonProperty("url") String url) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class FeedCardMixin {
        @JsonCreator
        FeedCardMixin(@JsonProperty("links") List<RichContent.FeedLink> links) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class FeedLinkMixin {
        @JsonCreator
        FeedLinkMixin(@JsonProperty("title") String title, @JsonProperty("messageUrl") String messageUrl,
                      @JsonProperty("picUrl") String picUrl) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class ImageMixin {
        @JsonCreator
        ImageMixin(@JsonProperty("url") String url) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class RichTextMixin {
        @JsonCreator
        RichTextMixin(@JsonProperty("segments") List<RichContent.Segment> segments) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class SegmentMixin {
        @JsonCreator
        SegmentMixin(@JsonProperty("text") String text, @JsonProperty("attachment") int attachment) {
        }
    }

    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
            getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
    private abstract static class QuoteMixin {
        @JsonCreator
        QuoteMixin(@JsonProperty("messageId") String messageId, @JsonProperty("sender") Sender sender,
                   @JsonProperty("text") String text, @JsonProperty("targetMessageId") String targetMessageId) {
        }
    }
}
