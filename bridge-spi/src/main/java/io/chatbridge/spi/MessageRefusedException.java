package io.chatbridge.spi;

/**
 * A published message that a target driver refused before anything was recorded (see
 * {@link Driver#refusal(OutboundMessage)}): e.g. it names a chat group the target does not have. The sender made
 * a mistake it can correct, so an ingress answers 400 with {@link #getMessage()} (which names the attribute and
 * the known values), or refuses the frame; nothing of the message was recorded.
 */
public class MessageRefusedException extends RuntimeException {

    private final String targetInstanceId;

    /**
     * @param targetInstanceId the instance that refused the message
     * @param reason what is wrong, naming the attribute or field and the values it accepts; never a secret
     */
    public MessageRefusedException(String targetInstanceId, String reason) {
        super(reason, null, false, false);
        this.targetInstanceId = targetInstanceId;
    }

    /** The instance that refused the message. */
    public String targetInstanceId() {
        return targetInstanceId;
    }
}
