package io.chatbridge.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * WARN lines for requests an ingress refuses, so an operator sees why a sender (an Alertmanager, a CI job) gets
 * 4xx: the reason and the sender's address, never the body. At most one line per endpoint and status per
 * {@link #WINDOW}; the next line says how many were left out. Thread-safe.
 */
final class RejectionLog {

    /** The shortest time between two lines for the same endpoint and status. */
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_KEYS = 1_000;

    private final Logger log;
    private final Clock clock;
    private final Map<String, Window> windows = new LinkedHashMap<>();

    RejectionLog(Logger log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /**
     * Logs one refused request (or counts it, within the window).
     *
     * @param endpoint names the endpoint, e.g. {@code "webhook alerts POST /events"}
     * @param remote the sender's address
     * @param status the answer's status
     * @param reason the answer's error text (must not contain secrets or the body)
     */
    void rejected(String endpoint, String remote, int status, String reason) {
        Instant now = clock.instant();
        long suppressed;
        synchronized (windows) {
            String key = endpoint + " " + status;
            Window w = windows.get(key);
            if (w != null && w.start.plus(WINDOW).isAfter(now)) {
                w.suppressed++;
                return;
            }
            suppressed = w == null ? 0 : w.suppressed;
            if (windows.size() >= MAX_KEYS) {
                windows.remove(windows.keySet().iterator().next());
            }
            windows.put(key, new Window(now));
        }
        log.warn("{}: refused a request from {} with {}: {}{}", endpoint, remote, status, reason,
                suppressed == 0 ? "" : " (" + suppressed + " more refused with " + status + " in the last "
                        + WINDOW.toMinutes() + " min not logged)");
    }

    private static final class Window {
        final Instant start;
        long suppressed;

        Window(Instant start) {
            this.start = start;
        }
    }
}
