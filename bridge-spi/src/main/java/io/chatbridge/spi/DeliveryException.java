package io.chatbridge.spi;

import java.time.Duration;

/**
 * A failed send, classified so the bridge knows whether to retry. The message must not contain secrets (tokens,
 * keys, webhook URLs): it is logged and stored with dead letters.
 */
public class DeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Whether trying again may help. */
    public enum Category {
        /** Throttling, 5xx, network: retried with backoff. */
        RETRYABLE,
        /** Bad request, missing permission, unknown target: moved to dead letters at once. */
        PERMANENT
    }

    private final Category category;
    private final String code;
    private final transient Duration retryAfter;

    /**
     * @param category retryable or permanent
     * @param code a short machine-readable cause, e.g. {@code RATE_LIMITED}, {@code AUTH_FAILED},
     *     {@code BAD_REQUEST}, or the platform's own error code
     * @param message what happened, for logs and dead letters
     * @param retryAfter how long the target asked us to wait, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    public DeliveryException(Category category, String code, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.category = category;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** A retryable failure. */
    public static DeliveryException retryable(String code, String message) {
        return new DeliveryException(Category.RETRYABLE, code, message, null, null);
    }

    /** A retryable failure with the wait the target asked for. */
    public static DeliveryException retryable(String code, String message, Duration retryAfter) {
        return new DeliveryException(Category.RETRYABLE, code, message, retryAfter, null);
    }

    /** A permanent failure. */
    public static DeliveryException permanent(String code, String message) {
        return new DeliveryException(Category.PERMANENT, code, message, null, null);
    }

    public Category category() {
        return category;
    }

    public boolean retryable() {
        return category == Category.RETRYABLE;
    }

    public String code() {
        return code;
    }

    /** The wait the target asked for (e.g. {@code Retry-After}), or {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
