package io.chatbridge.webhook;

import io.chatbridge.spi.HttpResponse;
import java.util.Map;

/**
 * Thrown while reading an ingress request that cannot be accepted; becomes a short JSON error response. The
 * message is shown to the caller, so it must never contain the token or other secrets.
 */
final class RejectedRequest extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;

    RejectedRequest(int status, String message) {
        this(status, message, Map.of());
    }

    RejectedRequest(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    static RejectedRequest badRequest(String message) {
        return new RejectedRequest(400, message);
    }

    int status() {
        return status;
    }

    HttpResponse toResponse() {
        HttpResponse error = HttpResponse.error(status, getMessage());
        return new HttpResponse(error.status(), error.contentType(), error.body(), headers);
    }
}
