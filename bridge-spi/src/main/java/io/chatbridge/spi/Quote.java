package io.chatbridge.spi;

import java.util.Objects;

/**
 * The message a reply quotes, as far as the source platform told: a reply carries it in
 * {@link InboundMessage#quote()} and every delivery of the reply in {@link OutboundMessage#quote()}. Immutable; made
 * with {@link #of} (a field added later is a new factory or {@code with} method).
 *
 * <p>Platforms often give only part of it (DingTalk quotes of pictures carry only an id): every field may be
 * {@code null}. A target without a quote type renders it as a line {@code > sender: text…} before the reply.
 */
public final class Quote {

    private final String messageId;
    private final Sender sender;
    private final String text;
    private final String targetMessageId;

    private Quote(String messageId, Sender sender, String text, String targetMessageId) {
        this.messageId = messageId;
        this.sender = sender == null ? Sender.UNKNOWN : sender;
        this.text = text;
        this.targetMessageId = targetMessageId;
    }

    /**
     * A quote as a source platform reports it.
     *
     * @param messageId the quoted message's id on the source platform, or {@code null}
     * @param sender who wrote it, or {@code null}
     * @param text the quoted text (or a description such as {@code [image]}), or {@code null}
     */
    public static Quote of(String messageId, Sender sender, String text) {
        return new Quote(messageId, sender, text, null);
    }

    /** A copy naming the target's id of the quoted message (set by the bridge from the outbox's links). */
    public Quote withTargetMessageId(String id) {
        return new Quote(messageId, sender, text, id);
    }

    /** The quoted message's id on the source platform, or {@code null}. */
    public String messageId() {
        return messageId;
    }

    /** Who wrote the quoted message ({@link Sender#UNKNOWN} when not given). */
    public Sender sender() {
        return sender;
    }

    /** The quoted text, or {@code null}. */
    public String text() {
        return text;
    }

    /**
     * On an {@link OutboundMessage}: the target's own id of the quoted message when the bridge delivered it there
     * before, or when it came from there, for drivers that can thread; else {@code null}.
     */
    public String targetMessageId() {
        return targetMessageId;
    }

    /**
     * The quoted text shortened to one line of at most {@code max} characters, with {@code …} when cut; {@code ""}
     * when there is none.
     */
    public String excerpt(int max) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() <= max ? line : line.substring(0, Math.max(1, max - 1)).stripTrailing() + "…";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quote q && Objects.equals(messageId, q.messageId) && sender.equals(q.sender)
                && Objects.equals(text, q.text) && Objects.equals(targetMessageId, q.targetMessageId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(messageId, sender, text, targetMessageId);
    }

    @Override
    public String toString() {
        return "Quote[messageId=" + messageId + ", sender=" + sender + ", text=" + text + ", targetMessageId="
                + targetMessageId + "]";
    }
}
