package io.chatbridge.dingtalk.outbound;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** An HTTP {@code Retry-After} value: delay seconds or an HTTP-date (RFC 9110 §10.2.3). */
final class RetryAfterHeader {

    /** Longer waits are cut to this: a wrong header must not park a delivery for days. */
    static final Duration MAX = Duration.ofHours(1);

    private RetryAfterHeader() {
    }

    /** The wait asked for, never negative, at most {@link #MAX}; {@code null} when absent or unreadable. */
    static Duration parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        Duration wait;
        if (v.matches("\\d{1,9}")) {
            wait = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                wait = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return wait.isNegative() ? Duration.ZERO : wait.compareTo(MAX) > 0 ? MAX : wait;
    }

    /** The header from a map whose key case is unknown. */
    static Duration from(Map<String, String> headers, Instant now) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if ("retry-after".equalsIgnoreCase(header.getKey())) {
                return parse(header.getValue(), now);
            }
        }
        return null;
    }
}
