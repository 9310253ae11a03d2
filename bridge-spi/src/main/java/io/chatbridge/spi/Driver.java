package io.chatbridge.spi;

import io.chatbridge.spi.DeliveryException.Reason;
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
     * Recalls (deletes) the copies this instance delivered of a message whose sender deleted it at the source
     * ({@link OutboundMessage#isRecall()}). Called by a delivery worker instead of {@link #send} for a recall
     * delivery, which waits in the same queue as the message it recalls, so it runs after that message's delivery
     * finished; {@link #sendDelay} is asked first, as for a send, and it is retried like a send when it throws a
     * retryable exception. May block for network I/O.
     *
     * @param recall the recall delivery (its {@link OutboundMessage#channel()} is where the copies are)
     * @param targetMessageIds the ids this instance's {@link #send} returned for the copies
     *     ({@link SendResult#platformMessageId()}, possibly several comma-separated)
     * @return {@code true} when recalled; {@code false} when this target cannot recall (the default), which the
     *     bridge logs at debug and counts as done
     */
    default boolean recall(OutboundMessage recall, List<String> targetMessageIds) throws DeliveryException {
        return false;
    }

    /**
     * A URL where {@code attachment}, which this instance received, can be fetched now: for platforms whose
     * attachment links expire (DingTalk turns the {@link Attachment#sourceRef() downloadCode} into a URL valid for
     * a short time). Called by the bridge from a delivery worker of the <em>target</em> instance, at send time, when
     * that target asks {@link DriverContext#attachmentUrl}; may block for network I/O and be called concurrently.
     * The default answers {@link Attachment#url()}.
     *
     * @return the URL, or {@code null} when the attachment has none
     * @throws DeliveryException when it cannot be resolved: retryable (network, throttling) or permanent (the
     *     reference expired or is unknown: the target then sends a line naming the attachment instead)
     */
    default String attachmentUrl(Attachment attachment) throws DeliveryException {
        return attachment.url();
    }

    /**
     * The bytes of {@code attachment}, which this instance received, read now. Called like {@link #attachmentUrl}
     * (target's delivery worker, at send time, through {@link DriverContext#openAttachment}); may block. The
     * default fetches {@link #attachmentUrl} with {@link AttachmentFetch}.
     *
     * @param maxBytes the bridge's {@code global.media.max_bytes}: more is an {@link AttachmentTooLargeException}
     */
    default AttachmentContent openAttachment(Attachment attachment, long maxBytes) throws DeliveryException {
        String url = attachmentUrl(attachment);
        if (url == null || url.isBlank()) {
            throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE,
                    (attachment.name() == null ? "attachment" : attachment.name()) + ": the source gives no link");
        }
        return AttachmentFetch.get(url, attachment.name(), maxBytes);
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
