package io.chatbridge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A driver's report of its connection to its platform, see {@link DriverContext#reportHealth}.
 *
 * @param state the connection state
 * @param reason why it is in this state (e.g. {@code "socket closed by server (1006)"}); when healthy {@code ""}
 *     or what the bridge should log with the change (e.g. the endpoint connected to, see
 *     {@link #connected(String, Instant)}); must not contain secrets
 * @param since when the instance entered this state
 */
public record DriverHealth(State state, String reason, Instant since) {

    /** Connection states. */
    public enum State {
        /** Connected and receiving. */
        CONNECTED,
        /** Lost its connection and trying to re-establish it; messages may arrive late but are not lost. */
        RECONNECTING,
        /** Cannot connect until something changes (e.g. credentials refused); still retrying slowly. */
        FAILED
    }

    public DriverHealth {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        reason = reason == null ? "" : reason;
    }

    /** Connected since {@code since}. */
    public static DriverHealth connected(Instant since) {
        return new DriverHealth(State.CONNECTED, "", since);
    }

    /**
     * Connected since {@code since}, with {@code detail} (e.g. {@code "ws://host/connect (connection 2) after 3
     * failed attempt(s)"}) for the bridge's log line of the change, so that the driver need not log it too.
     */
    public static DriverHealth connected(String detail, Instant since) {
        return new DriverHealth(State.CONNECTED, detail, since);
    }

    /** Reconnecting since {@code since} because of {@code reason}. */
    public static DriverHealth reconnecting(String reason, Instant since) {
        return new DriverHealth(State.RECONNECTING, reason, since);
    }

    /** Failed since {@code since} because of {@code reason}. */
    public static DriverHealth failed(String reason, Instant since) {
        return new DriverHealth(State.FAILED, reason, since);
    }

    /** Whether the instance is connected. */
    public boolean healthy() {
        return state == State.CONNECTED;
    }
}
