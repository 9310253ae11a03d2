package io.chatbridge.dingtalk.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DingTalkSignatureTest {

    // vectors computed independently (Python hmac/hashlib/base64)
    @Test
    void signsTimestampNewlineSecretWithHmacSha256Base64() {
        assertThat(DingTalkSignature.sign("1700000000000", "this-is-the-signing-secret"))
                .isEqualTo("XZ2uPU9jflTl6Pioja8PODdMhDk6Q7FIud3SWb1KdD8=");
        assertThat(DingTalkSignature.sign("1577262236757", "SEC1234567890abcdef"))
                .isEqualTo("f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T+WkIqzDk=");
    }

    @Test
    void checksASignatureInEitherFormAndNeverANullOne() {
        String sign = DingTalkSignature.sign("1577262236757", "SEC1234567890abcdef");

        assertThat(DingTalkSignature.matches("1577262236757", "SEC1234567890abcdef", sign)).isTrue();
        assertThat(DingTalkSignature.matches("1577262236758", "SEC1234567890abcdef", sign)).isFalse();
        assertThat(DingTalkSignature.matches("1577262236757", "SEC1234567890abcdef", null)).isFalse();
        assertThat(DingTalkSignature.signForQuery("1577262236757", "SEC1234567890abcdef"))
                .isEqualTo("f7qQ1A8KagEZ45y1gasTtKsEq5ERTeDXP9T%2BWkIqzDk%3D");
    }
}
