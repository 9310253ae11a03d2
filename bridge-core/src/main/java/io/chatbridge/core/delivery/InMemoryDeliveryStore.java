package io.chatbridge.core.delivery;

import io.chatbridge.spi.OutboundMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DeliveryStore} in memory: same ordering and retry semantics as the durable stores, nothing survives a
 * restart. Used by tests and benchmarks, and when {@code global.database.path} is {@code ":memory:"}.
 */
public final class InMemoryDeliveryStore implements DeliveryStore {

    /** How many delivered messages' links are kept for {@link #links}. */
    static final int MAX_LINKS = 100_000;
    /**
     * How many de-duplication keys are kept at most (about 15 MB). Past it the oldest keys are forgotten before
     * their window ends: memory stays bounded at any message rate, at the price of a shorter de-duplication window
     * above {@code MAX_DEDUP_KEYS / dedup_window} messages per second (the durable stores have no such limit).
     */
    static final int MAX_DEDUP_KEYS = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryDeliveryStore.class);

    private final Map<String, ArrayDeque<Entry>> queues = new LinkedHashMap<>();
    /** De-duplication keys in the order they were recorded, so expired ones are dropped from the front. */
    private final LinkedHashMap<String, Instant> dedup = new LinkedHashMap<>();
    private final Map<Long, DeadLetter> dead = new LinkedHashMap<>();
    /** The most recent {@link #MAX_LINKS} deliveries' links: memory stays bounded however long the bridge runs. */
    private final ArrayDeque<Link> links = new ArrayDeque<>();
    private boolean dedupCapWarned;
    private long nextId = 1;
    private long delivered;

    @Override
    public synchronized boolean append(String dedupKey, List<OutboundMessage> deliveries, Instant now,
                                       Duration window) {
        if (dedupKey != null) {
            Instant seen = dedup.get(dedupKey);
            if (seen != null && seen.plus(window).isAfter(now)) {
                return false;
            }
            // re-inserted at the end, so the map stays ordered by time and expiry only ever looks at its front
            dedup.remove(dedupKey);
            dedup.put(dedupKey, now);
            for (Iterator<Instant> it = dedup.values().iterator(); it.hasNext(); ) {
                boolean expired = !it.next().plus(window).isAfter(now);
                if (!expired && dedup.size() <= MAX_DEDUP_KEYS) {
                    break;
                }
                if (!expired && !dedupCapWarned) {
                    dedupCapWarned = true;
                    LOG.warn("more than {} messages within the de-duplication window of {}: the in-memory store "
                            + "forgets the oldest message ids early; use the durable store (global.database) for "
                            + "this rate", MAX_DEDUP_KEYS, window);
                }
                it.remove();
            }
        }
        for (OutboundMessage message : deliveries) {
            String key = DeliveryStore.queueKey(message);
            queues.computeIfAbsent(key, k -> new ArrayDeque<>()).add(new Entry(nextId++, key, message, now));
        }
        return true;
    }

    @Override
    public synchronized List<PendingDelivery> claim(int max, Instant now, Duration lease) {
        List<PendingDelivery> out = new ArrayList<>();
        for (ArrayDeque<Entry> queue : queues.values()) {
            if (out.size() >= max) {
                break;
            }
            PendingDelivery d = claimHead(queue, now, lease);
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    /** The head of {@code queue}, claimed, when it is due and unclaimed; otherwise {@code null}. */
    private PendingDelivery claimHead(ArrayDeque<Entry> queue, Instant now, Duration lease) {
        Entry head = queue == null ? null : queue.peekFirst();
        if (head == null || head.notBefore.isAfter(now)
                || (head.claimToken != null && head.leaseUntil.isAfter(now))) {
            return null;
        }
        head.claimToken = RandomIds.next();
        head.leaseUntil = now.plus(lease);
        return new PendingDelivery(head.id, head.queueKey, head.message.withAttempt(head.attempts + 1),
                head.createdAt, head.claimToken);
    }

    @Override
    public synchronized PendingDelivery deliveredAndClaimNext(PendingDelivery d, List<String> targetMessageIds,
                                                              Instant now, Duration lease) {
        if (claimed(d) == null) {
            return null;
        }
        deliveredParts(d, targetMessageIds, now);
        return claimHead(queues.get(d.queueKey()), now, lease);
    }

    @Override
    public synchronized void renew(java.util.Collection<PendingDelivery> deliveries, Instant leaseUntil) {
        for (PendingDelivery d : deliveries) {
            Entry e = claimed(d);
            if (e != null) {
                e.leaseUntil = leaseUntil;
            }
        }
    }

    @Override
    public synchronized void delivered(PendingDelivery d, String targetMessageId, Instant now) {
        deliveredParts(d, targetMessageId == null ? List.of() : List.of(targetMessageId), now);
    }

    @Override
    public synchronized void deliveredParts(PendingDelivery d, List<String> targetMessageIds, Instant now) {
        Entry e = claimed(d);
        if (e == null) {
            return;
        }
        queues.get(e.queueKey).pollFirst();
        delivered++;
        OutboundMessage m = e.message;
        List<String> ids = targetMessageIds.isEmpty() ? java.util.Collections.singletonList(null) : targetMessageIds;
        for (String id : ids) {
            links.addLast(new Link(m.source().instanceId(), m.source().messageId(), new MessageLink(m.ruleId(),
                    m.instanceId(), Canonical.json(m.channel()), id)));
        }
        while (links.size() > MAX_LINKS) {
            links.removeFirst();
        }
    }

    @Override
    public synchronized void retryLater(PendingDelivery d, Instant nextAttempt, String error) {
        Entry e = claimed(d);
        if (e != null) {
            e.attempts++;
            e.lastError = error;
            e.notBefore = nextAttempt;
            e.claimToken = null;
        }
    }

    @Override
    public synchronized void postpone(PendingDelivery d, Instant notBefore) {
        Entry e = claimed(d);
        if (e != null) {
            e.notBefore = notBefore;
            e.claimToken = null;
        }
    }

    @Override
    public synchronized void deadLetter(PendingDelivery d, String error, Instant now) {
        Entry e = claimed(d);
        if (e == null) {
            return;
        }
        queues.get(e.queueKey).pollFirst();
        dead.put(e.id, new DeadLetter(e.id, e.message, error, e.attempts + 1, e.createdAt, now));
    }

    @Override
    public synchronized Instant nextDue() {
        Instant next = null;
        for (ArrayDeque<Entry> queue : queues.values()) {
            Entry head = queue.peekFirst();
            if (head == null) {
                continue;
            }
            Instant due = head.claimToken != null ? head.leaseUntil : head.notBefore;
            if (next == null || due.isBefore(next)) {
                next = due;
            }
        }
        return next;
    }

    @Override
    public synchronized List<DeadLetter> deadLetters(int limit) {
        return dead.values().stream().limit(limit).toList();
    }

    @Override
    public synchronized boolean retryDeadLetter(long id, Instant now) {
        DeadLetter letter = dead.remove(id);
        if (letter == null) {
            return false;
        }
        String key = DeliveryStore.queueKey(letter.message());
        queues.computeIfAbsent(key, k -> new ArrayDeque<>())
                .add(new Entry(nextId++, key, letter.message().withAttempt(1), now));
        return true;
    }

    @Override
    public synchronized int retryAllDeadLetters(Instant now) {
        List<Long> ids = new ArrayList<>(dead.keySet());
        ids.forEach(id -> retryDeadLetter(id, now));
        return ids.size();
    }

    @Override
    public synchronized boolean dropDeadLetter(long id) {
        return dead.remove(id) != null;
    }

    @Override
    public synchronized OutboxStats stats(Instant now) {
        long pending = 0;
        long inFlight = 0;
        Instant oldest = null;
        for (ArrayDeque<Entry> queue : queues.values()) {
            pending += queue.size();
            Entry head = queue.peekFirst();
            if (head != null && head.claimToken != null && head.leaseUntil.isAfter(now)) {
                inFlight++;
            }
            for (Entry e : queue) {
                if (oldest == null || e.createdAt.isBefore(oldest)) {
                    oldest = e.createdAt;
                }
            }
        }
        return new OutboxStats(pending, inFlight, delivered, dead.size(), oldest);
    }

    @Override
    public synchronized List<MessageLink> links(String sourceInstance, String sourceMessageId) {
        return links.stream()
                .filter(l -> l.instance.equals(sourceInstance) && sourceMessageId.equals(l.messageId))
                .map(Link::link).toList();
    }

    @Override
    public synchronized List<MessageLink> linksOfIdOrQualified(String sourceInstance, String messageId) {
        String qualified = messageId + "\n";
        return links.stream()
                .filter(l -> l.instance.equals(sourceInstance) && l.messageId != null
                        && (l.messageId.equals(messageId) || l.messageId.startsWith(qualified)))
                .map(Link::link).toList();
    }

    @Override
    public synchronized List<SourceLink> sources(String targetInstance, String targetMessageId) {
        return links.stream()
                .filter(l -> l.link.targetInstance().equals(targetInstance)
                        && targetMessageId.equals(l.link.targetMessageId()))
                .map(l -> new SourceLink(l.instance, l.messageId, l.link.ruleId())).toList();
    }

    @Override
    public void close() {
        // nothing to release
    }

    private Entry claimed(PendingDelivery d) {
        ArrayDeque<Entry> queue = queues.get(d.queueKey());
        if (queue == null) {
            return null;
        }
        for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.id == d.id()) {
                return d.claimToken().equals(e.claimToken) ? e : null;
            }
        }
        return null;
    }

    private static final class Entry {
        final long id;
        final String queueKey;
        final OutboundMessage message;
        final Instant createdAt;
        int attempts;
        Instant notBefore;
        String claimToken;
        Instant leaseUntil;
        String lastError;

        Entry(long id, String queueKey, OutboundMessage message, Instant createdAt) {
            this.id = id;
            this.queueKey = queueKey;
            this.message = message;
            this.createdAt = createdAt;
            this.notBefore = createdAt;
        }
    }

    private record Link(String instance, String messageId, MessageLink link) {
    }
}
