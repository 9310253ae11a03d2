package io.chatbridge.testkit;

import io.chatbridge.spi.AsyncHttpHandler;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.DriverMetrics;
import io.chatbridge.spi.HttpHandler;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import io.chatbridge.spi.RequestGuard;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DriverContext} for driver tests: records published messages, serves the driver's routes on real
 * loopback HTTP servers that keep the bridge's rules for routes (synchronous and asynchronous handlers, 413 over
 * 1 MiB, 500 for a throwing handler, 503 for {@link BridgeUnavailableException}), and lets the test choose the
 * clock. Of the bridge it uses the SPI alone.
 *
 * <p>Typical use: build a {@link DriverConfig} with {@link #config}, create the driver with its factory, call
 * {@code driver.start(context)}, then {@link #startHttp()} and talk to {@link #url(int, String)}.
 */
public class TestDriverContext implements DriverContext, AutoCloseable {

    private final DriverConfig config;
    private final KitHttpServers http = new KitHttpServers();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final List<InboundMessage> published = new CopyOnWriteArrayList<>();
    private final List<String> registered = new CopyOnWriteArrayList<>();
    private final List<String> secrets = new CopyOnWriteArrayList<>();
    private final List<DriverHealth> health = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> seenIds = new HashMap<>();
    private volatile Clock clock;
    private volatile boolean failPublish;

    public TestDriverContext(DriverConfig config) {
        this(config, Clock.systemUTC());
    }

    public TestDriverContext(DriverConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * A driver config from a settings map; problems found go into {@code problems}.
     *
     * @param uses rule addresses naming the instance, built with {@link #use}
     */
    public static DriverConfig config(String platform, String instanceId, Map<String, Object> settings,
                                      List<ConfigProblem> problems, List<ChannelUse> uses) {
        return config(platform, instanceId, settings, problems, uses, new ArrayList<>());
    }

    /**
     * Like {@link #config(String, String, Map, List, List)}, and every value the driver marks sensitive goes into
     * {@code sensitive}.
     */
    public static DriverConfig config(String platform, String instanceId, Map<String, Object> settings,
                                      List<ConfigProblem> problems, List<ChannelUse> uses, List<String> sensitive) {
        ConfigNode node = ConfigNode.of("config.json", platform + "." + instanceId, settings, problems::add);
        ConfigNode global = ConfigNode.of("config.json", "global", Map.of(), problems::add);
        return new DriverConfig() {
            @Override
            public String platform() {
                return platform;
            }

            @Override
            public String instanceId() {
                return instanceId;
            }

            @Override
            public ConfigNode settings() {
                return node;
            }

            @Override
            public ConfigNode global() {
                return global;
            }

            @Override
            public List<ChannelUse> uses() {
                return uses;
            }

            @Override
            public void markSensitive(String value) {
                sensitive.add(value);
            }

            @Override
            public Path baseDirectory() {
                return Path.of(".");
            }
        };
    }

    /** A rule address for {@link #config}: {@code use("r1", Role.TARGET, "dt", Map.of("open_conversation_id", "cid"))}. */
    public static ChannelUse use(String ruleId, ChannelUse.Role role, String instanceId, Map<String, Object> address,
                                 List<ConfigProblem> problems) {
        return new ChannelUse(ruleId, role,
                ConfigNode.of("rules.json", "rules[0].channels." + instanceId, address, problems::add));
    }

    @Override
    public String instanceId() {
        return config.instanceId();
    }

    @Override
    public String platform() {
        return config.platform();
    }

    @Override
    public DriverConfig config() {
        return config;
    }

    @Override
    public CompletionStage<PublishResult> publishAsync(InboundMessage message) {
        try {
            return CompletableFuture.completedFuture(record(message));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private synchronized PublishResult record(InboundMessage message) {
        if (failPublish) {
            throw new BridgeUnavailableException("store unavailable (test)", null);
        }
        if (message.id() != null) {
            Instant now = clock.instant();
            Instant seen = seenIds.get(message.id());
            if (seen != null && Duration.between(seen, now).compareTo(Duration.ofMinutes(10)) < 0) {
                return new PublishResult(PublishResult.Status.DUPLICATE, 0);
            }
            seenIds.put(message.id(), now);
        }
        published.add(message.withOrigin(platform(), instanceId()));
        return new PublishResult(PublishResult.Status.ACCEPTED, 1);
    }

    @Override
    public HttpRoutes http(int port) {
        http.openPort(port);
        return new HttpRoutes() {
            @Override
            public int port() {
                return port;
            }

            @Override
            public void route(String method, String path, HttpHandler handler) {
                routeAsync(method, path, request -> CompletableFuture.completedFuture(handler.handle(request)));
            }

            @Override
            public void routeAsync(String method, String path, AsyncHttpHandler handler) {
                http.route(port, method, path, handler);
                registered.add(port + " " + method + " " + path);
            }

            @Override
            public void route(String method, String path, RequestGuard guard, HttpHandler handler) {
                routeAsync(method, path, guard,
                        request -> CompletableFuture.completedFuture(handler.handle(request)));
            }

            @Override
            public void routeAsync(String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
                http.route(port, method, path, guard, handler);
                registered.add(port + " " + method + " " + path);
            }
        };
    }

    @Override
    public void secret(String value) {
        if (!secrets.contains(value)) {
            secrets.add(value);
        }
    }

    /** The runtime secrets the driver registered with {@link #secret(String)}, in order. */
    public List<String> secrets() {
        return List.copyOf(secrets);
    }

    /** Loopback: the kit's servers listen on {@code 127.0.0.1} only. */
    @Override
    public String bindHost() {
        return "127.0.0.1";
    }

    private final Map<String, java.util.concurrent.atomic.AtomicLong> counted = new java.util.concurrent.ConcurrentHashMap<>();

    /** Records what the driver counts; see {@link #counted(String, String...)}. */
    @Override
    public DriverMetrics metrics() {
        return new DriverMetrics() {
            @Override
            public void increment(String name, String... tags) {
                counted.computeIfAbsent(key(name, tags), k -> new java.util.concurrent.atomic.AtomicLong())
                        .incrementAndGet();
            }

            @Override
            public void record(String name, Duration duration, String... tags) {
                increment(name + "_seconds", tags);
            }

            @Override
            public void gauge(String name, java.util.function.Supplier<? extends Number> value, String... tags) {
            }
        };
    }

    /** How often the driver counted {@code name} with exactly these tag pairs (a duration counts once per record). */
    public long counted(String name, String... tags) {
        java.util.concurrent.atomic.AtomicLong n = counted.get(key(name, tags));
        return n == null ? 0 : n.get();
    }

    private static String key(String name, String... tags) {
        return name + String.join(",", tags);
    }

    /** Records the report; see {@link #healthReports()}. */
    @Override
    public void reportHealth(DriverHealth report) {
        health.add(java.util.Objects.requireNonNull(report, "health"));
    }

    /** Every health report of the driver so far, in order. */
    public List<DriverHealth> healthReports() {
        return List.copyOf(health);
    }

    /** The routes the driver registered, as {@code "port METHOD path"} with the port as configured. */
    public List<String> registeredRoutes() {
        return List.copyOf(registered);
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** Replaces the clock (e.g. with a fixed one). */
    public void setClock(Clock clock) {
        this.clock = clock;
    }

    /** Makes every following publish fail as if the store were down. */
    public void failPublishes(boolean fail) {
        this.failPublish = fail;
    }

    /** Opens the HTTP servers for the routes the driver registered. Call after {@code driver.start(this)}. */
    public void startHttp() {
        http.start();
    }

    /** The URL of {@code path} on the server the driver configured with {@code configuredPort}. */
    public URI url(int configuredPort, String path) {
        return URI.create("http://127.0.0.1:" + http.boundPort(configuredPort) + path);
    }

    /** Messages published so far, in order. */
    public List<InboundMessage> published() {
        return List.copyOf(published);
    }

    @Override
    public void close() {
        http.stop();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
