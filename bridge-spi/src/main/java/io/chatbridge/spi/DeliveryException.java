package io.chatbridge.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * A failed send, classified so the bridge knows whether to retry ({@link #category()}) and can count failures by
 * cause ({@link #reason()}, a closed set the same for every platform), with the platform's own error code kept
 * beside it ({@link #platformCode()}). Thrown by {@link Driver#send} on a delivery worker; the bridge retries or
 * moves the delivery to dead letters, storing {@link #code()} and the message. The message must not contain secrets
 * (tokens, keys, webhook URLs): it is logged and stored with dead letters.
 *
 * <pre>{@code
 * throw DeliveryException.permanent(Reason.TARGET_GONE, "robot 'ops' stopped (errcode 400102)")
 *         .withPlatformCode("400102");
 * }</pre>
 */
public class DeliveryException extends Exception {

    private static final long serialVersionUID = 2L;

    /** Whether trying again may help. */
    public enum Category {
        /** Throttling, 5xx, network: retried with backoff. */
        RETRYABLE,
        /** Bad request, missing permission, unknown target: moved to dead letters at once. */
        PERMANENT
    }

    /**
     * Why a send failed, in the bridge's terms. The set is closed (a driver picks the nearest; the platform's own
     * code goes to {@link #platformCode()}) and grows only by addition. The usual category is given for each, but
     * the driver decides ({@code UNEXPECTED_ANSWER} is permanent when the platform may have acted on the request).
     */
    public enum Reason {
        /** The platform throttled us (usually retryable, after {@link #retryAfter()} when known). */
        RATE_LIMITED,
        /** Credentials, token or signature refused (permanent: fix the configuration). */
        AUTH_FAILED,
        /** Authenticated, but not allowed to do this, e.g. a missing app permission (permanent). */
        PERMISSION_DENIED,
        /** The platform refused the request as malformed or unsupported (permanent). */
        BAD_REQUEST,
        /** The target channel, user or robot does not exist or is not known to the platform (permanent). */
        UNKNOWN_TARGET,
        /** The target existed but is gone: group disbanded, robot stopped or removed (permanent). */
        TARGET_GONE,
        /** No answer in time (retryable). */
        TIMEOUT,
        /** The connection failed or broke before an answer (retryable). */
        NETWORK,
        /** The platform failed or is overloaded (5xx, "system busy"; retryable). */
        SERVER_ERROR,
        /** The platform refused the content: review, keywords, size (permanent). */
        CONTENT_REJECTED,
        /** An answer the driver cannot read; the platform may have acted on it. */
        UNEXPECTED_ANSWER,
        /** The instance lacks the settings needed for this target (permanent: fix config.json). */
        NOT_CONFIGURED,
        /** The send was interrupted, e.g. while the bridge stops (retryable). */
        INTERRUPTED,
        /** A fault in the driver or the bridge, e.g. a message it cannot encode or an unexpected exception. */
        INTERNAL,
        /** None of the above; {@link #platformCode()} says more. Also the reason of the free-form factories. */
        OTHER
    }

    private final Category category;
    private final Reason reason;
    private final transient Duration retryAfter;
    private String platformCode;

    /**
     * @param category retryable or permanent
     * @param reason why, in the bridge's terms
     * @param platformCode the platform's own error code (e.g. DingTalk's {@code "400102"}), or {@code null}
     * @param message what happened, for logs and dead letters; no secrets
     * @param retryAfter how long the target asked us to wait, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    public DeliveryException(Category category, Reason reason, String platformCode, String message,
                             Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.category = Objects.requireNonNull(category, "category");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.platformCode = blankToNull(platformCode);
        this.retryAfter = retryAfter;
    }

    /**
     * A failure with a free-form code.
     *
     * @param code a code naming a {@link Reason} becomes that reason; any other becomes {@link Reason#OTHER} with
     *     the code as {@link #platformCode()}
     * @deprecated use {@link #DeliveryException(Category, Reason, String, String, Duration, Throwable)}
     */
    @Deprecated
    public DeliveryException(Category category, String code, String message, Duration retryAfter, Throwable cause) {
        this(category, legacyReason(code), legacyReason(code) == Reason.OTHER ? code : null, message, retryAfter,
                cause);
    }

    /** A retryable failure. */
    public static DeliveryException retryable(Reason reason, String message) {
        return new DeliveryException(Category.RETRYABLE, reason, null, message, null, null);
    }

    /** A retryable failure with the wait the target asked for ({@code null} for none). */
    public static DeliveryException retryable(Reason reason, String message, Duration retryAfter) {
        return new DeliveryException(Category.RETRYABLE, reason, null, message, retryAfter, null);
    }

    /** A permanent failure: the delivery goes to dead letters at once. */
    public static DeliveryException permanent(Reason reason, String message) {
        return new DeliveryException(Category.PERMANENT, reason, null, message, null, null);
    }

    /**
     * A retryable failure with a free-form code.
     *
     * @deprecated use {@link #retryable(Reason, String)} (and {@link #withPlatformCode}); see
     *     {@link #DeliveryException(Category, String, String, Duration, Throwable)} for how the code is read
     */
    @Deprecated
    public static DeliveryException retryable(String code, String message) {
        return new DeliveryException(Category.RETRYABLE, code, message, null, null);
    }

    /**
     * A retryable failure with a free-form code and the wait the target asked for.
     *
     * @deprecated use {@link #retryable(Reason, String, Duration)}
     */
    @Deprecated
    public static DeliveryException retryable(String code, String message, Duration retryAfter) {
        return new DeliveryException(Category.RETRYABLE, code, message, retryAfter, null);
    }

    /**
     * A permanent failure with a free-form code.
     *
     * @deprecated use {@link #permanent(Reason, String)}
     */
    @Deprecated
    public static DeliveryException permanent(String code, String message) {
        return new DeliveryException(Category.PERMANENT, code, message, null, null);
    }

    /**
     * Sets the platform's own error code and returns this exception, for use before throwing it. Blank means none.
     *
     * @throws IllegalStateException when a platform code was already set
     */
    public DeliveryException withPlatformCode(String platformCode) {
        if (this.platformCode != null) {
            throw new IllegalStateException("platform code already set to " + this.platformCode);
        }
        this.platformCode = blankToNull(platformCode);
        return this;
    }

    /** Whether the bridge retries the delivery (with backoff) or moves it to dead letters at once. */
    public Category category() {
        return category;
    }

    /** {@code category() == RETRYABLE}. */
    public boolean retryable() {
        return category == Category.RETRYABLE;
    }

    /** Why, in the bridge's terms; never {@code null}. */
    public Reason reason() {
        return reason;
    }

    /**
     * The platform's own error code (e.g. {@code "310000"}, {@code "invalidParameter.openConversationId"}), or
     * {@code null}.
     */
    public String platformCode() {
        return platformCode;
    }

    /**
     * The short code stored with dead letters and logged: the {@link #reason()}'s name, except for
     * {@link Reason#OTHER} with a platform code, where it is that code (so a free-form code of an older driver
     * stays what it was).
     */
    public String code() {
        return reason == Reason.OTHER && platformCode != null ? platformCode : reason.name();
    }

    /** The wait the target asked for (e.g. {@code Retry-After}), or {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }

    private static Reason legacyReason(String code) {
        if (code != null) {
            for (Reason r : Reason.values()) {
                if (r.name().equals(code)) {
                    return r;
                }
            }
        }
        return Reason.OTHER;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
