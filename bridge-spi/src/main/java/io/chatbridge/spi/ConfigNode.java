package io.chatbridge.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A read-only view of one value in a user's JSON or YAML file that knows its file and JSON path, so every problem
 * reported through it says exactly where it is.
 *
 * <p>Values are what a JSON parser produces: {@code Map<String, Object>}, {@code List<Object>}, {@link String},
 * {@link Number}, {@link Boolean} or {@code null} (missing). Typed getters never throw for bad input: they report a
 * problem and return the default, so that validation collects every problem in one pass.
 */
public final class ConfigNode {

    private final String file;
    private final String path;
    private final Object value;
    private final Consumer<ConfigProblem> problems;

    private ConfigNode(String file, String path, Object value, Consumer<ConfigProblem> problems) {
        this.file = file;
        this.path = path;
        this.value = value;
        this.problems = problems;
    }

    /**
     * Creates a root node. Used by the bridge when it loads files, and by tests of drivers.
     *
     * @param file the file name used in messages
     * @param path the JSON path of {@code value} inside the file ({@code ""} for the document itself)
     * @param value the parsed value
     * @param problems receives every problem reported through this node or its children
     */
    public static ConfigNode of(String file, String path, Object value, Consumer<ConfigProblem> problems) {
        return new ConfigNode(file, path, value, Objects.requireNonNull(problems, "problems"));
    }

    /** The file this value came from. */
    public String file() {
        return file;
    }

    /** The JSON path of this value, e.g. {@code dingtalk.dt_main.webhooks[0].url}. */
    public String path() {
        return path;
    }

    /** The raw value: a map, list, string, number, boolean, or {@code null} when missing. */
    public Object value() {
        return value;
    }

    /** Whether the value is absent or JSON {@code null}. */
    public boolean isMissing() {
        return value == null;
    }

    /** Whether this is a JSON object. */
    public boolean isObject() {
        return value instanceof Map;
    }

    /** Whether the object has a non-null value under {@code key}. */
    public boolean has(String key) {
        return get(key).value != null;
    }

    /** The child under {@code key}; a missing node when absent or when this is not an object. */
    public ConfigNode get(String key) {
        Object child = value instanceof Map<?, ?> map ? map.get(key) : null;
        return new ConfigNode(file, childPath(key), child, problems);
    }

    /** The keys of this object in file order; empty when this is not an object. */
    public Set<String> keys() {
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Set<String> keys = (Set<String>) map.keySet();
            return Collections.unmodifiableSet(keys);
        }
        return Set.of();
    }

    /** This object as an unmodifiable map (empty when not an object). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        return value instanceof Map<?, ?> map
                ? Collections.unmodifiableMap((Map<String, Object>) map) : Map.of();
    }

    /** The value as text when it is a string, number or boolean; {@code null} otherwise. */
    public String asText() {
        return value instanceof String || value instanceof Number || value instanceof Boolean
                ? String.valueOf(value) : null;
    }

    /** A string under {@code key}, or {@code fallback} when missing; reports a problem when not a string. */
    public String string(String key, String fallback) {
        ConfigNode child = get(key);
        if (child.value == null) {
            return fallback;
        }
        if (!(child.value instanceof String s)) {
            child.problem("expected a string, got " + describe(child.value));
            return fallback;
        }
        return s;
    }

    /** A non-blank string under {@code key}; reports {@code required} when missing or blank. */
    public String requireString(String key) {
        return requireString(key, "required");
    }

    /**
     * A non-blank string under {@code key}; reports {@code message} when missing or blank, e.g.
     * {@code "required when a rule sends to open_conversation_id"}.
     */
    public String requireString(String key, String message) {
        String s = string(key, null);
        if (s == null || s.isBlank()) {
            if (get(key).value == null || s != null) {
                get(key).problem(message);
            }
            return null;
        }
        return s;
    }

    /** An integer under {@code key} within {@code [min, max]}, or {@code fallback} when missing. */
    public int integer(String key, int fallback, int min, int max) {
        ConfigNode child = get(key);
        if (child.value == null) {
            return fallback;
        }
        long n;
        if (child.value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
            n = number.longValue();
        } else if (child.value instanceof String s && s.trim().matches("-?\\d{1,18}")) {
            n = Long.parseLong(s.trim());
        } else {
            child.problem("expected a whole number, got " + describe(child.value));
            return fallback;
        }
        if (n < min || n > max) {
            child.problem("must be between " + min + " and " + max + ", got " + n);
            return fallback;
        }
        return (int) n;
    }

    /** A boolean under {@code key}, or {@code fallback} when missing; accepts {@code "true"}/{@code "false"}. */
    public boolean bool(String key, boolean fallback) {
        ConfigNode child = get(key);
        if (child.value == null) {
            return fallback;
        }
        if (child.value instanceof Boolean b) {
            return b;
        }
        if (child.value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        child.problem("expected true or false, got " + describe(child.value));
        return fallback;
    }

    /** The elements of the array under {@code key}; empty when missing, a problem when not an array. */
    public List<ConfigNode> list(String key) {
        ConfigNode child = get(key);
        if (child.value == null) {
            return List.of();
        }
        if (!(child.value instanceof List<?> items)) {
            child.problem("expected an array, got " + describe(child.value));
            return List.of();
        }
        List<ConfigNode> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(new ConfigNode(file, child.path + "[" + i + "]", items.get(i), problems));
        }
        return out;
    }

    /** The strings of the array under {@code key}; a problem for every element that is not a string or number. */
    public List<String> stringList(String key) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : list(key)) {
            String text = item.value instanceof String || item.value instanceof Number ? item.asText() : null;
            if (text == null) {
                item.problem("expected a string, got " + describe(item.value));
            } else {
                out.add(text);
            }
        }
        return List.copyOf(out);
    }

    /** The object under {@code key} as a string map (numbers and booleans become text). */
    public Map<String, String> stringMap(String key) {
        ConfigNode child = get(key);
        if (child.value == null) {
            return Map.of();
        }
        if (!child.isObject()) {
            child.problem("expected an object, got " + describe(child.value));
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : child.keys()) {
            ConfigNode v = child.get(k);
            String text = v.asText();
            if (text == null) {
                v.problem("expected a string, got " + describe(v.value));
            } else {
                out.put(k, text);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Reports a problem on this value. */
    public void problem(String message) {
        problems.accept(new ConfigProblem(file, path, message, false));
    }

    /** Reports a warning on this value; warnings are logged and do not stop the bridge. */
    public void warning(String message) {
        problems.accept(new ConfigProblem(file, path, message, true));
    }

    /**
     * Reports a warning for every key of this object not in {@code known}, naming the nearest known key when one is
     * close ({@code did you mean token?}) and listing the known keys.
     */
    public void warnUnknownKeys(Set<String> known) {
        for (String key : keys()) {
            if (!known.contains(key)) {
                get(key).warning(unknownKeyMessage("unknown key, ignored", key, known));
            }
        }
    }

    /**
     * Reports an error for every key of this object not in {@code known}, for keys where a typo would change what
     * happens (a channel address, a message option): {@code unknown key; did you mean open_conversation_id? (known
     * keys: ...)}.
     *
     * @param what how to call such a key in the message, e.g. {@code "unknown address key"}
     */
    public void rejectUnknownKeys(Set<String> known, String what) {
        for (String key : keys()) {
            if (!known.contains(key)) {
                get(key).problem(unknownKeyMessage(what, key, known));
            }
        }
    }

    /**
     * {@code what; did you mean KEY? (known keys: ...)}, the message the unknown-key checks report; the suggestion is
     * left out when no known key is close.
     *
     */
    public static String unknownKeyMessage(String what, String key, Collection<String> known) {
        String nearest = nearest(key, known);
        return what + (nearest == null ? "" : "; did you mean " + nearest + "?") + " (known keys: "
                + (known.isEmpty() ? "none" : String.join(", ", known.stream().sorted().toList())) + ")";
    }

    /**
     * The one element of {@code candidates} a user most probably meant by {@code given} (a typo: a different case,
     * a letter missing, added, changed or two swapped), or {@code null} when none is close enough or two are
     * equally close.
     *
     */
    public static String nearest(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        String g = given.toLowerCase(Locale.ROOT);
        for (String candidate : candidates) {
            if (candidate.equals(given)) {
                return null;
            }
            int d = distance(g, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
                tie = false;
            } else if (d == bestDistance) {
                tie = true;
            }
        }
        int allowed = given.length() <= 4 ? 1 : given.length() <= 9 ? 2 : 3;
        return best != null && !tie && bestDistance <= allowed ? best : null;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private String childPath(String key) {
        String segment = key.matches("[A-Za-z0-9_\\-]+") ? key : "[\"" + key.replace("\"", "\\\"") + "\"]";
        if (path.isEmpty()) {
            return segment;
        }
        return segment.startsWith("[") ? path + segment : path + "." + segment;
    }

    /** A short description of a JSON value's type for messages: {@code a string}, {@code an array}... */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Map) {
            return "an object";
        }
        return value.getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return file + ": " + path;
    }
}
