package io.chatbridge.dingtalk.stream;

/**
 * The open call or the WebSocket upgrade failed. {@link #credentialsRefused()} is true for a 4xx answer of the open
 * call (e.g. a wrong {@code app_secret}), which waiting a second will not fix. Messages never hold a secret.
 */
final class OpenCallFailed extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean credentialsRefused;

    OpenCallFailed(String message, boolean credentialsRefused) {
        super(message, null, false, false);
        this.credentialsRefused = credentialsRefused;
    }

    boolean credentialsRefused() {
        return credentialsRefused;
    }
}
