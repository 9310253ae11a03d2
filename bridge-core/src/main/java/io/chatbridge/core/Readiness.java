package io.chatbridge.core;

/**
 * Whether a bridge can take messages now ({@code GET /readyz}), as opposed to merely running ({@code /healthz}).
 *
 * @param ready {@code true} when every ingress can record messages
 * @param reason why not, for people ({@code null} when ready)
 */
public record Readiness(boolean ready, String reason) {

    /** Ready. */
    public static final Readiness READY = new Readiness(true, null);

    /** Not ready, because of {@code reason}. */
    public static Readiness notReady(String reason) {
        return new Readiness(false, reason);
    }
}
