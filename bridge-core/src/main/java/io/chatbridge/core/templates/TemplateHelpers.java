package io.chatbridge.core.templates;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bridge's own template filters, next to Pebble's ({@code upper}, {@code default}, {@code join},
 * {@code length}, {@code first}, {@code abbreviate}, {@code replace} …):
 *
 * <ul>
 *   <li>{@code time(format="yyyy-MM-dd HH:mm:ss", zone="UTC")}: an RFC 3339 text (as Alertmanager and Grafana
 *       write), epoch seconds or milliseconds, as local time; Go's zero time {@code 0001-01-01T00:00:00Z} (an
 *       alert that has not ended) renders empty, text that is no time renders as it is;</li>
 *   <li>{@code pairs(separator=", ", exclude=[])}: a map such as {@code labels} as {@code key=value, key=value};</li>
 *   <li>{@code truncate(length, ellipsis="…")}: at most {@code length} characters;</li>
 *   <li>{@code md}: escapes markdown syntax, so label values show as written.</li>
 * </ul>
 */
final class TemplateHelpers extends AbstractExtension {

    @Override
    public Map<String, Filter> getFilters() {
        Map<String, Filter> filters = new LinkedHashMap<>();
        filters.put("time", new TimeFilter());
        filters.put("pairs", new PairsFilter());
        filters.put("truncate", new TruncateFilter());
        filters.put("md", new MarkdownFilter());
        return filters;
    }

    /**
     * Markdown escaping for the {@code md} filter: the rules of the webhook driver's default alert rendering
     * ({@code io.chatbridge.webhook.alerts.MarkdownText#escape}, kept in step by a test): {@code \ ` * _ [ ] < > | ~}
     * anywhere, {@code # - + > =} and {@code 1.} at the start, line breaks as spaces.
     */
    static String escapeMarkdown(String text) {
        String line = text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        StringBuilder out = new StringBuilder(line.length() + 8);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ("\\`*_[]<>|~".indexOf(c) >= 0 || (i == 0 && "#-+>=".indexOf(c) >= 0)) {
                out.append('\\');
            }
            out.append(c);
        }
        int j = 0;
        while (j < out.length() && Character.isDigit(out.charAt(j))) {
            j++;
        }
        if (j > 0 && j < out.length() && (out.charAt(j) == '.' || out.charAt(j) == ')')) {
            out.insert(j, '\\');
        }
        return out.toString();
    }

    /** Text of a value as templates print it ({@code ""} for null). */
    static String text(Object value) {
        return value == null ? "" : String.valueOf(value);
    }

    /** Parses the times alerting systems send; {@code null} for Go's zero time or anything unreadable. */
    static Instant instant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof TemporalAccessor temporal) {
            try {
                return Instant.from(temporal);
            } catch (DateTimeException e) {
                return null;
            }
        }
        if (value instanceof Number number) {
            long n = number.longValue();
            return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
        }
        String text = text(value).trim();
        if (text.isEmpty() || text.startsWith("0001-01-01")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static final class TimeFilter implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return List.of("format", "zone");
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                            int line) throws PebbleException {
            if (input == null) {
                return "";
            }
            Instant instant = instant(input);
            if (instant == null) {
                String text = text(input);
                return text.startsWith("0001-01-01") ? "" : text;
            }
            String format = args.get("format") == null ? "yyyy-MM-dd HH:mm:ss" : text(args.get("format"));
            String zone = args.get("zone") == null ? "UTC" : text(args.get("zone"));
            try {
                return DateTimeFormatter.ofPattern(format).withZone(ZoneId.of(zone)).format(instant);
            } catch (IllegalArgumentException | DateTimeException e) {
                throw new PebbleException(e, "time(\"" + format + "\", \"" + zone + "\"): " + e.getMessage(), line,
                        self.getName());
            }
        }
    }

    private static final class PairsFilter implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return List.of("separator", "exclude");
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                            int line) {
            if (!(input instanceof Map<?, ?> map)) {
                return text(input);
            }
            String separator = args.get("separator") == null ? ", " : text(args.get("separator"));
            Set<String> exclude = new HashSet<>();
            if (args.get("exclude") instanceof Collection<?> names) {
                names.forEach(n -> exclude.add(text(n)));
            } else if (args.get("exclude") != null) {
                exclude.add(text(args.get("exclude")));
            }
            StringBuilder out = new StringBuilder();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = text(e.getKey());
                if (exclude.contains(key)) {
                    continue;
                }
                if (!out.isEmpty()) {
                    out.append(separator);
                }
                out.append(key).append('=').append(text(e.getValue()));
            }
            return out.toString();
        }
    }

    private static final class TruncateFilter implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return List.of("length", "ellipsis");
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                            int line) throws PebbleException {
            String text = text(input);
            Object length = args.get("length");
            if (!(length instanceof Number n) || n.intValue() < 1) {
                throw new PebbleException(null, "truncate needs a length of at least 1, e.g. truncate(200)", line,
                        self.getName());
            }
            String ellipsis = args.get("ellipsis") == null ? "…" : text(args.get("ellipsis"));
            int max = n.intValue();
            if (text.codePointCount(0, text.length()) <= max) {
                return text;
            }
            int keep = Math.max(0, max - ellipsis.codePointCount(0, ellipsis.length()));
            return text.substring(0, text.offsetByCodePoints(0, keep)) + ellipsis;
        }
    }

    private static final class MarkdownFilter implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return List.of();
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                            int line) {
            return escapeMarkdown(text(input));
        }
    }
}
