package io.chatbridge.spi;

/** The bridge could not accept a message (its store failed or it is shutting down); answer the caller with 503. */
public class BridgeUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message safe to show to the caller. */
    public BridgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
