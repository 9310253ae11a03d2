package io.chatbridge.dingtalk.outbound;

/**
 * DingTalk (or a proxy in front of it) answered with a body that is not JSON. The SDK reports that as a
 * {@code TeaUtilException} quoting the whole body but not the status; {@link RobotApi} adds the status so that
 * {@link OpenApiFailure} can tell a 502 page (retry) from a 400 page or a garbled 200 (do not resend).
 */
final class UnreadableAnswerException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status the HTTP status, or -1 when unknown
     * @param sdkMessage the SDK's message, which quotes the body (cut down by {@link OpenApiFailure})
     */
    UnreadableAnswerException(int status, String sdkMessage) {
        super(sdkMessage);
        this.status = status;
    }

    int status() {
        return status;
    }
}
