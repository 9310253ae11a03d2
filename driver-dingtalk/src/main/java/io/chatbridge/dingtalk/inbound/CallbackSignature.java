package io.chatbridge.dingtalk.inbound;

import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Checks the {@code timestamp} and {@code sign} headers of an HTTP-mode callback: the timestamp must be within one
 * hour of now and the signature must match, compared in constant time.
 */
public final class CallbackSignature {

    /** How far a callback's timestamp may be from our clock. */
    public static final Duration MAX_SKEW = Duration.ofHours(1);

    private final DingTalkSignature.Keyed signer;
    private final Clock clock;

    public CallbackSignature(String secret, Clock clock) {
        this.signer = DingTalkSignature.keyed(secret);
        this.clock = clock;
    }

    /**
     * Checks one request's headers.
     *
     * @return {@code null} when the request is genuine, else a short reason safe to send back and log
     */
    public String check(String timestamp, String sign) {
        if (timestamp == null || timestamp.isBlank() || sign == null || sign.isBlank()) {
            return "missing timestamp or sign header";
        }
        long millis;
        try {
            millis = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return "timestamp is not epoch milliseconds";
        }
        long skew = Math.abs(clock.millis() - millis);
        if (skew > MAX_SKEW.toMillis()) {
            return "timestamp outside the allowed window of one hour";
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(sign.trim());
        } catch (IllegalArgumentException e) {
            return "signature mismatch";
        }
        byte[] expected = signer.mac(timestamp.trim());
        return MessageDigest.isEqual(expected, given) ? null : "signature mismatch";
    }
}
