package io.chatbridge.core;

import io.chatbridge.core.admin.AdminServer;
import io.chatbridge.core.config.GlobalSettings;
import io.chatbridge.core.config.InstanceDefinition;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.delivery.DeliveryEngine;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStores;
import io.chatbridge.core.delivery.JdbcDeliveryStore;
import io.chatbridge.core.delivery.RetryPolicy;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.core.http.HttpServers;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.metrics.BridgeMetrics;
import io.chatbridge.core.routing.Router;
import io.chatbridge.core.routing.UnmatchedMessages;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentContent;
import io.chatbridge.spi.AttachmentTooLargeException;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.DriverMetrics;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.MessageRefusedException;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PublishResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running bridge: drivers started, HTTP ports open, deliveries flowing. Built from a valid {@link Setup} with
 * {@link #start}; {@link #close} shuts it down gracefully (stop accepting, let in-flight deliveries finish for a
 * bounded time, stop drivers).
 */
public final class Bridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

    private volatile Setup setup;
    private final Secrets secrets;
    private final Clock clock;
    private final HttpServers http;
    private final String httpHost;
    private final InstanceHealth health = new InstanceHealth();
    /** Set once by {@link #startAll}, when the store opened and before {@link #accepting} turns true. */
    private volatile DeliveryStore store;
    /** The store opening on its own thread while the drivers start; {@code null} before {@link #start}. */
    private volatile CompletableFuture<DeliveryStore> storeOpening;
    private volatile Router router;
    /** Shared by every router this bridge builds: the counts are since start, across reloads. */
    private final UnmatchedMessages unmatched;
    private final java.util.function.Supplier<Setup> reloadSource;
    /** Created by {@link #startAll} once the store is open; {@code null} before. */
    private volatile DeliveryEngine engine;
    private final RetryPolicy retryPolicy;
    private final Duration pollInterval;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Driver> started = new LinkedHashMap<>();
    /** The running drivers as publish threads see them: replaced whole by start and reload, never changed. */
    private volatile Map<String, Driver> liveDrivers = Map.of();
    /** JVM and process metrics are bound on the store's opening thread ({@link #openStore}). */
    private final BridgeMetrics metrics = BridgeMetrics.withoutJvmMetrics();
    private volatile AdminServer admin;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean accepting;
    private volatile boolean closed;
    /** Why the last append failed, until an append or a probe write succeeds again; {@code null} when fine. */
    private volatile String storeFailure;

    private Bridge(Setup setup, Options options, Secrets secrets) {
        this.setup = setup;
        this.secrets = secrets;
        this.clock = options.clock;
        this.unmatched = new UnmatchedMessages(clock, metrics::unrouted);
        GlobalSettings global = setup.global();
        this.httpHost = options.httpHost != null ? options.httpHost : global.httpHost();
        this.http = new HttpServers(httpHost);
        http.readiness(this::readiness);
        this.router = router(setup, clock);
        this.reloadSource = options.reloadSource;
        this.retryPolicy = new RetryPolicy(global.maxAttempts(), global.maxAge(),
                options.retryBase != null ? options.retryBase : global.backoffBase(), global.backoffMax());
        this.pollInterval = options.pollInterval != null ? options.pollInterval : global.pollInterval();
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "bridge-scheduler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a bridge. The store opens (and migrates) on a thread of its own while the drivers start and the HTTP
     * ports open on this one; the bridge accepts messages and {@code /healthz} answers 200 only once all of them
     * are done. When the store cannot open, its error is the one reported (also when a driver or port failed
     * meanwhile), after the drivers and ports already started were stopped.
     *
     * @throws IllegalArgumentException when the setup is not valid
     * @throws BridgeStartException when a driver, port or the store cannot start; nothing is left running
     */
    public static Bridge start(Setup setup, Options options) {
        if (!setup.valid()) {
            throw new IllegalArgumentException("invalid setup:\n" + Setup.render(setup.errors()));
        }
        long begin = System.nanoTime();
        // this bridge's secrets, masked in log lines while it runs (Logback's converters see every live bridge's)
        Secrets secrets = new Secrets().add(setup.sensitiveValues()).live();
        Bridge bridge = new Bridge(setup, options, secrets);
        try {
            bridge.storeOpening = bridge.openStore(options.store);
            bridge.startAll();
        } catch (RuntimeException | Error e) {
            bridge.close();
            throw e;
        }
        LOG.info("bridge started in {} ms: {} instance(s), {} rule(s), ports {}",
                (System.nanoTime() - begin) / 1_000_000, setup.instances().size(), setup.rules().size(),
                bridge.http.boundPorts().values());
        return bridge;
    }

    /**
     * Opens the store {@code global.database} names (or takes {@code given}) and binds the JVM metrics, on a new
     * thread: both take a few hundred milliseconds of class loading and file work that need nothing the drivers
     * do. The future fails with the {@link StoreException} of a store that cannot open; a store it opened is
     * closed again if binding the metrics fails after it.
     */
    private CompletableFuture<DeliveryStore> openStore(DeliveryStore given) {
        JdbcDeliveryStore.Reservation reserved;
        try {
            // at once: a file another bridge uses is refused before any driver starts (a second Stream connection)
            reserved = given != null ? null : DeliveryStores.reserve(setup.global());
        } catch (StoreException e) {
            throw new BridgeStartException(e.getMessage(), e);
        }
        CompletableFuture<DeliveryStore> opened = new CompletableFuture<>();
        Thread opening = new Thread(() -> {
            try {
                DeliveryStore s = given != null ? given : DeliveryStores.open(setup.global(), reserved);
                try {
                    metrics.bindJvmMetrics();
                } catch (RuntimeException | Error e) {
                    if (given == null) {
                        s.close();
                    }
                    throw e;
                }
                opened.complete(s);
            } catch (Throwable e) {
                if (reserved != null) {
                    reserved.close(); // a no-op once the store took the lock (it released it when it failed)
                }
                opened.completeExceptionally(e);
            }
        }, "bridge-store-open");
        opening.setDaemon(true);
        opening.start();
        return opened;
    }

    /** Waits for {@link #openStore}; its failure as thrown there (a {@link StoreException} as the start error). */
    private DeliveryStore awaitStore() {
        try {
            return storeOpening.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StoreException store) {
                throw new BridgeStartException(store.getMessage(), store);
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private void startAll() {
        RuntimeException failed = null;
        try {
            startDriversAndPorts();
        } catch (RuntimeException e) {
            failed = e;
        }
        DeliveryStore opened;
        try {
            opened = awaitStore();
        } catch (RuntimeException e) {
            // the store's error first, as when it opened before anything else: the other failure may follow
            // from the same cause (a second bridge on the same file and the same ports)
            if (failed != null) {
                e.addSuppressed(failed);
            }
            throw e;
        }
        store = opened;
        if (failed != null) {
            throw failed;
        }
        engine = new DeliveryEngine(store, Map.of(), retryPolicy, clock, setup.global().workers(),
                setup.global().lease(), pollInterval);
        engine.events(new DeliveryEngine.Events() {
            @Override
            public void sendCall(OutboundMessage message, Duration took, boolean ok) {
                metrics.sendCall(message.instanceId(), platformOf(message.instanceId()), took, ok ? "ok" : "failed");
            }

            @Override
            public void sent(OutboundMessage message, Duration sinceAccepted) {
                metrics.sent(message.instanceId(), BridgeMetrics.kind(message.isRecall()), sinceAccepted);
            }

            @Override
            public void recalled(OutboundMessage recall, DeliveryEngine.RecallOutcome outcome) {
                metrics.recall(recall.instanceId(), outcome.label());
            }

            @Override
            public void failed(OutboundMessage message, String code, boolean willRetry) {
                String kind = BridgeMetrics.kind(message.isRecall());
                if (willRetry) {
                    metrics.retried(message.instanceId(), kind, code);
                } else {
                    metrics.deadLettered(message.instanceId(), kind, code);
                }
            }
        });
        registerOutboxGauges();
        http.onAnswer((owner, status) -> {
            // 503 is counted where the store refused (store_unavailable); 2xx by the publish itself
            if (owner != null && status >= 400 && status != 503) {
                metrics.received(owner, "rejected", rejection(status));
            }
        });
        liveDrivers = Map.copyOf(started);
        engine.drivers(started);
        engine.start();
        scheduleMaintenance();
        accepting = true;
        http.markReady();
        for (String id : setup.instances().keySet()) {
            metrics.instanceHealth(id, () -> health.of(id).orElse(null));
        }
        if (setup.global().admin().enabled()) {
            try {
                admin = AdminServer.start(setup.global().admin(), new AdminBackend(this));
            } catch (IllegalStateException ex) {
                throw new BridgeStartException(ex.getMessage(), ex);
            }
        }
    }

    /** Starts every driver (on this thread, as the SPI says) and opens the HTTP ports they registered. */
    private void startDriversAndPorts() {
        for (Map.Entry<String, Driver> e : setup.drivers().entrySet()) {
            String id = e.getKey();
            InstanceDefinition def = setup.instances().get(id);
            try {
                e.getValue().start(new InstanceContext(def, setup.driverConfigs().get(id),
                        port -> http.routes(port, id)));
                started.put(id, e.getValue());
            } catch (Exception ex) {
                throw new BridgeStartException("instance \"" + id + "\" (" + def.platform() + ") failed to start: "
                        + secrets.mask(String.valueOf(ex.getMessage())), ex);
            }
        }
        setup.drivers().forEach((id, driver) -> {
            for (io.chatbridge.spi.PortClaim claim : driver.portClaims()) {
                if (!claim.isOwnServer()) {
                    http.nameSetting(claim.port(), setup.instances().get(id).platform() + "." + id + "."
                            + claim.portSetting());
                }
            }
        });
        if (http.isEmpty()) {
            LOG.info("no instance listens for HTTP; no port opened");
        } else {
            try {
                http.start();
            } catch (IllegalStateException ex) {
                throw new BridgeStartException(ex.getMessage(), ex);
            }
        }
    }

    /** The {@code reason} label of a request an ingress refused with {@code status}. */
    static String rejection(int status) {
        return switch (status) {
            case 400, 422 -> "bad_request";
            case 401, 403 -> "unauthorized";
            case 404, 405 -> "no_route";
            case 408 -> "timeout";
            case 413 -> "too_large";
            case 415 -> "unsupported_type";
            case 429 -> "rate_limited";
            default -> status >= 500 ? "error" : "status_" + status;
        };
    }

    private String platformOf(String instanceId) {
        InstanceDefinition def = setup.instances().get(instanceId);
        return def == null ? "" : def.platform();
    }

    /** Outbox gauges, read from the store at most every 5 s however often Prometheus scrapes. */
    private void registerOutboxGauges() {
        OutboxSnapshot snapshot = new OutboxSnapshot();
        metrics.gauge("chatbridge_outbox_pending", "Deliveries waiting to be sent", snapshot,
                o -> o.read().pending());
        metrics.gauge("chatbridge_outbox_in_flight", "Deliveries being sent now", snapshot,
                o -> o.read().inFlight());
        metrics.gauge("chatbridge_outbox_dead_letters", "Dead letters kept", snapshot, o -> o.read().dead());
        metrics.gauge("chatbridge_outbox_oldest_pending_age_seconds", "Age of the oldest pending delivery",
                snapshot, o -> o.read().oldestPendingAgeSeconds());
    }

    /** The outbox counts, cached for five seconds; NaN while the store cannot answer. */
    private final class OutboxSnapshot {
        private record Counts(double pending, double inFlight, double dead, double oldestPendingAgeSeconds,
                              long readAtNanos) {
        }

        private Counts counts;

        synchronized Counts read() {
            long nowNanos = System.nanoTime();
            if (counts == null || nowNanos - counts.readAtNanos() > TimeUnit.SECONDS.toNanos(5)) {
                try {
                    Instant now = clock.instant();
                    DeliveryStore.OutboxStats stats = store.stats(now);
                    double age = stats.oldestPending() == null ? 0
                            : Math.max(0, Duration.between(stats.oldestPending(), now).toMillis() / 1000.0);
                    counts = new Counts(stats.pending(), stats.inFlight(), stats.dead(), age, nowNanos);
                } catch (StoreException e) {
                    counts = new Counts(Double.NaN, Double.NaN, Double.NaN, Double.NaN, nowNanos);
                }
            }
            return counts;
        }
    }

    /** A router for {@code setup}'s rules, sharing {@link #unmatched} (made with {@code clock}) with the others. */
    private Router router(Setup setup, Clock clock) {
        Map<String, String> platformOf = new LinkedHashMap<>();
        setup.instances().forEach((id, def) -> platformOf.put(id, def.platform()));
        return new Router(setup.rules(), platformOf, setup.global().strictEchoMatch(), unmatched);
    }

    /**
     * Re-reads config.json and rules.json (SIGHUP, {@code POST /admin/reload}, {@code global.watch_files}) and
     * swaps the new rules in atomically: messages accepted after the swap follow them, deliveries already in the
     * outbox go out as planned. An invalid edit is refused whole, with the same problems {@code validate}
     * prints, and the running configuration stays.
     */
    public synchronized AdminServer.ReloadResult reload() {
        if (closed || reloadSource == null) {
            return refused(closed ? "the bridge is stopping" : "this bridge was not started from files", List.of());
        }
        Setup next;
        try {
            next = reloadSource.get();
        } catch (RuntimeException e) {
            return refused("could not read the files: " + secrets.mask(String.valueOf(e.getMessage())), List.of());
        }
        if (!next.valid()) {
            List<String> problems = Setup.render(next.errors()).lines().toList();
            return refused(problems.size() + " problem(s) in the new files", problems);
        }
        if (!next.global().equals(setup.global())) {
            return refused("global settings changed; they apply when the bridge restarts", List.of());
        }
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String id : next.instances().keySet()) {
            InstanceDefinition before = setup.instances().get(id);
            InstanceDefinition after = next.instances().get(id);
            if (before == null) {
                added.add(id);
            } else if (!before.platform().equals(after.platform())
                    || !java.util.Objects.equals(before.settings().value(), after.settings().value())) {
                changed.add(id);
            }
        }
        for (String id : setup.instances().keySet()) {
            if (!next.instances().containsKey(id)) {
                removed.add(id);
            }
        }
        java.util.Set<String> retiring = new java.util.HashSet<>(changed);
        retiring.addAll(removed);
        List<String> starting = new ArrayList<>(added);
        starting.addAll(changed);

        // masked from here on: what the new instances log while they start, and a failure reported below
        secrets.add(next.sensitiveValues());
        // 1. start the new and changed instances next to the running ones, their routes staged, not yet served
        HttpServers.Staging staging = http.stage(retiring);
        Map<String, Driver> startedNow = new LinkedHashMap<>();
        try {
            for (String id : starting) {
                InstanceDefinition def = next.instances().get(id);
                Driver driver = next.drivers().get(id);
                for (io.chatbridge.spi.PortClaim claim : driver.portClaims()) {
                    if (!claim.isOwnServer()) {
                        staging.nameSetting(claim.port(), def.platform() + "." + id + "." + claim.portSetting());
                    }
                }
                driver.start(new InstanceContext(def, next.driverConfigs().get(id), port -> staging.routes(port, id)));
                startedNow.put(id, driver);
            }
            staging.open();
        } catch (Exception e) {
            staging.abort();
            startedNow.values().forEach(Bridge::stopQuietly);
            String reason = e instanceof IllegalStateException ? e.getMessage()
                    : "an instance failed to start: " + e.getMessage();
            return refused(secrets.mask(String.valueOf(reason)), List.of());
        }

        // 2. swap: rules, drivers and routes at once
        Map<String, Driver> retired = new LinkedHashMap<>();
        retiring.forEach(id -> retired.put(id, started.remove(id)));
        started.putAll(startedNow);
        liveDrivers = Map.copyOf(started);
        engine.drivers(started);
        int rulesBefore = setup.rules().size();
        router = router(next, clock);
        setup = next;
        List<Integer> unusedPorts = staging.commit();
        startedNow.keySet().forEach(id -> metrics.instanceHealth(id, () -> health.of(id).orElse(null)));
        removed.forEach(health::forget);

        // 3. stop what was replaced, after its sends in flight
        for (Map.Entry<String, Driver> old : retired.entrySet()) {
            try {
                if (!engine.awaitIdle(old.getKey(), setup.global().shutdownTimeout())) {
                    LOG.warn("instance {}: sends still in flight after {}; stopping its old driver anyway",
                            old.getKey(), setup.global().shutdownTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopQuietly(old.getValue());
        }
        http.close(unusedPorts);
        metrics.reload("applied");
        StringBuilder summary = new StringBuilder("reloaded: " + rulesBefore + " → " + next.rules().size()
                + " rule(s)");
        if (!added.isEmpty()) {
            summary.append("; started ").append(String.join(", ", added));
        }
        if (!changed.isEmpty()) {
            summary.append("; restarted ").append(String.join(", ", changed));
        }
        if (!removed.isEmpty()) {
            summary.append("; stopped ").append(String.join(", ", removed));
        }
        LOG.info("{}", summary);
        return new AdminServer.ReloadResult(true, summary.toString(), List.of());
    }

    private static void stopQuietly(Driver driver) {
        if (driver == null) {
            return;
        }
        try {
            driver.stop();
        } catch (RuntimeException e) {
            LOG.warn("a driver did not stop cleanly: {}", e.toString());
        }
    }

    private AdminServer.ReloadResult refused(String summary, List<String> problems) {
        metrics.reload("refused");
        LOG.warn("reload refused, the running configuration stays: {}{}", summary,
                problems.isEmpty() ? "" : "\n" + String.join("\n", problems));
        return new AdminServer.ReloadResult(false, summary, problems);
    }

    /** The secrets this bridge masks. */
    Secrets secrets() {
        return secrets;
    }

    /** The clock the bridge runs on. */
    public Clock clock() {
        return clock;
    }

    /** The bridge's metrics. */
    public BridgeMetrics metrics() {
        return metrics;
    }

    /** The actual port of the admin server, or -1 when there is none. */
    public int adminPort() {
        AdminServer server = admin;
        return server == null ? -1 : server.port();
    }

    /** The setup the bridge runs. */
    Setup setup() {
        return setup;
    }

    /**
     * On the scheduler, never on an ingress thread: pruning expired de-duplication keys and links once a minute,
     * and while appends fail, a probe write every second so readiness recovers by itself when the store does.
     */
    private void scheduleMaintenance() {
        Duration window = setup.global().dedupWindow();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                store.prune(clock.instant(), window);
            } catch (RuntimeException e) {
                LOG.warn("outbox: pruning failed: {}", e.getMessage());
            }
        }, 5, 60, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::probeStoreIfFailing, 1, 1, TimeUnit.SECONDS);
    }

    private void probeStoreIfFailing() {
        if (storeFailure == null || store.unavailableReason() != null) {
            return;
        }
        try {
            store.probeWrite();
            storeFailure = null;
            LOG.info("outbox: {} records messages again", store);
        } catch (RuntimeException e) {
            storeFailure = String.valueOf(e.getMessage());
        }
    }

    /**
     * Whether the bridge can take messages now: not while starting or stopping, not while the outbox cannot
     * record (its file was deleted, or appends fail until a write succeeds again), not while an instance reports
     * {@link DriverHealth.State#FAILED}. Cheap; {@code GET /readyz} on every port and on the admin port.
     */
    public Readiness readiness() {
        if (!accepting) {
            return Readiness.notReady(closed ? "the bridge is stopping" : "the bridge is starting");
        }
        String gone = store.unavailableReason();
        if (gone != null) {
            return Readiness.notReady(gone);
        }
        String failing = storeFailure;
        if (failing != null) {
            return Readiness.notReady("the outbox cannot record messages: " + failing);
        }
        // the drivers' reported health (DriverContext.reportHealth): an instance that failed for good makes the
        // bridge not ready; one reconnecting does not (it comes back by itself, the others still receive)
        for (Map.Entry<String, DriverHealth> e : health().entrySet()) {
            if (e.getValue().state() == DriverHealth.State.FAILED) {
                return Readiness.notReady("instance " + e.getKey() + " failed: " + e.getValue().reason());
            }
        }
        return Readiness.READY;
    }

    /** The actual port of the server configured on {@code configuredPort} (they differ only for port 0). */
    public int port(int configuredPort) {
        return http.boundPort(configuredPort);
    }

    /** Every open port: configured → actual. */
    public Map<Integer, Integer> ports() {
        return http.boundPorts();
    }

    /**
     * The latest connection health each instance reported (instances whose drivers never report are absent), for
     * readiness and the admin status. A snapshot, by instance id.
     */
    public Map<String, DriverHealth> health() {
        return health.snapshot();
    }

    /**
     * How many published messages matched no rule since start, reloads included (answered 2xx, logged once per
     * channel per window).
     */
    public long unmatchedMessages() {
        return unmatched.total();
    }

    /** {@link #unmatchedMessages()} by source instance id (sorted). */
    public Map<String, Long> unmatchedMessagesByInstance() {
        return unmatched.byInstance();
    }

    /** The outbox. */
    public DeliveryStore store() {
        return store;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** Graceful shutdown; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("bridge stopping");
        // one deadline for the whole shutdown: what the engine does not use is left for the rest
        long deadline = System.nanoTime() + setup.global().shutdownTimeout().toNanos();
        accepting = false;
        http.stopAccepting();
        DeliveryEngine running = engine;
        if (running != null) {
            running.stop(remaining(deadline));
        }
        List<String> ids = new ArrayList<>(started.keySet());
        java.util.Collections.reverse(ids);
        for (String id : ids) {
            try {
                started.get(id).stop();
            } catch (RuntimeException e) {
                LOG.warn("instance {} did not stop cleanly: {}", id, e.toString());
            }
        }
        http.stop();
        AdminServer server = admin;
        if (server != null) {
            server.close();
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(Math.max(1, remaining(deadline).toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeStore();
        LOG.info("bridge stopped");
        secrets.close();
        stopped.countDown();
    }

    /**
     * Closes the store; when start failed before it was taken over, waits for its opening thread first, so that
     * a store that opened meanwhile (its lock, its watchdog) is not left behind.
     */
    private void closeStore() {
        DeliveryStore open = store;
        CompletableFuture<DeliveryStore> opening = storeOpening;
        if (open == null && opening != null) {
            try {
                open = opening.join();
            } catch (CompletionException | CancellationException e) {
                // it did not open: nothing to close (start reports why)
            }
        }
        if (open != null) {
            open.close();
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** Publishes a message as if instance {@code instanceId} had received it (tests, tools). */
    public PublishResult publish(String instanceId, InboundMessage message) {
        InstanceDefinition def = setup.instances().get(instanceId);
        if (def == null) {
            throw new IllegalArgumentException("unknown instance " + instanceId);
        }
        return publish(def, message);
    }

    private PublishResult publish(InstanceDefinition def, InboundMessage raw) {
        try {
            return publishAllAsync(def, List.of(raw)).get().get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeUnavailableException("interrupted while recording the message", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new BridgeUnavailableException("could not record the message", cause);
        }
    }

    /**
     * Routes the messages and records all of them in one store transaction. Never parks the caller: the future
     * completes when the outbox committed (on the store's committer thread), or exceptionally with
     * {@link BridgeUnavailableException} (nothing recorded).
     */
    private CompletableFuture<List<PublishResult>> publishAllAsync(InstanceDefinition def, List<InboundMessage> raw) {
        if (!accepting) {
            return CompletableFuture.failedFuture(new BridgeUnavailableException(
                    "the bridge is not accepting messages (starting or stopping)", null));
        }
        String gone = store.unavailableReason();
        if (gone != null) {
            metrics.received(def.id(), "rejected", "store_unavailable");
            return CompletableFuture.failedFuture(new BridgeUnavailableException(
                    "the bridge cannot record messages: its outbox is gone", null));
        }
        List<InboundMessage> messages = new ArrayList<>(raw.size());
        List<DeliveryStore.Append> appends = new ArrayList<>(raw.size());
        int total = 0;
        Router current = router;
        try {
            for (InboundMessage r : raw) {
                InboundMessage message = r.withOrigin(def.platform(), def.id());
                // a recall goes where its rules route it and wherever a copy was delivered (RecallTargets)
                List<OutboundMessage> routed = message.isRecall() ? current.preview(message) : current.route(message);
                MessageRefusedException refused = refusal(routed);
                if (refused != null) {
                    // the whole request is refused (400), nothing recorded: a sender's mistake, not a dead letter
                    return CompletableFuture.failedFuture(refused);
                }
                // a reply reads the quoted message's links (one indexed read, only for a message that quotes)
                Setup now = setup;
                List<OutboundMessage> deliveries = message.isRecall()
                        ? RecallTargets.complete(store, message, routed, now.instances()::containsKey)
                        : MentionMapping.apply(message, ReplyQuotes.resolve(store, message, routed),
                                id -> now.instances().containsKey(id) ? now.instances().get(id).platform() : null,
                                now.identities());
                String dedupKey = message.id() == null ? null : def.id() + "\n" + message.id();
                messages.add(message);
                appends.add(new DeliveryStore.Append(dedupKey, deliveries));
                total += deliveries.size();
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        boolean anyDelivery = total > 0;
        CompletableFuture<List<PublishResult>> published = new CompletableFuture<>();
        CompletableFuture<List<Boolean>> committed;
        try {
            committed = store.appendAsync(appends, clock.instant(), setup.global().dedupWindow());
        } catch (RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        committed.whenComplete((fresh, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                storeFailure = String.valueOf(cause.getMessage());
                LOG.error("could not record {} message(s) from {}: {}", messages.size(), def.id(), cause.getMessage());
                for (int i = 0; i < messages.size(); i++) {
                    metrics.received(def.id(), "rejected", "store_unavailable");
                }
                published.completeExceptionally(new BridgeUnavailableException("could not record the message", cause));
                return;
            }
            storeFailure = null;
            if (anyDelivery) {
                engine.appended();
            }
            List<PublishResult> results = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                InboundMessage message = messages.get(i);
                List<OutboundMessage> deliveries = appends.get(i).deliveries();
                if (!fresh.get(i)) {
                    metrics.received(def.id(), "duplicate", null);
                    LOG.debug("duplicate message {} from {} ignored", message.id(), def.id());
                    results.add(new PublishResult(PublishResult.Status.DUPLICATE, 0));
                } else {
                    metrics.received(def.id(), "accepted", null);
                    for (OutboundMessage delivery : deliveries) {
                        metrics.routed(delivery.ruleId());
                    }
                    LOG.debug("message {} from {} {} routed to {} target(s)", message.id(), def.id(),
                            message.channel(), deliveries.size());
                    results.add(new PublishResult(PublishResult.Status.ACCEPTED, deliveries.size()));
                }
            }
            published.complete(results);
        });
        return published;
    }

    /**
     * The first target driver's refusal of one of {@code deliveries} (see {@link Driver#refusal}), as the exception
     * the ingress answers 400 with, or {@code null} when every target takes its delivery.
     */
    private MessageRefusedException refusal(List<OutboundMessage> deliveries) {
        for (OutboundMessage delivery : deliveries) {
            Driver target = liveDrivers.get(delivery.instanceId());
            String problem = target == null ? null : target.refusal(delivery);
            if (problem != null) {
                return new MessageRefusedException(delivery.instanceId(), problem);
            }
        }
        return null;
    }

    /** The {@link DriverContext} of one instance. */
    private final class InstanceContext implements DriverContext {
        private final InstanceDefinition def;
        private final DriverConfig config;

        private final DriverMetrics driverMetrics;
        private final java.util.function.IntFunction<HttpRoutes> routes;

        InstanceContext(InstanceDefinition def, DriverConfig config, java.util.function.IntFunction<HttpRoutes> routes) {
            this.def = def;
            this.config = config;
            this.routes = routes;
            this.driverMetrics = metrics.forDriver(def.platform(), def.id());
        }

        @Override
        public String instanceId() {
            return def.id();
        }

        @Override
        public String platform() {
            return def.platform();
        }

        @Override
        public DriverConfig config() {
            return config;
        }

        /** Completes when the outbox commit of its batch committed, on the committer thread; never parks. */
        @Override
        public CompletionStage<PublishResult> publishAsync(InboundMessage message) {
            CompletableFuture<PublishResult> one = new CompletableFuture<>();
            Bridge.this.publishAllAsync(def, List.of(message)).whenComplete((results, failure) -> {
                if (failure != null) {
                    one.completeExceptionally(failure);
                } else {
                    one.complete(results.get(0));
                }
            });
            return one;
        }

        /** The whole batch in one store transaction: all recorded, or none (503). */
        @Override
        public CompletionStage<List<PublishResult>> publishAllAsync(List<InboundMessage> messages) {
            return Bridge.this.publishAllAsync(def, messages);
        }

        /** Asks the instance the message came from, so a link that expired while the delivery waited is renewed. */
        @Override
        public String attachmentUrl(OutboundMessage message, Attachment attachment) throws DeliveryException {
            Driver source = sourceDriver(message);
            return source == null ? attachment.url() : source.attachmentUrl(attachment);
        }

        @Override
        public AttachmentContent openAttachment(OutboundMessage message, Attachment attachment)
                throws DeliveryException {
            long max = mediaMaxBytes();
            if (attachment.size() > max) {
                throw new AttachmentTooLargeException(attachment.name(), attachment.size(), max);
            }
            Driver source = sourceDriver(message);
            return source == null ? DriverContext.super.openAttachment(message, attachment)
                    : source.openAttachment(attachment, max);
        }

        private Driver sourceDriver(OutboundMessage message) {
            return message.source() == null || message.source().instanceId() == null ? null
                    : liveDrivers.get(message.source().instanceId());
        }

        @Override
        public HttpRoutes http(int port) {
            return routes.apply(port);
        }

        @Override
        public String refusal(InboundMessage message) {
            MessageRefusedException refused = Bridge.this.refusal(
                    router.preview(message.withOrigin(def.platform(), def.id())));
            return refused == null ? null : refused.getMessage();
        }

        @Override
        public void secret(String value) {
            secrets.addRuntime(def.id(), value);
        }

        @Override
        public String bindHost() {
            return httpHost;
        }

        @Override
        public void reportHealth(DriverHealth report) {
            health.report(def.id(), def.platform(), report);
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public DriverMetrics metrics() {
            return driverMetrics;
        }

    }

    /** Start-up options beyond the files (mostly for tests). */
    public static final class Options {
        private Clock clock = Clock.systemUTC();
        private DeliveryStore store;
        private String httpHost;
        private Duration retryBase;
        private Duration pollInterval;
        private java.util.function.Supplier<Setup> reloadSource;

        /** The clock for routing, retries and drivers. */
        public Options clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Use this store instead of the one {@code global.database} names. */
        public Options store(DeliveryStore store) {
            this.store = store;
            return this;
        }

        /** Bind HTTP servers to this host instead of {@code global.http.host}. */
        public Options httpHost(String host) {
            this.httpHost = host;
            return this;
        }

        /** The wait after a first failure instead of {@code global.delivery.backoff_base} (tests use milliseconds). */
        public Options retryBase(Duration base) {
            this.retryBase = base;
            return this;
        }

        /** Where {@link Bridge#reload()} reads the files again (the same files and environment as at start). */
        public Options reloadFrom(java.util.function.Supplier<Setup> source) {
            this.reloadSource = source;
            return this;
        }

        /** How often to look for work appended by other replicas, instead of {@code global.delivery.poll_interval}. */
        public Options pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }
    }
}
