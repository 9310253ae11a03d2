package io.chatbridge.spi;

/**
 * The message a reply quotes, as far as the source platform told: a reply carries it in
 * {@link InboundMessage#quote()} and every delivery of the reply in {@link OutboundMessage#quote()}.
 *
 * <p>Platforms often give only part of it (DingTalk quotes of pictures carry only an id): every field may be
 * {@code null}. A target without a quote type renders it as a line {@code > sender: text…} before the reply.
 *
 * @param messageId the quoted message's id on the source platform, or {@code null}
 * @param sender who wrote the quoted message ({@link Sender#UNKNOWN} when not given)
 * @param text the quoted text (or a description such as {@code [image]}), or {@code null}
 * @param targetMessageId on an {@link OutboundMessage}: the target's own id of the quoted message when the bridge
 *     delivered it there before (from the outbox's message links), for drivers that can thread; else {@code null}
 */
public record Quote(String messageId, Sender sender, String text, String targetMessageId) {

    public Quote {
        sender = sender == null ? Sender.UNKNOWN : sender;
    }

    /** A quote as a source platform reports it (no target id yet). */
    public static Quote of(String messageId, Sender sender, String text) {
        return new Quote(messageId, sender, text, null);
    }

    /** A copy naming the target's id of the quoted message. */
    public Quote withTargetMessageId(String id) {
        return new Quote(messageId, sender, text, id);
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
}
