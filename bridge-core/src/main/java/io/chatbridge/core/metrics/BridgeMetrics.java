package io.chatbridge.core.metrics;

import io.chatbridge.spi.DriverHealth;
import io.chatbridge.spi.DriverMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's metrics, in one Micrometer registry scraped in Prometheus format on the admin port. Labels are
 * bounded: instance ids, rule ids, outcomes and failure codes, never message or conversation ids. The bridge's
 * instance is labelled {@code instance_id}: Prometheus itself sets {@code instance} to the scraped target.
 *
 * <p>Micrometer rather than the bare Prometheus client: its JVM and process binders come ready, and its facade is
 * what the drivers' {@link DriverMetrics} maps onto in a few lines.
 */
public final class BridgeMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeMetrics.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    /** Label combinations kept per driver metric name; further ones are counted under {@code other}. */
    static final int MAX_SERIES_PER_NAME = 100;

    /** Histogram buckets of the delivery latency: from a fast send to a delivery that waited out an outage. */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Set<Tags>> driverSeries = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();

    /** A registry with the JVM and process metrics bound. */
    public BridgeMetrics() {
        bindJvmMetrics();
    }

    private BridgeMetrics(boolean unused) {
    }

    /**
     * A registry without the JVM and process metrics yet: {@link #bindJvmMetrics} adds them (the bridge does it on
     * a start-up thread of its own: the binders' management beans take a few hundred milliseconds to load).
     */
    public static BridgeMetrics withoutJvmMetrics() {
        return new BridgeMetrics(false);
    }

    /** Binds the JVM (memory, GC, threads, classes) and process (CPU, uptime, file descriptors) metrics. Once. */
    public void bindJvmMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** A meter's name and tag values: the key of {@link #meters}. */
    private record MeterKey(String name, List<String> tags) {
    }

    /**
     * The meters the hot paths count on, looked up once: building a meter and finding it in the registry on every
     * message cost several microseconds each (the committer counts every accepted message).
     */
    private final Map<MeterKey, Meter> meters = new ConcurrentHashMap<>();

    /** The counter {@code name} with {@code tags} (name, value, …), registered on first use. */
    private Counter counter(String name, String description, String... tags) {
        List<String> values = new ArrayList<>(tags.length / 2);
        for (int i = 1; i < tags.length; i += 2) {
            values.add(tags[i]);
        }
        return (Counter) meters.computeIfAbsent(new MeterKey(name, values),
                k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    /** The registry, for tests and for gauges other parts register. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Everything, in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** A message an ingress received: {@code outcome} is {@code accepted}, {@code duplicate} or {@code rejected}. */
    public void received(String instance, String outcome, String reason) {
        counter("chatbridge_messages_received", "Messages received, by instance and outcome (rejected: by reason)",
                "instance_id", instance, "outcome", outcome, "reason", reason == null ? "" : reason).increment();
    }

    /** A message routed by {@code ruleId} to one target. */
    public void routed(String ruleId) {
        counter("chatbridge_messages_routed", "Deliveries produced, by rule", "rule", ruleId).increment();
    }

    /** A message of {@code instance} that matched no rule. */
    public void unrouted(String instance) {
        counter("chatbridge_messages_unrouted", "Messages that matched no rule, counted when routed (before "
                + "de-duplication: a platform's redelivery of one counts again)", "instance_id", instance)
                .increment();
    }

    /** What a delivery is, as the bounded {@code kind} label: a message, or a recall of one. */
    public static String kind(boolean recall) {
        return recall ? "recall" : "message";
    }

    /**
     * A delivery sent ({@code kind} {@code message} or {@code recall}); {@code sinceAccepted} is the time from
     * acceptance to the platform's answer, recorded as delivery latency for messages only.
     */
    public void sent(String instance, String kind, Duration sinceAccepted) {
        counter("chatbridge_deliveries_sent", "Deliveries sent, by target instance and kind",
                "instance_id", instance, "kind", kind).increment();
        if (!kind.equals("message")) {
            return;
        }
        Timer latency = (Timer) meters.computeIfAbsent(new MeterKey("chatbridge_delivery_latency", List.of(instance)),
                k -> Timer.builder("chatbridge_delivery_latency")
                        .description("Time from acceptance to sent, by target instance")
                        .tags("instance_id", instance)
                        .serviceLevelObjectives(LATENCY_BUCKETS)
                        .register(registry));
        latency.record(sinceAccepted.isNegative() ? Duration.ZERO : sinceAccepted);
    }

    /**
     * What a recall delivery did on its target: {@code recalled} (the target recalled its copies),
     * {@code nothing_delivered} (no copy of the message reached it, e.g. an unknown id) or {@code not_supported}
     * (the target cannot recall, its copy stays).
     */
    public void recall(String instance, String outcome) {
        Counter.builder("chatbridge_recalls").description("Recall deliveries, by target instance and outcome")
                .tags("instance_id", instance, "outcome", outcome).register(registry).increment();
    }

    /** A failed attempt that will be retried. */
    public void retried(String instance, String kind, String code) {
        counter("chatbridge_deliveries_retried", "Failed attempts retried later, by code",
                "instance_id", instance, "kind", kind, "code", code == null ? "" : code).increment();
    }

    /** A delivery moved to the dead letters. */
    public void deadLettered(String instance, String kind, String code) {
        counter("chatbridge_deliveries_dead_lettered", "Deliveries dead-lettered, by code",
                "instance_id", instance, "kind", kind, "code", code == null ? "" : code).increment();
    }

    /** How long one {@code Driver.send} call took; {@code outcome} is {@code ok} or {@code failed}. */
    public void sendCall(String instance, String platform, Duration took, String outcome) {
        Timer timer = (Timer) meters.computeIfAbsent(
                new MeterKey("chatbridge_send_duration", List.of(instance, platform, outcome)),
                k -> Timer.builder("chatbridge_send_duration")
                        .description("Driver send calls, by target instance and outcome")
                        .tags("instance_id", instance, "platform", platform, "outcome", outcome)
                        .register(registry));
        timer.record(took);
    }

    /** A configuration reload: {@code outcome} is {@code applied} or {@code refused}. */
    public void reload(String outcome) {
        Counter.builder("chatbridge_reloads").description("Configuration reloads, by outcome")
                .tags("outcome", outcome).register(registry).increment();
    }

    /** Registers a gauge read at each scrape. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        // strongly: Micrometer holds a gauge's source weakly by default, and ours are not referenced elsewhere
        Gauge.builder(name, source, value).description(description).strongReference(true).register(registry);
    }

    /**
     * Registers {@code chatbridge_instance_up} (1 when the last health report of the instance is connected or it
     * never reported, 0 otherwise) and {@code chatbridge_instance_reconnecting}.
     */
    public void instanceHealth(String instance, Supplier<DriverHealth> health) {
        Gauge.builder("chatbridge_instance_up", health, h -> h.get() == null || h.get().healthy() ? 1 : 0)
                .description("1 when the instance is connected (or has no connection to report)")
                .tags("instance_id", instance).strongReference(true).register(registry);
        Gauge.builder("chatbridge_instance_reconnecting", health,
                        h -> h.get() != null && h.get().state() == DriverHealth.State.RECONNECTING ? 1 : 0)
                .description("1 while the instance is re-establishing its connection")
                .tags("instance_id", instance).strongReference(true).register(registry);
    }

    /** The metrics facade handed to the driver of {@code instance}. */
    public DriverMetrics forDriver(String platform, String instance) {
        return new DriverMetrics() {
            @Override
            public void increment(String name, String... tags) {
                Tags all = tags(name, platform, instance, tags);
                if (all != null) {
                    Counter.builder("chatbridge_driver_" + name).tags(all).register(registry).increment();
                }
            }

            @Override
            public void record(String name, Duration duration, String... tags) {
                Tags all = tags(name, platform, instance, tags);
                if (all != null && duration != null) {
                    DistributionSummary.builder("chatbridge_driver_" + name + "_seconds").tags(all)
                            .register(registry).record(duration.toNanos() / (double) TimeUnit.SECONDS.toNanos(1));
                }
            }

            @Override
            public void gauge(String name, Supplier<? extends Number> value, String... tags) {
                Tags all = tags(name, platform, instance, tags);
                if (all != null && value != null) {
                    Gauge.builder("chatbridge_driver_" + name, value, v -> safe(v))
                            .tags(all).strongReference(true).register(registry);
                }
            }
        };
    }

    private static double safe(Supplier<? extends Number> value) {
        try {
            Number n = value.get();
            return n == null ? Double.NaN : n.doubleValue();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The labels of a driver metric, or {@code null} (logged once) when the name or tags are unusable. */
    private Tags tags(String name, String platform, String instance, String... pairs) {
        if (name == null || !NAME.matcher(name).matches() || pairs.length % 2 != 0) {
            warnOnce(platform + "/" + name, "driver {} reported metric \"{}\" with an invalid name or tags;"
                    + " ignored", instance, name);
            return null;
        }
        Tags tags = Tags.of("platform", platform, "instance_id", instance);
        for (int i = 0; i < pairs.length; i += 2) {
            tags = tags.and(pairs[i], pairs[i + 1] == null ? "" : pairs[i + 1]);
        }
        Set<Tags> seen = driverSeries.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet());
        if (seen.contains(tags) || seen.size() < MAX_SERIES_PER_NAME && seen.add(tags)) {
            return tags;
        }
        warnOnce("series/" + name, "driver metric {} has more than {} label combinations; further ones are"
                + " counted under other", name, MAX_SERIES_PER_NAME);
        Tags other = Tags.of("platform", platform, "instance_id", instance);
        for (int i = 0; i < pairs.length; i += 2) {
            other = other.and(pairs[i], "other");
        }
        return other;
    }

    private void warnOnce(String key, String format, Object... args) {
        if (warned.putIfAbsent(key, Boolean.TRUE) == null) {
            LOG.warn(format, args);
        }
    }
}
