package io.chatbridge.core;

import io.chatbridge.core.logging.Secrets;
import io.chatbridge.spi.DriverHealth;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest {@link DriverHealth} each instance reported through {@code DriverContext.reportHealth}, for readiness
 * and the admin status. Every change is logged, once (drivers do not log it themselves): INFO when an instance is
 * connected (with the driver's detail, when it gave one), WARN with the reason when it is reconnecting, ERROR with
 * the reason when it failed (someone has to act, e.g. on refused credentials); a report equal to the previous one
 * in state and reason is kept but not logged again.
 * Thread-safe: drivers report from their own threads.
 */
public final class InstanceHealth {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceHealth.class);

    private final Map<String, DriverHealth> latest = new ConcurrentHashMap<>();

    /** Records a report of {@code instanceId} and logs it when the state or the reason changed. */
    public void report(String instanceId, String platform, DriverHealth health) {
        Objects.requireNonNull(health, "health");
        DriverHealth before = latest.put(instanceId, health);
        if (before != null && before.state() == health.state() && before.reason().equals(health.reason())) {
            return;
        }
        String reason = Secrets.redact(health.reason());
        switch (health.state()) {
            case CONNECTED -> {
                if (reason.isEmpty()) {
                    LOG.info("instance {} ({}) connected", instanceId, platform);
                } else {
                    LOG.info("instance {} ({}) connected: {}", instanceId, platform, reason);
                }
            }
            case RECONNECTING -> LOG.warn("instance {} ({}) reconnecting: {}", instanceId, platform,
                    reason.isEmpty() ? "no reason given" : reason);
            case FAILED -> LOG.error("instance {} ({}) failed: {}", instanceId, platform,
                    reason.isEmpty() ? "no reason given" : reason);
        }
    }

    /** Forgets {@code instanceId} (a reload removed it). */
    public void forget(String instanceId) {
        latest.remove(instanceId);
    }

    /** The latest report of {@code instanceId}; empty when it never reported (drivers without connections). */
    public Optional<DriverHealth> of(String instanceId) {
        return Optional.ofNullable(latest.get(instanceId));
    }

    /** Every instance that reported, by id (sorted), with its latest report. A snapshot. */
    public Map<String, DriverHealth> snapshot() {
        return Collections.unmodifiableMap(new TreeMap<>(latest));
    }
}
