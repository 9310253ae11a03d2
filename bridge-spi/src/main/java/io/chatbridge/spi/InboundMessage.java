package io.chatbridge.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message received by a driver, normalised. Immutable; made only with {@link #builder()} (or
 * {@link #toBuilder()} for a changed copy), so a field added later is a new builder method and existing drivers
 * keep compiling and running.
 */
public final class InboundMessage {

    private final String platform;
    private final String instanceId;
    private final Map<String, Object> channel;
    private final Sender sender;
    private final String text;
    private final RichContent rich;
    private final List<Attachment> attachments;
    private final Mentions mentions;
    private final String id;
    private final String replyToId;
    private final Instant time;
    private final Map<String, String> extensions;

    private InboundMessage(Builder b) {
        this.platform = b.platform;
        this.instanceId = b.instanceId;
        this.channel = Map.copyOf(b.channel);
        this.sender = b.sender == null ? Sender.UNKNOWN : b.sender;
        this.text = b.text == null ? "" : b.text;
        this.rich = b.rich;
        this.attachments = List.copyOf(b.attachments);
        this.mentions = b.mentions == null ? Mentions.NONE : b.mentions;
        this.id = b.id;
        this.replyToId = b.replyToId;
        this.time = b.time;
        this.extensions = Map.copyOf(b.extensions);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this message's fields, to make a changed copy. */
    public Builder toBuilder() {
        return new Builder().platform(platform).instanceId(instanceId).channel(channel).sender(sender).text(text)
                .rich(rich).attachments(attachments).mentions(mentions).id(id).replyToId(replyToId).time(time)
                .extensions(extensions);
    }

    /** A copy with platform and instance id replaced. */
    public InboundMessage withOrigin(String platform, String instanceId) {
        return toBuilder().platform(platform).instanceId(instanceId).build();
    }

    /** The platform key (set by the bridge on publish). */
    public String platform() {
        return platform;
    }

    /** The receiving instance (set by the bridge on publish). */
    public String instanceId() {
        return instanceId;
    }

    /** Where it was said, as address fields (DingTalk: {@code open_conversation_id}); rules match on it. */
    public Map<String, Object> channel() {
        return channel;
    }

    /** Who said it; {@link Sender#UNKNOWN} when nobody knows. */
    public Sender sender() {
        return sender;
    }

    /** The plain text ({@code ""} when there is none). */
    public String text() {
        return text;
    }

    /** Rich content, or {@code null}. */
    public RichContent rich() {
        return rich;
    }

    /** Media attached. */
    public List<Attachment> attachments() {
        return attachments;
    }

    /** Who the message mentions. */
    public Mentions mentions() {
        return mentions;
    }

    /** The platform's message id, used for de-duplication and id mapping; may be {@code null}. */
    public String id() {
        return id;
    }

    /** The id of the message this one answers, or {@code null}. */
    public String replyToId() {
        return replyToId;
    }

    /** When it was sent, or {@code null}. */
    public Instant time() {
        return time;
    }

    /** Free-form string attributes (e.g. CloudEvents extensions such as {@code xvchatgroup}). */
    public Map<String, String> extensions() {
        return extensions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InboundMessage m && Objects.equals(platform, m.platform)
                && Objects.equals(instanceId, m.instanceId) && channel.equals(m.channel) && sender.equals(m.sender)
                && text.equals(m.text) && Objects.equals(rich, m.rich) && attachments.equals(m.attachments)
                && mentions.equals(m.mentions) && Objects.equals(id, m.id) && Objects.equals(replyToId, m.replyToId)
                && Objects.equals(time, m.time) && extensions.equals(m.extensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(platform, instanceId, channel, sender, text, rich, attachments, mentions, id, replyToId,
                time, extensions);
    }

    @Override
    public String toString() {
        return "InboundMessage[platform=" + platform + ", instanceId=" + instanceId + ", channel=" + channel
                + ", sender=" + sender + ", text=" + text + ", rich=" + rich + ", attachments=" + attachments
                + ", mentions=" + mentions + ", id=" + id + ", replyToId=" + replyToId + ", time=" + time
                + ", extensions=" + extensions + "]";
    }

    /** Builds an {@link InboundMessage}. Not thread-safe. */
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

        /** Adds these address fields; {@code null} values are skipped. */
        public Builder channel(Map<String, ?> fields) {
            if (fields != null) {
                fields.forEach(this::channel);
            }
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

        /** Adds one attachment. */
        public Builder attachment(Attachment attachment) {
            attachments.add(Objects.requireNonNull(attachment, "attachment"));
            return this;
        }

        /** Replaces the attachments. */
        public Builder attachments(List<Attachment> attachments) {
            this.attachments.clear();
            if (attachments != null) {
                attachments.forEach(this::attachment);
            }
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

        /** Adds these extension attributes; {@code null} values are skipped. */
        public Builder extensions(Map<String, String> attributes) {
            if (attributes != null) {
                attributes.forEach(this::extension);
            }
            return this;
        }

        public InboundMessage build() {
            return new InboundMessage(this);
        }
    }
}
