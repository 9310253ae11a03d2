package io.chatbridge.spi;

import java.util.List;
import java.util.Map;

/**
 * A message the bridge asks a driver to send: one delivery of one routed message to one target channel.
 *
 * @param deliveryId stable id of this delivery, the same on every attempt (usable as an idempotency key)
 * @param ruleId the rule that produced it
 * @param instanceId the target instance
 * @param channel the target address from the rule (e.g. {@code {"open_conversation_id": "cid..."}})
 * @param text the text after the rule's {@code msg_format} template
 * @param header a header cut out of the template, or {@code null}
 * @param rich rich content carried from the source, or {@code null}
 * @param attachments media of the source message
 * @param mentions who to mention
 * @param options the rule's other {@code msg} keys (e.g. {@code msg_type}, {@code title}), for the target driver
 * @param source where the message came from
 * @param extensions the source message's extension attributes (e.g. {@code xvchatgroup})
 * @param attempt 1 on the first attempt, then 2, 3...
 * @param quote what the source message quotes when it is a reply (with the target's id of the quoted message when
 *     the bridge delivered it to this target before), or {@code null}
 */
public record OutboundMessage(String deliveryId, String ruleId, String instanceId, Map<String, Object> channel,
                              String text, RichHeader header, RichContent rich, List<Attachment> attachments,
                              Mentions mentions, Map<String, Object> options, Origin source,
                              Map<String, String> extensions, int attempt, Quote quote) {

    public OutboundMessage {
        channel = channel == null ? Map.of() : Map.copyOf(channel);
        text = text == null ? "" : text;
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        mentions = mentions == null ? Mentions.NONE : mentions;
        options = options == null ? Map.of() : Map.copyOf(options);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    /** The form without a quote. */
    public OutboundMessage(String deliveryId, String ruleId, String instanceId, Map<String, Object> channel,
                           String text, RichHeader header, RichContent rich, List<Attachment> attachments,
                           Mentions mentions, Map<String, Object> options, Origin source,
                           Map<String, String> extensions, int attempt) {
        this(deliveryId, ruleId, instanceId, channel, text, header, rich, attachments, mentions, options, source,
                extensions, attempt, null);
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
        return new OutboundMessage(deliveryId, ruleId, instanceId, channel, text, header, rich, attachments, mentions,
                options, source, extensions, attempt, quote);
    }

    /** A copy with other text and rich content (e.g. one part of a message split for a size limit). */
    public OutboundMessage withContent(String text, RichHeader header, RichContent rich,
                                       List<Attachment> attachments) {
        return new OutboundMessage(deliveryId, ruleId, instanceId, channel, text, header, rich, attachments, mentions,
                options, source, extensions, attempt, quote);
    }
}
