package io.chatbridge.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message the bridge asks a driver to send: one delivery of one routed message to one target channel. Immutable.
 * The bridge makes them; drivers read them, and tests make them with {@link #builder()} (the only supported way, so
 * a field added later is a new builder method).
 */
public final class OutboundMessage {

    private final String deliveryId;
    private final String ruleId;
    private final String instanceId;
    private final Map<String, Object> channel;
    private final String text;
    private final RichHeader header;
    private final RichContent rich;
    private final List<Attachment> attachments;
    private final Mentions mentions;
    private final Map<String, Object> options;
    private final Origin source;
    private final Map<String, String> extensions;
    private final int attempt;

    private OutboundMessage(Builder b) {
        this.deliveryId = b.deliveryId;
        this.ruleId = b.ruleId;
        this.instanceId = b.instanceId;
        this.channel = Map.copyOf(b.channel);
        this.text = b.text == null ? "" : b.text;
        this.header = b.header;
        this.rich = b.rich;
        this.attachments = List.copyOf(b.attachments);
        this.mentions = b.mentions == null ? Mentions.NONE : b.mentions;
        this.options = Map.copyOf(b.options);
        this.source = b.source;
        this.extensions = Map.copyOf(b.extensions);
        this.attempt = b.attempt;
    }

    /** A new builder; the attempt starts at 1. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this message's fields, to make a changed copy. */
    public Builder toBuilder() {
        return new Builder().deliveryId(deliveryId).ruleId(ruleId).instanceId(instanceId).channel(channel).text(text)
                .header(header).rich(rich).attachments(attachments).mentions(mentions).options(options)
                .source(source).extensions(extensions).attempt(attempt);
    }

    /** Stable id of this delivery, the same on every attempt (usable as an idempotency key). */
    public String deliveryId() {
        return deliveryId;
    }

    /** The rule that produced it. */
    public String ruleId() {
        return ruleId;
    }

    /** The target instance. */
    public String instanceId() {
        return instanceId;
    }

    /** The target address from the rule (e.g. {@code {"open_conversation_id": "cid..."}}). */
    public Map<String, Object> channel() {
        return channel;
    }

    /** The text after the rule's {@code msg_format} template ({@code ""} when there is none). */
    public String text() {
        return text;
    }

    /** A header cut out of the template, or {@code null}. */
    public RichHeader header() {
        return header;
    }

    /** Rich content carried from the source, or {@code null}. */
    public RichContent rich() {
        return rich;
    }

    /** Media of the source message. */
    public List<Attachment> attachments() {
        return attachments;
    }

    /** Who to mention. */
    public Mentions mentions() {
        return mentions;
    }

    /** The rule's other {@code msg} keys (e.g. {@code msg_type}, {@code title}), for the target driver. */
    public Map<String, Object> options() {
        return options;
    }

    /** Where the message came from. */
    public Origin source() {
        return source;
    }

    /** The source message's extension attributes (e.g. {@code xvchatgroup}). */
    public Map<String, String> extensions() {
        return extensions;
    }

    /** 1 on the first attempt, then 2, 3... */
    public int attempt() {
        return attempt;
    }

    /**
     * The text for a text-only target: the header as a {@code [title · content]} first line, then the text, then
     * one line per attachment ({@code [image] https://...}).
     */
    public String renderedText() {
        StringBuilder out = new StringBuilder();
        if (header != null) {
            out.append(header.asLine());
        }
        if (!text.isEmpty()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(text);
        }
        for (Attachment attachment : attachments) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(attachment.describe());
        }
        return out.toString();
    }

    /** A rule option as text, or {@code null} when absent. */
    public String option(String key) {
        Object value = options.get(key);
        return value == null ? null : String.valueOf(value);
    }

    /** A copy for another attempt. */
    public OutboundMessage withAttempt(int attempt) {
        return toBuilder().attempt(attempt).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundMessage m && attempt == m.attempt && Objects.equals(deliveryId, m.deliveryId)
                && Objects.equals(ruleId, m.ruleId) && Objects.equals(instanceId, m.instanceId)
                && channel.equals(m.channel) && text.equals(m.text) && Objects.equals(header, m.header)
                && Objects.equals(rich, m.rich) && attachments.equals(m.attachments) && mentions.equals(m.mentions)
                && options.equals(m.options) && Objects.equals(source, m.source) && extensions.equals(m.extensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deliveryId, ruleId, instanceId, channel, text, header, rich, attachments, mentions,
                options, source, extensions, attempt);
    }

    @Override
    public String toString() {
        return "OutboundMessage[deliveryId=" + deliveryId + ", ruleId=" + ruleId + ", instanceId=" + instanceId
                + ", channel=" + channel + ", text=" + text + ", header=" + header + ", rich=" + rich
                + ", attachments=" + attachments + ", mentions=" + mentions + ", options=" + options + ", source="
                + source + ", extensions=" + extensions + ", attempt=" + attempt + "]";
    }

    /** Builds an {@link OutboundMessage}. Not thread-safe. */
    public static final class Builder {
        private String deliveryId;
        private String ruleId;
        private String instanceId;
        private final Map<String, Object> channel = new LinkedHashMap<>();
        private String text = "";
        private RichHeader header;
        private RichContent rich;
        private final List<Attachment> attachments = new ArrayList<>();
        private Mentions mentions = Mentions.NONE;
        private final Map<String, Object> options = new LinkedHashMap<>();
        private Origin source;
        private final Map<String, String> extensions = new LinkedHashMap<>();
        private int attempt = 1;

        private Builder() {
        }

        public Builder deliveryId(String deliveryId) {
            this.deliveryId = deliveryId;
            return this;
        }

        public Builder ruleId(String ruleId) {
            this.ruleId = ruleId;
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

        public Builder text(String text) {
            this.text = text;
            return this;
        }

        public Builder header(RichHeader header) {
            this.header = header;
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

        /** Adds one rule option; {@code null} values are skipped. */
        public Builder option(String key, Object value) {
            if (value != null) {
                options.put(key, value);
            }
            return this;
        }

        /** Adds these rule options; {@code null} values are skipped. */
        public Builder options(Map<String, ?> options) {
            if (options != null) {
                options.forEach(this::option);
            }
            return this;
        }

        public Builder source(Origin source) {
            this.source = source;
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

        /** 1 for the first attempt (the default). */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        public OutboundMessage build() {
            return new OutboundMessage(this);
        }
    }
}
