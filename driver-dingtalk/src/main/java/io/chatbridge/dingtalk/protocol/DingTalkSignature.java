package io.chatbridge.dingtalk.protocol;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * DingTalk's signature, the same for HTTP-mode callbacks (protocol §1: the {@code sign} header, as is) and signed
 * custom robot webhooks (§5: the {@code sign} query parameter, URL-encoded):
 * {@code Base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret))}, UTF-8. The one implementation of it:
 * the driver, the sandbox and {@code simulate} all sign and check here.
 */
public final class DingTalkSignature {

    private DingTalkSignature() {
    }

    /** The raw HMAC bytes for {@code timestamp} (epoch ms, as sent) and {@code secret}. */
    public static byte[] mac(String timestamp, String secret) {
        return data(newMac(secret), timestamp, secret);
    }

    /**
     * A signer for one secret, for hot paths: each thread keeps one initialised {@link Mac}, because looking up the
     * provider and initialising the key cost more than the HMAC of a short string. Thread-safe.
     */
    public static Keyed keyed(String secret) {
        return new Keyed(secret);
    }

    /** See {@link #keyed}. */
    public static final class Keyed {
        private final String secret;
        private final ThreadLocal<Mac> macs;

        private Keyed(String secret) {
            this.secret = secret;
            this.macs = ThreadLocal.withInitial(() -> newMac(secret));
        }

        /** Same as {@link DingTalkSignature#mac(String, String)} with this secret. */
        public byte[] mac(String timestamp) {
            return data(macs.get(), timestamp, secret);
        }
    }

    private static byte[] data(Mac mac, String timestamp, String secret) {
        // doFinal also resets the Mac, ready for the next use on this thread
        return mac.doFinal((timestamp + "\n" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static Mac newMac(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The Base64 signature (not URL-encoded). */
    public static String sign(String timestamp, String secret) {
        return Base64.getEncoder().encodeToString(mac(timestamp, secret));
    }

    /** {@link #sign} URL-encoded, as the {@code sign} query parameter of a custom robot webhook. */
    public static String signForQuery(String timestamp, String secret) {
        return URLEncoder.encode(sign(timestamp, secret), StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code signature} (plain Base64, as a header carries it or a query parameter after decoding) is the
     * signature of {@code timestamp} with {@code secret}. Compares in constant time; {@code null} never matches.
     */
    public static boolean matches(String timestamp, String secret, String signature) {
        return signature != null && MessageDigest.isEqual(sign(timestamp, secret).getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8));
    }
}
