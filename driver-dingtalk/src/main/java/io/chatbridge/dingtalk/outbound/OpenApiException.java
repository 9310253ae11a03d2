package io.chatbridge.dingtalk.outbound;

/** An error answer (non-2xx) from an open API call the driver makes without the SDK; see {@link OpenApiFailure#of}. */
public final class OpenApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient OpenApiFailure failure;

    public OpenApiException(OpenApiFailure failure) {
        super(failure.code() + " (HTTP " + failure.status() + ") " + failure.message());
        this.failure = failure;
    }

    /** The code, status and message DingTalk answered with. */
    public OpenApiFailure failure() {
        return failure;
    }
}
