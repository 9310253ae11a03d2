package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code global} block of config.json.
 *
 * @param databasePath SQLite file ({@code global.database.path}, default {@code data/bridge.db}, relative to the
 *     config file's directory); {@code ":memory:"} keeps deliveries in memory only (tests, benchmarks)
 * @param databaseUrl a JDBC URL ({@code global.database.url}), e.g. {@code jdbc:postgresql://host/db}; wins over path
 * @param databaseUser user for {@code databaseUrl}
 * @param databasePassword password for {@code databaseUrl}
 * @param strictEchoMatch skip a target only when both instance and channel equal the source
 * @param maxAttempts attempts before a retryable failure becomes a dead letter
 * @param maxAge age after which a failing delivery becomes a dead letter
 * @param workers concurrent delivery workers
 * @param lease how long a claimed delivery is reserved for the worker sending it ({@code global.delivery.lease},
 *     default 30 s); past it another worker or replica may send it again, so it must exceed the longest send
 * @param backoffBase wait after a first retryable failure ({@code global.delivery.backoff_base}, default 1 s)
 * @param backoffMax longest wait between attempts ({@code global.delivery.backoff_max}, default 5 min)
 * @param pollInterval how often workers look for deliveries other replicas appended or whose lease expired
 *     ({@code global.delivery.poll_interval}, default 1 s); work this process accepts is picked up at once anyway
 * @param dedupWindow how long inbound message ids are remembered
 * @param shutdownTimeout how long in-flight deliveries may take at shutdown
 * @param httpHost address the HTTP servers bind to
 * @param admin the admin port ({@code global.admin}), {@link AdminSettings#NONE} when not configured
 * @param watchFiles re-read config.json and rules.json when they change ({@code global.watch_files})
 */
public record GlobalSettings(Path databasePath, String databaseUrl, String databaseUser, String databasePassword,
                             boolean strictEchoMatch, int maxAttempts, Duration maxAge, int workers,
                             Duration lease, Duration backoffBase, Duration backoffMax, Duration pollInterval,
                             Duration dedupWindow, Duration shutdownTimeout, String httpHost,
                             AdminSettings admin, boolean watchFiles) {

    static final Set<String> KEYS = Set.of("database", "strict_echo_match", "delivery", "dedup_window",
            "shutdown_timeout", "http", "admin", "watch_files", "media", Identities.KEY);

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** Reads and validates the block; problems go through the node. */
    static GlobalSettings from(ConfigNode global, Path baseDirectory) {
        if (!global.isMissing() && !global.isObject()) {
            global.problem("expected an object, got " + ConfigNode.describe(global.value()));
        }
        global.warnUnknownKeys(KEYS);
        ConfigNode database = objectOrEmpty(global, "database");
        database.warnUnknownKeys(Set.of("path", "url", "user", "password"));
        String path = database.string("path", "data/bridge.db");
        String url = database.string("url", null);
        if (url != null && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:sqlite:")) {
            database.get("url").problem("expected a jdbc:postgresql:// or jdbc:sqlite: URL");
        }
        ConfigNode delivery = objectOrEmpty(global, "delivery");
        delivery.warnUnknownKeys(Set.of("max_attempts", "max_age", "workers", "lease", "backoff_base",
                "backoff_max", "poll_interval"));
        ConfigNode media = objectOrEmpty(global, "media");
        media.warnUnknownKeys(Set.of("max_bytes")); // read by DriverContext.mediaMaxBytes()
        media.integer("max_bytes", 20 * 1024 * 1024, 1, Integer.MAX_VALUE);
        ConfigNode http = objectOrEmpty(global, "http");
        http.warnUnknownKeys(Set.of("host"));
        Path dbPath = path.equals(":memory:") ? null : baseDirectory.resolve(path).normalize();
        return new GlobalSettings(
                dbPath,
                url,
                database.string("user", null),
                database.string("password", null),
                global.bool("strict_echo_match", false),
                delivery.integer("max_attempts", 12, 1, 1000),
                duration(delivery, "max_age", Duration.ofHours(24)),
                delivery.integer("workers", 8, 1, 256),
                duration(delivery, "lease", Duration.ofSeconds(30)),
                duration(delivery, "backoff_base", Duration.ofSeconds(1)),
                duration(delivery, "backoff_max", Duration.ofMinutes(5)),
                duration(delivery, "poll_interval", Duration.ofSeconds(1)),
                duration(global, "dedup_window", Duration.ofMinutes(10)),
                duration(global, "shutdown_timeout", Duration.ofSeconds(10)),
                http.string("host", "0.0.0.0"),
                AdminSettings.from(global.get("admin")),
                global.bool("watch_files", false));
    }

    /** Whether deliveries live in memory only ({@code database.path: ":memory:"} and no URL). */
    public boolean inMemory() {
        return databasePath == null && databaseUrl == null;
    }

    private static ConfigNode objectOrEmpty(ConfigNode parent, String key) {
        ConfigNode node = parent.get(key);
        if (!node.isMissing() && !node.isObject()) {
            node.problem("expected an object, got " + ConfigNode.describe(node.value()));
        }
        return node;
    }

    /** Parses {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}, {@code 500ms} or ISO-8601 {@code PT1H}. */
    static Duration duration(ConfigNode parent, String key, Duration fallback) {
        ConfigNode node = parent.get(key);
        if (node.isMissing()) {
            return fallback;
        }
        String text = node.asText();
        Duration parsed = text == null ? null : parseDuration(text);
        if (parsed == null || parsed.isNegative() || parsed.isZero()) {
            node.problem("expected a positive duration such as \"30s\", \"10m\", \"24h\" or \"PT1H\"");
            return fallback;
        }
        return parsed;
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
