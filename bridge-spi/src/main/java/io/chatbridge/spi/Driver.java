package io.chatbridge.spi;

import java.time.Duration;
import java.util.List;

/**
 * One configured instance of a platform (one DingTalk robot, one HTTP endpoint...).
 *
 * <p>Lifecycle: {@link #start} once, then any number of concurrent {@link #send} calls from delivery workers, then
 * {@link #stop} once (and possibly again: stop must be idempotent). {@code send} is never called before
 * {@code start} returns nor after {@code stop} was called.
 */
public interface Driver {

    /**
     * The ports and HTTP routes {@link #start} will take: every route it registers with {@link
     * DriverContext#http(int)} and every port it opens itself. Called once after {@link DriverFactory#create} (by
     * {@code validate} too), before any driver starts, and only for settings without problems; the bridge reports a
     * port or route that two instances claim as a config error on the second one's setting, so {@code run} stops
     * before opening any port. Collisions between the claims of one instance are the driver's own to check.
     *
     * <p>The default claims nothing: such a driver's collisions are found only when it starts.
     */
    default List<PortClaim> portClaims() {
        return List.of();
    }

    /**
     * Starts the instance. Called once on the main thread, before the bridge opens its HTTP ports: HTTP routes must
     * be registered here with {@link DriverContext#http(int)}. Long-lived connections should be opened
     * asynchronously on {@link DriverContext#scheduler()} so that one slow platform does not delay the others.
     *
     * @throws Exception when the instance cannot start; the bridge reports it with the instance id and exits
     */
    void start(DriverContext context) throws Exception;

    /**
     * Delivers one message to the platform. Called from the bridge's delivery workers, possibly concurrently for
     * different channels but never concurrently for the same target channel. May block (for network I/O).
     *
     * <p>The same message may be handed over more than once (after a crash or a retry): {@link
     * OutboundMessage#deliveryId()} is stable across attempts and may be used as an idempotency key.
     *
     * @return the platform's id of the sent message, when it gives one
     * @throws DeliveryException classified as retryable or permanent; any other exception counts as retryable
     */
    SendResult send(OutboundMessage message) throws DeliveryException;

    /**
     * How long {@code message} must wait before it may be sent, for per-target rate limits (e.g. DingTalk custom
     * robots allow 20 messages a minute). Called by a delivery worker right before {@link #send}; a positive
     * answer postpones the delivery by that much without counting an attempt, so pacing delays messages and never
     * drops them. The default is no wait.
     */
    default Duration sendDelay(OutboundMessage message) {
        return Duration.ZERO;
    }

    /**
     * Checks a message the rules routed to this instance before it is recorded, for what the sender can correct
     * and the driver knows at once will never be sent: e.g. a chat group it does not have, a message type it does
     * not support. Called by the bridge on the publishing thread (an ingress's server thread) for every delivery
     * to this instance, before any delivery of the published message is recorded; must be quick, without I/O and
     * thread-safe. A non-null answer refuses the whole published message: publish fails with {@link
     * MessageRefusedException} carrying it, nothing is recorded, and an HTTP ingress answers 400. The default
     * accepts every message (problems then surface as {@link DeliveryException}s when sending).
     *
     * @return {@code null} to accept, or what is wrong, naming the attribute or field and the values it accepts
     *     (e.g. {@code xvchatgroup: no chat group 'dev' (known: ops, alerts)}); never a secret
     */
    default String refusal(OutboundMessage message) {
        return null;
    }

    /**
     * Stops the instance and releases its resources. Called once when the bridge shuts down, after its HTTP ports
     * are closed and in-flight deliveries finished or timed out. Must be idempotent and must not throw.
     */
    void stop();
}
