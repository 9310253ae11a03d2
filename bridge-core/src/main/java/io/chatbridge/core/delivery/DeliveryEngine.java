package io.chatbridge.core.delivery;

import io.chatbridge.core.logging.PrintableText;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.SendResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Sends what the {@link DeliveryStore} holds: one dispatcher thread claims due deliveries (the head of each target
 * queue) and hands them to a bounded pool of workers that call {@link Driver#send}. A slow target occupies at most
 * the workers of its own queues' heads; ingress only appends to the store and never waits for a target.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    private final DeliveryStore store;
    private volatile Map<String, Driver> drivers;
    private final RetryPolicy retry;
    private final Clock clock;
    private final int workers;
    private final Duration lease;
    private final Duration pollInterval;
    private final ExecutorService pool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * Deliveries being sent, by id (a record key would hash the whole message each time); their leases are renewed
     * every third of a lease while the send lasts.
     */
    private final Map<Long, DeliveryStore.PendingDelivery> sending = new ConcurrentHashMap<>();
    private Instant nextRenewal = Instant.MIN;
    private volatile boolean running;
    private volatile boolean signalled;
    private Thread dispatcher;
    private volatile Duration storeRetryFirst = Duration.ofMillis(100);
    private volatile Duration storeRetryMax = Duration.ofSeconds(5);

    /**
     * @param drivers started drivers by instance id
     * @param workers concurrent sends at most
     * @param lease how long a claim lasts before another worker (or replica) may take the delivery over
     * @param pollInterval how often to look for work appended by other processes (shared databases)
     */
    public DeliveryEngine(DeliveryStore store, Map<String, Driver> drivers, RetryPolicy retry, Clock clock,
                          int workers, Duration lease, Duration pollInterval) {
        this.store = store;
        this.drivers = Map.copyOf(drivers);
        this.retry = retry;
        this.clock = clock;
        this.workers = workers;
        this.lease = lease;
        this.pollInterval = pollInterval;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "delivery-" + n.incrementAndGet());
                    t.setDaemon(true);
                    // the last resort: a worker catches everything itself (see runWorker), so this only logs
                    t.setUncaughtExceptionHandler((thread, e) ->
                            LOG.error("{}: unexpected {}; the pool starts another worker", thread.getName(), e, e));
                    return t;
                });
    }

    /** How long a worker waits before writing a delivery's outcome again after the store failed (doubling). */
    void storeRetryDelays(Duration first, Duration max) {
        this.storeRetryFirst = first;
        this.storeRetryMax = max;
    }

    /** Starts the dispatcher; pending deliveries (e.g. from before a restart) go out at once. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        dispatcher = new Thread(this::dispatchLoop, "delivery-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /**
     * Tells the dispatcher that deliveries were appended; called after every publish. While every worker is busy
     * this does nothing: the dispatcher could claim nothing now, and the first worker to finish wakes it anyway
     * (it then claims what was appended meanwhile). Under load that saves the dispatcher a wake-up per message.
     */
    public void appended() {
        if (inFlight.get() < workers) {
            wake();
        }
    }

    /** Wakes the dispatcher: something it may claim or must notice changed. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends from now on go to {@code next} (a reload restarted, added or removed instances); sends in flight finish
     * on the driver they started with, see {@link #awaitIdle}.
     */
    public void drivers(Map<String, Driver> next) {
        this.drivers = Map.copyOf(next);
        wake();
    }

    /**
     * Waits up to {@code timeout} until no delivery to {@code instanceId} is being sent: a reload stops an old
     * driver only after its in-flight sends. Returns whether none is left.
     */
    public boolean awaitIdle(String instanceId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sending.values().stream().anyMatch(d -> d.message().instanceId().equals(instanceId))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Deliveries being sent right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Stops claiming new work and waits up to {@code timeout} for sends in flight. Deliveries not finished stay in
     * the store (claimed until their lease expires, then redelivered).
     */
    public void stop(Duration timeout) {
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        wake();
        try {
            // one deadline for the dispatcher and the workers together: never twice the timeout
            dispatcher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            pool.shutdown();
            if (!pool.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.warn("{} deliveries still in flight after {} s; they will be redelivered on the next start",
                        inFlight.get(), timeout.toSeconds());
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    private void dispatchLoop() {
        while (running) {
            try {
                renewLeasesIfDue();
                int free = workers - inFlight.get();
                List<DeliveryStore.PendingDelivery> batch = free > 0
                        ? store.claim(free, clock.instant(), lease) : List.of();
                for (DeliveryStore.PendingDelivery d : batch) {
                    inFlight.incrementAndGet();
                    sending.put(d.id(), d);
                    pool.execute(() -> runWorker(d));
                }
                if (batch.isEmpty() || inFlight.get() >= workers) {
                    awaitWork();
                }
            } catch (StoreException e) {
                LOG.error("delivery dispatcher: {}; retrying in 1 s", e.getMessage());
                sleepQuietly(1000);
            } catch (Throwable e) {
                LOG.error("delivery dispatcher: unexpected {}; retrying in 1 s", e.toString(), e);
                sleepQuietly(1000);
            }
        }
    }

    private void renewLeasesIfDue() {
        Instant now = clock.instant();
        if (sending.isEmpty() || now.isBefore(nextRenewal)) {
            return;
        }
        store.renew(List.copyOf(sending.values()), now.plus(lease));
        nextRenewal = now.plus(lease.dividedBy(3));
    }

    private void awaitWork() {
        Instant next = inFlight.get() >= workers ? null : store.nextDue();
        long waitMs = Math.min(pollInterval.toMillis(), Math.max(1, lease.dividedBy(3).toMillis()));
        if (next != null) {
            waitMs = Math.min(waitMs, Math.max(0, Duration.between(clock.instant(), next).toMillis()));
        }
        lock.lock();
        try {
            if (!signalled && waitMs > 0 && running) {
                changed.await(waitMs, TimeUnit.MILLISECONDS);
            }
            signalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One delivery on a worker thread, then the ones behind it in the same queue that the store hands over with its
     * delivered mark ({@link DeliveryStore#deliveredAndClaimNext}), at most {@link #MAX_CHAIN} in a row so that other
     * queues get the worker too. Catches everything: a worker thread never dies of a delivery.
     */
    private void runWorker(DeliveryStore.PendingDelivery first) {
        DeliveryStore.PendingDelivery d = first;
        int sent = 0;
        try {
            while (d != null) {
                DeliveryStore.PendingDelivery next = null;
                try {
                    next = process(d, ++sent < MAX_CHAIN);
                } catch (Throwable e) {
                    // a bug (ours or a driver's) past the handling in process: the claim's lease expiring sends it
                    // again
                    LOG.error("delivery {} to {}: unexpected {}; the worker carries on", d.id(),
                            d.message().instanceId(), e.toString(), e);
                }
                if (next != null && !running) {
                    giveBack(next); // the engine stopped meanwhile: not sent now, due again at the next start
                    next = null;
                }
                if (next != null) {
                    sending.put(next.id(), next); // before the one sent leaves: awaitIdle never sees a gap
                }
                sending.remove(d.id(), d); // not another claim of the same id (a lease that expired meanwhile)
                d = next;
            }
        } finally {
            inFlight.decrementAndGet();
            wake();
        }
    }

    /** Unclaims a delivery handed over to a worker after the engine stopped (its lease would expire otherwise). */
    private void giveBack(DeliveryStore.PendingDelivery d) {
        try {
            store.postpone(d, clock.instant());
        } catch (RuntimeException e) {
            LOG.debug("delivery {}: could not give its claim back while stopping ({}); it is due after its lease",
                    d.id(), e.getMessage());
        }
    }

    /** Deliveries one worker sends from the same queue in a row before it lets the dispatcher choose again. */
    static final int MAX_CHAIN = 8;

    /** What the engine reports as it works (metrics); every method is called on a delivery worker. */
    public interface Events {
        /** No events. */
        Events NONE = new Events() {
        };

        /** One {@code Driver.send} call returned ({@code ok}) or threw, after {@code took}. */
        default void sendCall(OutboundMessage message, Duration took, boolean ok) {
        }

        /** A delivery was sent and recorded, {@code sinceAccepted} after it was accepted. */
        default void sent(OutboundMessage message, Duration sinceAccepted) {
        }

        /** A recall delivery was done: what it did on its target (before {@link #sent} for it). */
        default void recalled(OutboundMessage recall, RecallOutcome outcome) {
        }

        /** An attempt failed with {@code code}; {@code willRetry} tells whether it is retried or dead-lettered. */
        default void failed(OutboundMessage message, String code, boolean willRetry) {
        }
    }

    /** What a recall delivery did on its target. */
    public enum RecallOutcome {
        /** The target recalled its copies. */
        RECALLED("recalled"),
        /** No copy of the message was delivered to the target (an unknown id, or a message that matched no rule). */
        NOTHING_DELIVERED("nothing_delivered"),
        /** The target cannot recall messages (or gave no id for its copy); its copy stays. */
        NOT_SUPPORTED("not_supported");

        private final String label;

        RecallOutcome(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    private volatile Events events = Events.NONE;

    /** Reports sends and failures to {@code events} from now on. */
    public void events(Events events) {
        this.events = events == null ? Events.NONE : events;
    }

    /**
     * One delivery, with its instance, rule and id in the log context (the JSON log format shows them). With
     * {@code takeNext}, a delivery that was sent comes back with the next one of its queue when that is due (claimed
     * in the same write as the delivered mark); otherwise, and after a failure, {@code null}.
     */
    private DeliveryStore.PendingDelivery process(DeliveryStore.PendingDelivery d, boolean takeNext) {
        OutboundMessage message = d.message();
        MDC.put("instance", message.instanceId());
        MDC.put("rule", message.ruleId());
        MDC.put("delivery", String.valueOf(d.id()));
        try {
            return processInContext(d, takeNext);
        } finally {
            MDC.remove("instance");
            MDC.remove("rule");
            MDC.remove("delivery");
        }
    }

    private DeliveryStore.PendingDelivery processInContext(DeliveryStore.PendingDelivery d, boolean takeNext) {
        OutboundMessage message = d.message();
        Driver driver = drivers.get(message.instanceId());
        if (driver == null) {
            fail(d, "NO_DRIVER", "instance \"" + message.instanceId() + "\" is not configured", clock.instant());
            return null;
        }
        if (containsSecret(message)) {
            LOG.warn("delivery {} of rule {} to {} blocked: the message contains a configured secret",
                    d.id(), message.ruleId(), message.instanceId());
            fail(d, "BLOCKED_SECRET", "blocked: the message contains a configured secret", clock.instant());
            return null;
        }
        SendResult result;
        long begin = System.nanoTime();
        try {
            Duration delay = driver.sendDelay(message);
            if (delay != null && !delay.isNegative() && !delay.isZero()) {
                Instant notBefore = clock.instant().plus(delay);
                record(d, "postpone", () -> store.postpone(d, notBefore));
                return null;
            }
            begin = System.nanoTime();
            // a recall goes to Driver.recall instead of send, with the same retries, records and events
            result = message.isRecall() ? recall(driver, message) : driver.send(message);
            events.sendCall(message, Duration.ofNanos(System.nanoTime() - begin), true);
        } catch (DeliveryException e) {
            events.sendCall(message, Duration.ofNanos(System.nanoTime() - begin), false);
            // the time after the send: a send that timed out after 30 s is retried after its backoff from then
            handleFailure(d, e, clock.instant());
            return null;
        } catch (Throwable e) {
            if (e instanceof OutOfMemoryError oom) {
                throw oom; // runWorker logs it; nothing here can handle it
            }
            events.sendCall(message, Duration.ofNanos(System.nanoTime() - begin), false);
            // a driver bug (an unchecked exception, even an Error): a retryable failure of this delivery
            handleFailure(d, new DeliveryException(DeliveryException.Category.RETRYABLE,
                    DeliveryException.Reason.INTERNAL, null, e.toString(), null, e), clock.instant());
            return null;
        }
        // sent: from here on a store failure is retried as a store write, never as a second send
        List<String> targetIds = result == null ? List.of() : result.partMessageIds();
        Instant sent = clock.instant();
        DeliveryStore.PendingDelivery next = null;
        if (takeNext && running) {
            next = recorded(d, "record as delivered", () -> store.deliveredAndClaimNext(d, targetIds, sent, lease));
        } else {
            record(d, "record as delivered", () -> store.deliveredParts(d, targetIds, sent));
        }
        try {
            events.sent(message, Duration.between(d.createdAt(), sent));
        } catch (RuntimeException e) {
            // metrics must not strand the delivery handed over with the delivered mark
            LOG.warn("delivery {}: reporting the send failed: {}", d.id(), e.toString());
        }
        return next;
    }

    /**
     * Writes a delivery's outcome, retrying while the store fails (full disk, database down): the delivery stays
     * claimed (its lease is renewed meanwhile) and its outcome waits here in memory, so a message that was sent is
     * never sent again because its record failed. Gives up only when the engine stops; the lease then expires and
     * the delivery is sent again (at least once).
     */
    private void record(DeliveryStore.PendingDelivery d, String what, Runnable write) {
        recorded(d, what, () -> {
            write.run();
            return null;
        });
    }

    /** {@link #record} of a write with a result; {@code null} when the engine stopped before the write succeeded. */
    private <T> T recorded(DeliveryStore.PendingDelivery d, String what, java.util.function.Supplier<T> write) {
        Duration wait = storeRetryFirst;
        for (int attempt = 1; ; attempt++) {
            try {
                T result = write.get();
                if (attempt > 1) {
                    LOG.info("delivery {}: {} succeeded after {} attempts", d.id(), what, attempt);
                }
                return result;
            } catch (RuntimeException e) {
                if (!running || Thread.currentThread().isInterrupted()) {
                    LOG.error("delivery {} to {}: could not {} ({}); stopping, so it will be sent again after its "
                            + "lease", d.id(), d.message().instanceId(), what, e.getMessage());
                    return null;
                }
                LOG.warn("delivery {} to {}: could not {} ({}); writing it again in {} ms (not sending again)",
                        d.id(), d.message().instanceId(), what, e.getMessage(), wait.toMillis());
                sleepQuietly(wait.toMillis());
                Duration doubled = wait.multipliedBy(2);
                wait = doubled.compareTo(storeRetryMax) > 0 ? storeRetryMax : doubled;
            }
        }
    }

    /**
     * A recall: the copies of the recalled message on this target (from the message links, complete because the
     * recall waited behind the message in the same queue), handed to {@link Driver#recall}; nothing to do when none
     * was delivered (an unknown id) or the target cannot recall, logged at debug.
     */
    private SendResult recall(Driver driver, OutboundMessage m) throws DeliveryException {
        String channel = DeliveryStore.queueKey(m).substring(m.instanceId().length() + 1);
        String sourceInstance = m.source() == null ? null : m.source().instanceId();
        List<DeliveryStore.MessageLink> links;
        try {
            links = store.linksOfIdOrQualified(sourceInstance, m.recallOf());
        } catch (StoreException e) {
            // nothing was recalled yet: trying again later is safe
            throw new DeliveryException(DeliveryException.Category.RETRYABLE, DeliveryException.Reason.INTERNAL,
                    null, "recall of message " + m.recallOf() + ": message links not readable: " + e.getMessage(),
                    null, e);
        }
        List<String> ids = new java.util.ArrayList<>();
        boolean copyWithoutId = false;
        for (DeliveryStore.MessageLink link : links) {
            if (link.targetInstance().equals(m.instanceId()) && link.targetChannel().equals(channel)) {
                if (link.targetMessageId() != null && !link.targetMessageId().isBlank()) {
                    ids.add(link.targetMessageId());
                } else {
                    copyWithoutId = true;
                }
            }
        }
        if (ids.isEmpty() && copyWithoutId) {
            LOG.debug("recall of message {} from {}: {} gave no id for its copy; it cannot be recalled there",
                    m.recallOf(), sourceInstance, m.instanceId());
            events.recalled(m, RecallOutcome.NOT_SUPPORTED);
            return null;
        }
        if (ids.isEmpty()) {
            LOG.debug("recall of message {} from {}: no copy was delivered to {} {}; nothing to recall",
                    m.recallOf(), sourceInstance, m.instanceId(), m.channel());
            events.recalled(m, RecallOutcome.NOTHING_DELIVERED);
            return null;
        }
        if (!driver.recall(m, ids)) {
            LOG.debug("recall of message {} from {}: {} cannot recall messages; its copy stays", m.recallOf(),
                    sourceInstance, m.instanceId());
            events.recalled(m, RecallOutcome.NOT_SUPPORTED);
            return null;
        }
        events.recalled(m, RecallOutcome.RECALLED);
        return null;
    }

    private void handleFailure(DeliveryStore.PendingDelivery d, DeliveryException e, Instant now) {
        OutboundMessage m = d.message();
        // remote answers may carry binary garbage or quote secrets back: printable, bounded, masked
        String error = PrintableText.of(Secrets.redact((e.code() == null ? "" : e.code() + ": ") + e.getMessage()));
        if (!e.retryable()) {
            deadLetter(d, e.code(), error, now);
            return;
        }
        boolean tooOld = Duration.between(d.createdAt(), now).compareTo(retry.maxAge()) >= 0;
        if (m.attempt() >= retry.maxAttempts() || tooOld) {
            deadLetter(d, e.code(), error + (tooOld ? " (gave up: older than " + retry.maxAge() + ")"
                    : " (gave up after " + m.attempt() + " attempts)"), now);
            return;
        }
        events.failed(m, e.code(), true);
        Duration wait = retry.backoff(m.attempt(), e.retryAfter(), ThreadLocalRandom.current()::nextDouble);
        LOG.info("delivery {} to {} failed (attempt {}): {}; retrying in {} ms", d.id(), m.instanceId(),
                m.attempt(), error, wait.toMillis());
        record(d, "reschedule", () -> store.retryLater(d, now.plus(wait), error));
    }

    /** A failure found before any send ({@code NO_DRIVER}, {@code BLOCKED_SECRET}). */
    private void fail(DeliveryStore.PendingDelivery d, String code, String error, Instant now) {
        deadLetter(d, code, code + ": " + error, now);
    }

    private void deadLetter(DeliveryStore.PendingDelivery d, String code, String text, Instant now) {
        events.failed(d.message(), code, false);
        LOG.warn("delivery {} of rule {} to {} moved to dead letters: {}", d.id(), d.message().ruleId(),
                d.message().instanceId(), text);
        record(d, "move to dead letters", () -> store.deadLetter(d, text, now));
    }

    private static boolean containsSecret(OutboundMessage m) {
        if (Secrets.containsSecret(m.text())) {
            return true;
        }
        if (m.header() != null && (Secrets.containsSecret(m.header().title())
                || Secrets.containsSecret(m.header().content()))) {
            return true;
        }
        RichContent rich = m.rich();
        return rich != null && Secrets.containsSecret(rich.fallbackText());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
