package io.chatbridge.spi;

/**
 * What happened to a published message.
 *
 * @param status accepted or duplicate
 * @param deliveries how many deliveries the rules produced (0 when no rule matched or for a duplicate)
 */
public record PublishResult(Status status, int deliveries) {

    /** Outcome of {@link DriverContext#publish}. */
    public enum Status {
        /** Recorded and routed. */
        ACCEPTED,
        /** Seen before within the de-duplication window; not routed again. */
        DUPLICATE
    }

    /** Whether the message was recorded now (as opposed to being a duplicate). */
    public boolean accepted() {
        return status == Status.ACCEPTED;
    }
}
