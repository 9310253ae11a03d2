package io.chatbridge.dingtalk.outbound;

import java.time.Duration;

/**
 * An app access token.
 *
 * @param value the token; never logged
 * @param expiresIn how long DingTalk says it stays valid from when it was issued
 */
public record AccessToken(String value, Duration expiresIn) {

    @Override
    public String toString() {
        return "AccessToken[expiresIn=" + expiresIn + "]";
    }
}
