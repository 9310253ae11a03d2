package io.chatbridge.core.delivery;

/** The delivery store failed (disk full, database down...). The message never contains credentials. */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
