package io.chatbridge.dingtalk.sandbox;

/** An OpenAPI failure, answered like DingTalk: HTTP {@code status} with {@code {"code","message","requestid"}}. */
final class OpenApiError extends Exception {

    final int status;
    final String code;

    OpenApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static OpenApiError invalidParameter(String field, String message) {
        return new OpenApiError(400, "invalidParameter." + field, message);
    }
}
