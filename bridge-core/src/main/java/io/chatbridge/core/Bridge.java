package io.chatbridge.core;

import io.chatbridge.core.config.GlobalSettings;
import io.chatbridge.core.config.InstanceDefinition;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.delivery.DeliveryEngine;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStores;
import io.chatbridge.core.delivery.RetryPolicy;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.core.http.HttpServers;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.routing.Router;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PublishResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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

    private final Setup setup;
    private final Clock clock;
    private final HttpServers http;
    private final String httpHost;
    private final InstanceHealth health = new InstanceHealth();
    private final DeliveryStore store;
    private final Router router;
    private final DeliveryEngine engine;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Driver> started = new LinkedHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean accepting;
    private volatile boolean closed;
    /** Why the last append failed, until an append or a probe write succeeds again; {@code null} when fine. */
    private volatile String storeFailure;

    private Bridge(Setup setup, Options options) {
        this.setup = setup;
        this.clock = options.clock;
        GlobalSettings global = setup.global();
        this.httpHost = options.httpHost != null ? options.httpHost : global.httpHost();
        this.http = new HttpServers(httpHost);
        http.readiness(this::readiness);
        this.store = options.store != null ? options.store : DeliveryStores.open(global);
        Map<String, String> platformOf = new LinkedHashMap<>();
        setup.instances().forEach((id, def) -> platformOf.put(id, def.platform()));
        this.router = new Router(setup.rules(), platformOf, global.strictEchoMatch());
        this.engine = new DeliveryEngine(store, setup.drivers(),
                new RetryPolicy(global.maxAttempts(), global.maxAge(),
                        options.retryBase != null ? options.retryBase : global.backoffBase(), global.backoffMax()),
                clock, global.workers(), global.lease(),
                options.pollInterval != null ? options.pollInterval : global.pollInterval());
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "bridge-scheduler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a bridge.
     *
     * @throws IllegalArgumentException when the setup is not valid
     * @throws BridgeStartException when a driver, port or the store cannot start; nothing is left running
     */
    public static Bridge start(Setup setup, Options options) {
        if (!setup.valid()) {
            throw new IllegalArgumentException("invalid setup:\n" + Setup.render(setup.errors()));
        }
        long begin = System.nanoTime();
        Secrets.register(setup.sensitiveValues());
        Bridge bridge;
        try {
            bridge = new Bridge(setup, options);
        } catch (StoreException e) {
            throw new BridgeStartException(e.getMessage(), e);
        }
        try {
            bridge.startAll();
        } catch (RuntimeException e) {
            bridge.close();
            throw e;
        }
        LOG.info("bridge started in {} ms: {} instance(s), {} rule(s), ports {}",
                (System.nanoTime() - begin) / 1_000_000, setup.instances().size(), setup.rules().size(),
                bridge.http.boundPorts().values());
        return bridge;
    }

    private void startAll() {
        for (Map.Entry<String, Driver> e : setup.drivers().entrySet()) {
            String id = e.getKey();
            InstanceDefinition def = setup.instances().get(id);
            try {
                e.getValue().start(new InstanceContext(def, setup.driverConfigs().get(id)));
                started.put(id, e.getValue());
            } catch (Exception ex) {
                throw new BridgeStartException("instance \"" + id + "\" (" + def.platform() + ") failed to start: "
                        + Secrets.redact(String.valueOf(ex.getMessage())), ex);
            }
        }
        if (http.isEmpty()) {
            LOG.info("no instance listens for HTTP; no port opened");
        } else {
            try {
                http.start();
            } catch (IllegalStateException ex) {
                throw new BridgeStartException(ex.getMessage(), ex);
            }
        }
        engine.start();
        scheduleMaintenance();
        accepting = true;
        http.markReady();
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
     * {@link DriverHealth.State#FAILED}. Cheap; {@code GET /readyz} on every port.
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
        engine.stop(remaining(deadline));
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
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(Math.max(1, remaining(deadline).toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        LOG.info("bridge stopped");
        stopped.countDown();
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
            return CompletableFuture.failedFuture(new BridgeUnavailableException(
                    "the bridge cannot record messages: its outbox is gone", null));
        }
        List<InboundMessage> messages = new ArrayList<>(raw.size());
        List<DeliveryStore.Append> appends = new ArrayList<>(raw.size());
        int total = 0;
        try {
            for (InboundMessage r : raw) {
                InboundMessage message = r.withOrigin(def.platform(), def.id());
                List<OutboundMessage> deliveries = router.route(message);
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
                published.completeExceptionally(new BridgeUnavailableException("could not record the message", cause));
                return;
            }
            storeFailure = null;
            if (anyDelivery) {
                engine.wake();
            }
            List<PublishResult> results = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                InboundMessage message = messages.get(i);
                int deliveries = appends.get(i).deliveries().size();
                if (!fresh.get(i)) {
                    LOG.debug("duplicate message {} from {} ignored", message.id(), def.id());
                    results.add(new PublishResult(PublishResult.Status.DUPLICATE, 0));
                } else {
                    LOG.debug("message {} from {} {} routed to {} target(s)", message.id(), def.id(),
                            message.channel(), deliveries);
                    results.add(new PublishResult(PublishResult.Status.ACCEPTED, deliveries));
                }
            }
            published.complete(results);
        });
        return published;
    }

    /** The {@link DriverContext} of one instance. */
    private final class InstanceContext implements DriverContext {
        private final InstanceDefinition def;
        private final DriverConfig config;

        InstanceContext(InstanceDefinition def, DriverConfig config) {
            this.def = def;
            this.config = config;
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

        @Override
        public HttpRoutes http(int port) {
            return http.routes(port);
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
    }

    /** Start-up options beyond the files (mostly for tests). */
    public static final class Options {
        private Clock clock = Clock.systemUTC();
        private DeliveryStore store;
        private String httpHost;
        private Duration retryBase;
        private Duration pollInterval;

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

        /** How often to look for work appended by other replicas, instead of {@code global.delivery.poll_interval}. */
        public Options pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }
    }
}
