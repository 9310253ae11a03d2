package io.chatbridge.core;

/** The bridge could not start: a driver failed, a port is taken, the store cannot be opened. */
public class BridgeStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BridgeStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
