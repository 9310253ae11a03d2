package io.chatbridge.core.delivery;

import io.chatbridge.spi.OutboundMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where deliveries wait until they are sent: the outbox. Implementations: {@link InMemoryDeliveryStore} (tests,
 * benchmarks, {@code database.path: ":memory:"}) and the durable SQL stores.
 *
 * <p>Deliveries of one queue (a target instance plus channel address, see {@link #queueKey}) are handed out in the
 * order they were appended, one at a time: the next is claimable only once the previous one was delivered or
 * dead-lettered. Different queues proceed independently.
 */
public interface DeliveryStore extends AutoCloseable {

    /**
     * Records the deliveries of one inbound message atomically, together with its de-duplication key.
     *
     * @param dedupKey a key such as {@code instance + "\n" + messageId}, or {@code null} for no de-duplication
     * @param deliveries the deliveries, possibly empty (the key is still recorded)
     * @return {@code false} (and nothing recorded) when {@code dedupKey} was recorded less than {@code window} ago
     * @throws StoreException when the store cannot record them
     */
    boolean append(String dedupKey, List<OutboundMessage> deliveries, Instant now, Duration window);

    /**
     * Records several inbound messages (e.g. one CloudEvents batch) in one transaction, without parking the caller
     * for the commit. The future completes with one {@code fresh} flag per message (see {@link #append}) once the
     * transaction committed (durably, for the durable stores), or exceptionally with a {@link StoreException} and
     * nothing recorded. It may complete on a store thread: continuations must be short. The default records them
     * one after the other on the calling thread.
     */
    default CompletableFuture<List<Boolean>> appendAsync(List<Append> messages, Instant now, Duration window) {
        try {
            List<Boolean> fresh = new ArrayList<>(messages.size());
            for (Append m : messages) {
                fresh.add(append(m.dedupKey(), m.deliveries(), now, window));
            }
            return CompletableFuture.completedFuture(fresh);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Forgets de-duplication keys older than {@code window} and message links past their retention. Called by the
     * bridge's scheduler about once a minute, never on an ingress thread. The default does nothing (a store that
     * bounds itself on the way).
     */
    default void prune(Instant now, Duration window) {
    }

    /**
     * Why the store can no longer record messages for good (its file was deleted), or {@code null}. Cheap: read on
     * every publish and by readiness.
     */
    default String unavailableReason() {
        return null;
    }

    /**
     * Tries a small acknowledging write, so a bridge whose appends failed can tell when the store works again
     * without waiting for a message. The default does nothing.
     *
     * @throws StoreException when the write fails
     */
    default void probeWrite() {
    }

    /**
     * Claims up to {@code max} deliveries due at {@code now}: the head of each queue whose head is not claimed by
     * anyone (or whose claim expired). A claim lasts {@code lease}; past it another worker may take the delivery.
     */
    List<PendingDelivery> claim(int max, Instant now, Duration lease);

    /**
     * Extends the claims of deliveries still being sent to {@code leaseUntil}, so a send slower than the lease is
     * not taken over (and sent twice) by another worker or replica. Claims already lost stay lost.
     */
    void renew(java.util.Collection<PendingDelivery> deliveries, Instant leaseUntil);

    /** The delivery was sent; records the target's message id for later replies and recalls. */
    void delivered(PendingDelivery delivery, String targetMessageId, Instant now);

    /**
     * The delivery was sent as these target messages (the parts of a split message, in order; empty when the
     * target gave no id); records one message link per part, so a reply to any part finds the source message and
     * a recall reaches every part. The default records them as one id joined with {@code ","}.
     */
    default void deliveredParts(PendingDelivery delivery, List<String> targetMessageIds, Instant now) {
        delivered(delivery, targetMessageIds.isEmpty() ? null : String.join(",", targetMessageIds), now);
    }

    /**
     * {@link #deliveredParts}, then claims the next delivery of the same queue when it is due at {@code now} and
     * unclaimed (as {@link #claim} would hand it out), in one write: the worker that sent a delivery goes on with
     * the one behind it without a round through the dispatcher. {@code null} when there is none (or the delivery's
     * claim was lost); the default records and claims nothing more.
     */
    default PendingDelivery deliveredAndClaimNext(PendingDelivery delivery, List<String> targetMessageIds,
                                                  Instant now, Duration lease) {
        deliveredParts(delivery, targetMessageIds, now);
        return null;
    }

    /** The attempt failed and will be retried at {@code nextAttempt}; counts an attempt. */
    void retryLater(PendingDelivery delivery, Instant nextAttempt, String error);

    /** The delivery must wait (rate limit) until {@code notBefore}; does not count an attempt. */
    void postpone(PendingDelivery delivery, Instant notBefore);

    /** The delivery failed for good; moves it to the dead letters with {@code error}. */
    void deadLetter(PendingDelivery delivery, String error, Instant now);

    /** The earliest time a pending, unclaimed delivery becomes due, or {@code null} when none is pending. */
    Instant nextDue();

    /** Dead letters, oldest first, at most {@code limit}. */
    List<DeadLetter> deadLetters(int limit);

    /**
     * Moves a dead letter back to its queue (at the end), due now, with a fresh attempt count and age (so
     * {@code max_attempts} and {@code max_age} apply anew); {@code false} when there is no such id.
     */
    boolean retryDeadLetter(long id, Instant now);

    /** Moves every dead letter back; returns how many. */
    int retryAllDeadLetters(Instant now);

    /** Deletes a dead letter; {@code false} when there is no such id. */
    boolean dropDeadLetter(long id);

    /** Counts for {@code outbox stats}. */
    OutboxStats stats(Instant now);

    /** Where the messages that {@code sourceMessageId} (of {@code sourceInstance}) produced were delivered. */
    List<MessageLink> links(String sourceInstance, String sourceMessageId);

    /**
     * Like {@link #links}, also for the source messages whose id is {@code messageId} followed by a newline and a
     * qualifier: the webhook ingress gives a CloudEvent the id {@code source\nid\nfingerprint}, and a recall names
     * the event by {@code source\nid} alone, recalling every event that reused that id (with another type or
     * target). The default matches the id exactly.
     */
    default List<MessageLink> linksOfIdOrQualified(String sourceInstance, String messageId) {
        return links(sourceInstance, messageId);
    }

    /**
     * The other direction of {@link #links}: which source messages a target's message id was delivered for (a
     * reply or recall in the target names its own message id).
     */
    List<SourceLink> sources(String targetInstance, String targetMessageId);

    @Override
    void close();

    /** The queue a delivery belongs to: target instance plus its address in a canonical form. */
    static String queueKey(OutboundMessage message) {
        return message.instanceId() + " " + Canonical.json(message.channel());
    }

    /**
     * One inbound message to record.
     *
     * @param dedupKey see {@link DeliveryStore#append}, may be {@code null}
     * @param deliveries its deliveries, possibly empty
     */
    record Append(String dedupKey, List<OutboundMessage> deliveries) {
    }

    /**
     * A claimed delivery.
     *
     * @param id the store's id
     * @param queueKey see {@link DeliveryStore#queueKey}
     * @param message the message (its {@code attempt} is the attempt about to be made)
     * @param createdAt when it was appended
     * @param claimToken identifies this claim, so a late worker cannot complete a delivery re-claimed by another
     */
    record PendingDelivery(long id, String queueKey, OutboundMessage message, Instant createdAt, String claimToken) {
    }

    /**
     * A delivery that failed for good.
     *
     * @param id the id to use with {@code dlq retry} / {@code dlq drop}
     * @param message the message
     * @param error the last error
     * @param attempts attempts made
     * @param createdAt when it was accepted
     * @param failedAt when it was given up
     */
    record DeadLetter(long id, OutboundMessage message, String error, int attempts, Instant createdAt,
                      Instant failedAt) {
    }

    /**
     * Outbox counts.
     *
     * @param pending deliveries waiting or in flight
     * @param inFlight deliveries claimed right now
     * @param delivered deliveries delivered (since the store was created)
     * @param dead dead letters
     * @param oldestPending when the oldest pending delivery was accepted, or {@code null}
     */
    record OutboxStats(long pending, long inFlight, long delivered, long dead, Instant oldestPending) {
    }

    /**
     * One delivered copy of a source message.
     *
     * @param ruleId the rule
     * @param targetInstance the target instance
     * @param targetChannel the target address as canonical JSON
     * @param targetMessageId the id the target gave it, may be {@code null}
     */
    record MessageLink(String ruleId, String targetInstance, String targetChannel, String targetMessageId) {
    }

    /**
     * The source message a delivered copy came from.
     *
     * @param sourceInstance the instance the message arrived on
     * @param sourceMessageId its id there
     * @param ruleId the rule that delivered it
     */
    record SourceLink(String sourceInstance, String sourceMessageId, String ruleId) {
    }
}
