package io.chatbridge.dingtalk.sandbox;

/** A custom-robot failure, answered like DingTalk: HTTP 200 with {@code {"errcode","errmsg"}}. */
final class WebhookError extends Exception {

    static final int TOKEN_NOT_EXIST = 300001;
    static final int SECURITY_CHECK_FAILED = 310000;
    static final int UNSUPPORTED_MSGTYPE = 400105;
    /** DingTalk's "invalid parameter" code; the sandbox uses it for bodies that miss a required field. */
    static final int INVALID_PARAMETER = 40035;

    final int errcode;

    WebhookError(int errcode, String errmsg) {
        super(errmsg, null, false, false);
        this.errcode = errcode;
    }
}
