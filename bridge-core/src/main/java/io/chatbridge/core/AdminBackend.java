package io.chatbridge.core;

import io.chatbridge.core.admin.AdminServer;
import io.chatbridge.core.config.InstanceDefinition;
import io.chatbridge.core.config.Rule;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStore.OutboxStats;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.spi.DriverHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The bridge as the admin port sees it. */
final class AdminBackend implements AdminServer.Backend {

    private final Bridge bridge;

    AdminBackend(Bridge bridge) {
        this.bridge = bridge;
    }

    @Override
    public Readiness readiness() {
        return bridge.readiness();
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        Readiness readiness = bridge.readiness();
        out.put("ready", readiness.ready());
        if (!readiness.ready()) {
            out.put("reason", redact(readiness.reason()));
        }
        Map<String, DriverHealth> health = bridge.health();
        List<Map<String, Object>> instances = new ArrayList<>();
        for (InstanceDefinition def : bridge.setup().instances().values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", def.id());
            row.put("platform", def.platform());
            DriverHealth report = health.get(def.id());
            row.put("health", report == null ? "running" : report.state().name().toLowerCase(Locale.ROOT));
            if (report != null) {
                row.put("since", report.since().toString());
                if (!report.reason().isEmpty()) {
                    row.put("reason", redact(report.reason()));
                }
            }
            instances.add(row);
        }
        out.put("instances", instances);
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Rule rule : bridge.setup().rules()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", rule.id());
            row.put("type", rule.type().name().toLowerCase(Locale.ROOT));
            row.put("from", rule.sources().stream().map(Rule.Endpoint::instanceId).distinct().toList());
            row.put("to", rule.targets().stream().map(Rule.Endpoint::instanceId).distinct().toList());
            rules.add(row);
        }
        out.put("rules", rules);
        Map<String, Object> unmatched = new LinkedHashMap<>(); // since start, across reloads
        unmatched.put("total", bridge.unmatchedMessages());
        unmatched.put("by_instance", bridge.unmatchedMessagesByInstance());
        out.put("unmatched_messages", unmatched);
        Map<String, Object> outbox = new LinkedHashMap<>();
        try {
            Instant now = clock().instant();
            OutboxStats stats = store().stats(now);
            outbox.put("pending", stats.pending());
            outbox.put("in_flight", stats.inFlight());
            outbox.put("delivered", stats.delivered());
            outbox.put("dead", stats.dead());
            outbox.put("oldest_pending_age_seconds", stats.oldestPending() == null ? 0
                    : Math.max(0, Duration.between(stats.oldestPending(), now).toSeconds()));
        } catch (StoreException e) {
            outbox.put("error", redact(e.getMessage()));
        }
        out.put("outbox", outbox);
        return out;
    }

    @Override
    public DeliveryStore store() {
        return bridge.store();
    }

    @Override
    public AdminServer.ReloadResult reload() {
        return bridge.reload();
    }

    @Override
    public String metrics() {
        return bridge.metrics().scrape();
    }

    @Override
    public String redact(String text) {
        return bridge.secrets().mask(text);
    }

    @Override
    public Clock clock() {
        return bridge.clock();
    }
}
