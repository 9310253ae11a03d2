package io.chatbridge.spi;

/**
 * The outcome of a successful {@link Driver#send}.
 *
 * @param platformMessageId the id the target platform gave the message (DingTalk: {@code processQueryKey}), or
 *     {@code null} when it gives none; stored for later replies and recalls
 */
public record SendResult(String platformMessageId) {

    /** A success without an id. */
    public static final SendResult OK = new SendResult(null);
}
