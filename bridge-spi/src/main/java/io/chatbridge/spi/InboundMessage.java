package io.chatbridge.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message received by a driver, normalised. Immutable; build one with {@link #builder()}.
 *
 * @param platform the platform key (set by the bridge on publish)
 * @param instanceId the receiving instance (set by the bridge on publish)
 * @param channel where it was said, as address fields (DingTalk: {@code open_conversation_id}); rules match on it
 * @param sender who said it
 * @param text the plain text ({@code ""} when there is none)
 * @param rich rich content, or {@code null}
 * @param attachments media attached
 * @param mentions who the message mentions
 * @param id the platform's message id, used for de-duplication and id mapping; may be {@code null}
 * @param replyToId the id of the message this one answers, or {@code null}
 * @param time when it was sent
 * @param extensions free-form string attributes (e.g. CloudEvents extensions such as {@code xvchatgroup})
 * @param quote what the message quotes (sender, text) when it is a reply and the platform says, or {@code null}
 */
public record InboundMessage(String platform, String instanceId, Map<String, Object> channel, Sender sender,
                             String text, RichContent rich, List<Attachment> attachments, Mentions mentions,
                             String id, String replyToId, Instant time, Map<String, String> extensions,
                             Quote quote) {

    public InboundMessage {
        channel = channel == null ? Map.of() : Map.copyOf(channel);
        sender = sender == null ? Sender.UNKNOWN : sender;
        text = text == null ? "" : text;
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        mentions = mentions == null ? Mentions.NONE : mentions;
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    /** The form without a quote. */
    public InboundMessage(String platform, String instanceId, Map<String, Object> channel, Sender sender,
                          String text, RichContent rich, List<Attachment> attachments, Mentions mentions,
                          String id, String replyToId, Instant time, Map<String, String> extensions) {
        this(platform, instanceId, channel, sender, text, rich, attachments, mentions, id, replyToId, time,
                extensions, null);
    }

    /** A copy with platform and instance id replaced. */
    public InboundMessage withOrigin(String platform, String instanceId) {
        return new InboundMessage(platform, instanceId, channel, sender, text, rich, attachments, mentions, id,
                replyToId, time, extensions, quote);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link InboundMessage}. */
    public static final class Builder {
        private String platform;
        private String instanceId;
        private final Map<String, Object> channel = new LinkedHashMap<>();
        private Sender sender = Sender.UNKNOWN;
        private String text = "";
        private RichContent rich;
        private final List<Attachment> attachments = new ArrayList<>();
        private Mentions mentions = Mentions.NONE;
        private String id;
        private String replyToId;
        private Instant time;
        private final Map<String, String> extensions = new LinkedHashMap<>();
        private Quote quote;

        private Builder() {
        }

        public Builder platform(String platform) {
            this.platform = platform;
            return this;
        }

        public Builder instanceId(String instanceId) {
            this.instanceId = instanceId;
            return this;
        }

        /** Adds one address field; {@code null} values are skipped. */
        public Builder channel(String key, Object value) {
            if (value != null) {
                channel.put(key, value);
            }
            return this;
        }

        public Builder channel(Map<String, ?> fields) {
            fields.forEach(this::channel);
            return this;
        }

        public Builder sender(Sender sender) {
            this.sender = sender;
            return this;
        }

        public Builder text(String text) {
            this.text = text;
            return this;
        }

        public Builder rich(RichContent rich) {
            this.rich = rich;
            return this;
        }

        public Builder attachment(Attachment attachment) {
            attachments.add(attachment);
            return this;
        }

        public Builder mentions(Mentions mentions) {
            this.mentions = mentions;
            return this;
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder replyToId(String replyToId) {
            this.replyToId = replyToId;
            return this;
        }

        public Builder time(Instant time) {
            this.time = time;
            return this;
        }

        /** Adds one extension attribute; {@code null} values are skipped. */
        public Builder extension(String key, String value) {
            if (value != null) {
                extensions.put(key, value);
            }
            return this;
        }

        /**
         * What the message quotes, when it is a reply; also sets {@link #replyToId} to the quote's message id when
         * none was set.
         */
        public Builder quote(Quote quote) {
            this.quote = quote;
            if (replyToId == null && quote != null) {
                replyToId = quote.messageId();
            }
            return this;
        }

        public InboundMessage build() {
            return new InboundMessage(platform, instanceId, channel, sender, text, rich, attachments, mentions, id,
                    replyToId, time, extensions, quote);
        }
    }
}
