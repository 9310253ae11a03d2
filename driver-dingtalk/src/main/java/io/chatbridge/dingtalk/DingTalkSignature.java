package io.chatbridge.dingtalk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * DingTalk's signature, the same for HTTP-mode callbacks and signed custom robot webhooks:
 * {@code Base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret))}, UTF-8.
 */
public final class DingTalkSignature {

    private DingTalkSignature() {
    }

    /** The raw HMAC bytes for {@code timestamp} (epoch ms, as sent) and {@code secret}. */
    public static byte[] mac(String timestamp, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal((timestamp + "\n" + secret).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The Base64 signature (not URL-encoded). */
    public static String sign(String timestamp, String secret) {
        return Base64.getEncoder().encodeToString(mac(timestamp, secret));
    }
}
