package io.chatbridge.core.delivery;

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

/**
 * Sends what the {@link DeliveryStore} holds: one dispatcher thread claims due deliveries (the head of each target
 * queue) and hands them to a bounded pool of workers that call {@link Driver#send}. A slow target occupies at most
 * the workers of its own queues' heads; ingress only appends to the store and never waits for a target.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    private final DeliveryStore store;
    private final Map<String, Driver> drivers;
    private final RetryPolicy retry;
    private final Clock clock;
    private final int workers;
    private final Duration lease;
    private final Duration pollInterval;
    private final ExecutorService pool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Deliveries being sent; their leases are renewed every third of a lease while the send lasts. */
    private final java.util.Set<DeliveryStore.PendingDelivery> sending =
            java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Instant nextRenewal = Instant.MIN;
    private volatile boolean running;
    private volatile boolean signalled;
    private Thread dispatcher;

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
                    return t;
                });
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

    /** Tells the dispatcher that new deliveries were appended. Cheap; called after every publish. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
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
        wake();
        try {
            dispatcher.join(timeout.toMillis());
            pool.shutdown();
            if (!pool.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
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
                    sending.add(d);
                    pool.execute(() -> {
                        try {
                            process(d);
                        } finally {
                            sending.remove(d);
                            inFlight.decrementAndGet();
                            wake();
                        }
                    });
                }
                if (batch.isEmpty() || inFlight.get() >= workers) {
                    awaitWork();
                }
            } catch (RuntimeException e) {
                LOG.error("delivery dispatcher: {}; retrying in 1 s", e.getMessage(), e);
                sleepQuietly(1000);
            }
        }
    }

    private void renewLeasesIfDue() {
        Instant now = clock.instant();
        if (sending.isEmpty() || now.isBefore(nextRenewal)) {
            return;
        }
        store.renew(List.copyOf(sending), now.plus(lease));
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

    private void process(DeliveryStore.PendingDelivery d) {
        OutboundMessage message = d.message();
        Driver driver = drivers.get(message.instanceId());
        Instant now = clock.instant();
        if (driver == null) {
            fail(d, "NO_DRIVER", "instance \"" + message.instanceId() + "\" is not configured", now);
            return;
        }
        if (containsSecret(message)) {
            LOG.warn("delivery {} of rule {} to {} blocked: the message contains a configured secret",
                    d.id(), message.ruleId(), message.instanceId());
            fail(d, "BLOCKED_SECRET", "blocked: the message contains a configured secret", now);
            return;
        }
        try {
            if (message.isRecall()) {
                recall(driver, message);
                store.delivered(d, null, clock.instant());
                return;
            }
            Duration delay = driver.sendDelay(message);
            if (delay != null && !delay.isNegative() && !delay.isZero()) {
                store.postpone(d, now.plus(delay));
                return;
            }
            SendResult result = driver.send(message);
            store.delivered(d, result == null ? null : result.platformMessageId(), clock.instant());
        } catch (DeliveryException e) {
            handleFailure(d, e, now);
        } catch (RuntimeException e) {
            handleFailure(d, new DeliveryException(DeliveryException.Category.RETRYABLE,
                    DeliveryException.Reason.INTERNAL, null, e.toString(), null, e), now);
        }
    }

    /**
     * A recall: the copies of the recalled message on this target (from the message links, complete because the
     * recall waited behind the message in the same queue), handed to {@link Driver#recall}; nothing to do when none
     * was delivered (an unknown id) or the target cannot recall, logged at debug.
     */
    private void recall(Driver driver, OutboundMessage m) throws DeliveryException {
        String channel = DeliveryStore.queueKey(m).substring(m.instanceId().length() + 1);
        String sourceInstance = m.source() == null ? null : m.source().instanceId();
        List<String> ids = new java.util.ArrayList<>();
        for (DeliveryStore.MessageLink link : store.links(sourceInstance, m.recallOf())) {
            if (link.targetInstance().equals(m.instanceId()) && link.targetChannel().equals(channel)
                    && link.targetMessageId() != null && !link.targetMessageId().isBlank()) {
                ids.add(link.targetMessageId());
            }
        }
        if (ids.isEmpty()) {
            LOG.debug("recall of message {} from {}: no copy was delivered to {} {}; nothing to recall",
                    m.recallOf(), sourceInstance, m.instanceId(), m.channel());
            return;
        }
        if (!driver.recall(m, ids)) {
            LOG.debug("recall of message {} from {}: {} cannot recall messages; its copy stays", m.recallOf(),
                    sourceInstance, m.instanceId());
        }
    }

    private void handleFailure(DeliveryStore.PendingDelivery d, DeliveryException e, Instant now) {
        OutboundMessage m = d.message();
        String error = Secrets.redact((e.code() == null ? "" : e.code() + ": ") + e.getMessage());
        if (!e.retryable()) {
            fail(d, null, error, now);
            return;
        }
        boolean tooOld = Duration.between(d.createdAt(), now).compareTo(retry.maxAge()) >= 0;
        if (m.attempt() >= retry.maxAttempts() || tooOld) {
            fail(d, null, error + (tooOld ? " (gave up: older than " + retry.maxAge() + ")"
                    : " (gave up after " + m.attempt() + " attempts)"), now);
            return;
        }
        Duration wait = retry.backoff(m.attempt(), e.retryAfter(), ThreadLocalRandom.current()::nextDouble);
        LOG.info("delivery {} to {} failed (attempt {}): {}; retrying in {} ms", d.id(), m.instanceId(),
                m.attempt(), error, wait.toMillis());
        store.retryLater(d, now.plus(wait), error);
    }

    private void fail(DeliveryStore.PendingDelivery d, String code, String error, Instant now) {
        String text = code == null ? error : code + ": " + error;
        LOG.warn("delivery {} of rule {} to {} moved to dead letters: {}", d.id(), d.message().ruleId(),
                d.message().instanceId(), text);
        store.deadLetter(d, text, now);
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
