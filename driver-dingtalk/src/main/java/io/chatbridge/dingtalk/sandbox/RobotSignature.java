package io.chatbridge.dingtalk.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * DingTalk's robot signature, shared by HTTP-mode callbacks (protocol §1, sent as is) and custom-robot webhooks
 * (§5, URL-encoded in the query): {@code Base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret))}.
 */
final class RobotSignature {

    private RobotSignature() {}

    static String sign(String secret, String timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal((timestamp + "\n" + secret).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Compares in constant time; a {@code null} signature never matches. */
    static boolean matches(String secret, String timestamp, String signature) {
        return signature != null && MessageDigest.isEqual(sign(secret, timestamp).getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8));
    }
}
