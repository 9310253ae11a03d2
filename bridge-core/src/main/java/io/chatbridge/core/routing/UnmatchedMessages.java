package io.chatbridge.core.routing;

import io.chatbridge.spi.InboundMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages that matched no rule: counted (in all and by source instance) and logged at INFO once per instance
 * and channel per {@link Router#UNMATCHED_LOG_WINDOW}. The bridge keeps one for its whole run and gives it to every
 * {@link Router} it builds, so a reload of the rules neither restarts the counts (they are since the process
 * started, like the Prometheus counters) nor logs a channel again within its window. Thread-safe.
 */
public final class UnmatchedMessages {

    private static final int CHANNELS_KEPT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(Router.class); // the router's line, as before

    private final Clock clock;
    private final Consumer<String> onUnmatched;
    private final AtomicLong total = new AtomicLong();
    private final ConcurrentHashMap<String, LongAdder> byInstance = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<Object>, Instant> logged = new ConcurrentHashMap<>();

    /**
     * @param clock for the once-per-window log
     * @param onUnmatched told the source instance id of each message counted (the bridge's metrics), on the
     *     publishing thread
     */
    public UnmatchedMessages(Clock clock, Consumer<String> onUnmatched) {
        this.clock = clock;
        this.onUnmatched = onUnmatched;
    }

    /** Counts {@code message}, which matched no rule, and logs its channel unless logged within the window. */
    void record(InboundMessage message) {
        total.incrementAndGet();
        byInstance.computeIfAbsent(message.instanceId(), k -> new LongAdder()).increment();
        onUnmatched.accept(message.instanceId());
        // keyed by the channel itself: it is described only when logged, not for every message
        List<Object> key = Arrays.asList(message.instanceId(), message.channel());
        Instant now = clock.instant();
        Instant last = logged.get(key);
        if (last != null && now.isBefore(last.plus(Router.UNMATCHED_LOG_WINDOW))) {
            return;
        }
        if (logged.size() >= CHANNELS_KEPT) {
            logged.values().removeIf(t -> !now.isBefore(t.plus(Router.UNMATCHED_LOG_WINDOW)));
        }
        if ((last == null ? logged.putIfAbsent(key, now) == null : logged.replace(key, last, now))) {
            LOG.info("message from {} {} matched no rule", message.instanceId(), Router.describe(message.channel()));
        }
    }

    /** How many messages matched no rule since this was made. */
    public long total() {
        return total.get();
    }

    /** {@link #total()} by source instance id (sorted); instances with none are absent. A snapshot. */
    public Map<String, Long> byInstance() {
        Map<String, Long> out = new TreeMap<>();
        byInstance.forEach((id, n) -> out.put(id, n.sum()));
        return out;
    }
}
