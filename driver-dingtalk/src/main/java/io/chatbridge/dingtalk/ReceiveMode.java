package io.chatbridge.dingtalk;

import io.chatbridge.spi.ConfigNode;
import java.util.List;
import java.util.Locale;

/**
 * {@code receive_mode}: how an instance receives robot messages. {@code "http"} (the default, NextBridge's only
 * mode): DingTalk POSTs callbacks to {@code listen_port}/{@code listen_path}. {@code "stream"}: the instance opens
 * an outgoing WebSocket to DingTalk (protocol §6) and needs no public endpoint.
 */
public enum ReceiveMode {
    HTTP("http"),
    STREAM("stream");

    static final String KEY = "receive_mode";

    private final String value;

    ReceiveMode(String value) {
        this.value = value;
    }

    /** The value in config.json. */
    public String value() {
        return value;
    }

    /**
     * Reads {@code receive_mode}; an unknown value is a problem with a suggestion (and reads as {@code http}). In
     * stream mode the HTTP-mode keys are reported as not used.
     */
    static ReceiveMode read(ConfigNode s) {
        if (!s.has(KEY)) {
            return HTTP;
        }
        Object raw = s.get(KEY).value();
        if (!(raw instanceof String text)) {
            s.get(KEY).problem("expected \"http\" or \"stream\", got " + ConfigNode.describe(raw));
            return HTTP;
        }
        for (ReceiveMode mode : values()) {
            if (mode.value.equals(text)) {
                if (mode == STREAM) {
                    for (String key : List.of("listen_port", "listen_path", "signing_secret")) {
                        if (s.has(key)) {
                            s.get(key).warning("not used with receive_mode \"stream\": robot messages arrive over "
                                    + "the outgoing Stream connection, no port is opened; remove the key");
                        }
                    }
                }
                return mode;
            }
        }
        s.get(KEY).problem("unknown receive mode \"" + text + "\"" + suggestion(text)
                + " (expected \"http\" or \"stream\")");
        return HTTP;
    }

    private static String suggestion(String text) {
        String lower = text.strip().toLowerCase(Locale.ROOT);
        ReceiveMode best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ReceiveMode mode : values()) {
            int distance = distance(lower, mode.value);
            if (distance < bestDistance) {
                best = mode;
                bestDistance = distance;
            }
        }
        return best != null && bestDistance <= 3 ? ": did you mean \"" + best.value + "\"?" : "";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                row[j] = Math.min(Math.min(row[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = row;
            row = swap;
        }
        return previous[b.length()];
    }
}
