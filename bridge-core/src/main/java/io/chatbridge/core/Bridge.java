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
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentContent;
import io.chatbridge.spi.AttachmentTooLargeException;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DeliveryException;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
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

    private Bridge(Setup setup, Options options) {
        this.setup = setup;
        this.clock = options.clock;
        GlobalSettings global = setup.global();
        this.httpHost = options.httpHost != null ? options.httpHost : global.httpHost();
        this.http = new HttpServers(httpHost);
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
        accepting = true;
        http.markReady();
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
        accepting = false;
        http.stopAccepting();
        engine.stop(setup.global().shutdownTimeout());
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
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        LOG.info("bridge stopped");
        stopped.countDown();
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
        if (!accepting) {
            throw new BridgeUnavailableException("the bridge is not accepting messages (starting or stopping)", null);
        }
        InboundMessage message = raw.withOrigin(def.platform(), def.id());
        List<OutboundMessage> deliveries = MentionMapping.apply(message,
                ReplyQuotes.resolve(store, message, router.route(message)),
                id -> setup.instances().containsKey(id) ? setup.instances().get(id).platform() : null);
        String dedupKey = message.id() == null ? null : def.id() + "\n" + message.id();
        boolean fresh;
        try {
            fresh = store.append(dedupKey, deliveries, clock.instant(), setup.global().dedupWindow());
        } catch (StoreException e) {
            LOG.error("could not record message from {}: {}", def.id(), e.getMessage());
            throw new BridgeUnavailableException("could not record the message", e);
        }
        if (!fresh) {
            LOG.debug("duplicate message {} from {} ignored", message.id(), def.id());
            return new PublishResult(PublishResult.Status.DUPLICATE, 0);
        }
        if (!deliveries.isEmpty()) {
            engine.wake();
        }
        LOG.debug("message {} from {} {} routed to {} target(s)", message.id(), def.id(), message.channel(),
                deliveries.size());
        return new PublishResult(PublishResult.Status.ACCEPTED, deliveries.size());
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

        @Override
        public CompletionStage<PublishResult> publishAsync(InboundMessage message) {
            try {
                return CompletableFuture.completedFuture(Bridge.this.publish(def, message));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
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
                    : setup.drivers().get(message.source().instanceId());
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
