package io.chatbridge.webhook.alerts;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns alert notifications into messages, and gives each one an id that de-duplicates the sender's own retries
 * but not its re-notifications.
 *
 * <p>The content key is {@code groupKey} + {@code status} + every alert's fingerprint, status, start and end.
 * Alertmanager retries a failed (or timed-out) notification with the same content for about one
 * {@code group_interval}; a re-notification after {@code repeat_interval} has the same content too (a firing alert's
 * end time is not shown), so the id is the key plus the time it was first seen: a copy within
 * {@link #DEFAULT_RETRY_WINDOW} of the first keeps its id (and the bridge's de-duplication drops it), a later one
 * gets a new id and is posted. Thread-safe.
 */
public final class AlertMessages {

    /**
     * The extension carrying the original JSON body to the router, for rule templates: the bridge's
     * {@code templates.Payloads#EXTENSION} (this driver, like a plugin, imports only the SPI).
     */
    public static final String PAYLOAD_EXTENSION = "chatbridge.payload";

    /** How long a notification with the same content counts as a retry of the first. */
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofMinutes(5);
    private static final int MAX_REMEMBERED = 10_000;

    private final AlertMarkdown markdown;
    private final Duration retryWindow;
    private final Map<String, Instant> firstSeen = new LinkedHashMap<>();

    public AlertMessages(AlertMarkdown markdown, Duration retryWindow) {
        this.markdown = markdown;
        this.retryWindow = retryWindow;
    }

    /** The message for a body {@link AlertNotification#recognises} accepted, received at {@code now}. */
    public InboundMessage toMessage(JsonNode body, Instant now) {
        AlertNotification n = AlertNotification.read(body);
        String text = markdown.render(n);
        return InboundMessage.builder()
                .channel(AlertMarkdown.channel(n))
                .text(text)
                .rich(RichContent.markdown(AlertMarkdown.title(n), text))
                .id(id(contentKey(n), now))
                .time(now)
                .extension(PAYLOAD_EXTENSION, body.toString())
                .build();
    }

    /** {@code alert:<hash>} of what makes a notification the same one. */
    static String contentKey(AlertNotification n) {
        TreeMap<String, String> alerts = new TreeMap<>();
        for (AlertNotification.Alert a : n.alerts()) {
            String identity = a.fingerprint() != null ? a.fingerprint() : new TreeMap<>(a.labels()).toString();
            alerts.merge(identity, a.status() + "|" + a.startsAt() + "|" + a.endsAt(), (x, y) -> x + ";" + y);
        }
        StringBuilder key = new StringBuilder().append(n.groupKey()).append('\u0000').append(n.status());
        alerts.forEach((id, times) -> key.append('\u0000').append(id).append('|').append(times));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return "alert:" + HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private synchronized String id(String key, Instant now) {
        Iterator<Map.Entry<String, Instant>> oldest = firstSeen.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, Instant> e = oldest.next();
            if (firstSeen.size() > MAX_REMEMBERED || !e.getValue().plus(retryWindow).isAfter(now)) {
                oldest.remove();
            } else {
                break;
            }
        }
        Instant first = firstSeen.get(key);
        if (first == null || !first.plus(retryWindow).isAfter(now)) {
            firstSeen.remove(key);
            first = now;
            firstSeen.put(key, first);
        }
        return key + "@" + first.getEpochSecond();
    }
}
