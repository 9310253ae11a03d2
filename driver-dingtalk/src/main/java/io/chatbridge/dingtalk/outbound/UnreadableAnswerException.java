package io.chatbridge.dingtalk.outbound;

import java.time.Duration;

/**
 * DingTalk (or a proxy in front of it) answered with a body that is not JSON. The SDK reports that as a
 * {@code TeaUtilException} quoting the whole body but not the status; {@link RobotApi} adds the status so that
 * {@link OpenApiFailure} can tell a 502 page (retry) from a 400 page or a garbled 200 (do not resend).
 */
final class UnreadableAnswerException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Duration retryAfter;

    /**
     * @param status the HTTP status, or -1 when unknown
     * @param sdkMessage the SDK's message, which quotes the body (cut down by {@link OpenApiFailure})
     */
    UnreadableAnswerException(int status, String sdkMessage) {
        this(status, sdkMessage, null);
    }

    /** @param retryAfter the answer's {@code Retry-After}, or {@code null} */
    UnreadableAnswerException(int status, String sdkMessage, Duration retryAfter) {
        super(sdkMessage);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    Duration retryAfter() {
        return retryAfter;
    }

    int status() {
        return status;
    }
}
