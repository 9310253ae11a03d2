package io.chatbridge.core.logging;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The secret values of one bridge (configured app secrets, tokens, webhook URLs, passwords, and access tokens
 * fetched at run time): masked wherever they appear inside a string, and checked in outgoing messages.
 *
 * <p>Each value is looked for in every form a remote server or a serializer may quote it in: as is, URL-encoded
 * (upper and lower case hex, {@code +} or {@code %20} for spaces) and JSON-escaped ({@code \"}, {@code \\},
 * {@code \/}, {@code \\u0000} escapes); a URL secret (a webhook URL) is also looked for in part: its path and query, its
 * query, every query value of 8 characters or more, its path when it has no query and every path segment of 16
 * characters or more (where hooks put their credential), its user info. A text
 * containing any of these is masked as a whole would be, and an outgoing message containing one is blocked.
 *
 * <p>One instance per bridge ({@link #Secrets()}, made {@link #live} while the bridge runs); Logback creates its
 * converters itself, so the static {@link #redact} used by log lines masks the values of every live instance and
 * of the {@link #process()} instance (CLI commands that read config.json without starting a bridge).
 */
public final class Secrets implements AutoCloseable {

    /** What a secret is replaced with. */
    public static final String MASK = "******";

    /** Values shorter than this are ignored (they would mask ordinary words). */
    private static final int MIN_LENGTH = 4;
    /** Parts of a URL secret shorter than this are not secret on their own ({@code /robot/send}, {@code v1}). */
    private static final int MIN_PART_LENGTH = 8;
    /** The shortest start of a secret masked where a text was cut. */
    private static final int MIN_CUT_PREFIX = 6;
    /** Path segments and paths of a URL secret shorter than this are taken for route names, not credentials. */
    private static final int MIN_SEGMENT_LENGTH = 16;
    /** Runtime values (access tokens) kept per owner: the current one and a few before it (still in flight). */
    private static final int RUNTIME_PER_OWNER = 8;

    private static final Set<Secrets> LIVE = new CopyOnWriteArraySet<>();
    private static final Secrets PROCESS = new Secrets();

    private final Set<String> configured = new LinkedHashSet<>();
    private final Map<String, Deque<String>> runtime = new HashMap<>();
    /** Every form of every value, longest first, so that a secret containing another is masked whole. */
    private volatile List<String> forms = List.of();

    /** An empty set of secrets. */
    public Secrets() {
    }

    /** The instance of this process (CLI commands, tools); always consulted by {@link #redact}. */
    public static Secrets process() {
        return PROCESS;
    }

    /** Makes this instance's values masked in log lines until {@link #close()}; returns {@code this}. */
    public Secrets live() {
        LIVE.add(this);
        return this;
    }

    /** Stops masking this instance's values in log lines. */
    @Override
    public void close() {
        LIVE.remove(this);
    }

    /** Adds configured values; values shorter than 4 characters are ignored. */
    public synchronized Secrets add(Collection<String> secrets) {
        for (String s : secrets) {
            if (s != null && s.length() >= MIN_LENGTH) {
                configured.add(s);
            }
        }
        rebuild();
        return this;
    }

    /**
     * Adds a value obtained at run time (e.g. an access token) for {@code owner}; the last few values of each owner
     * are kept, older ones are forgotten (they expired).
     */
    public synchronized void addRuntime(String owner, String value) {
        if (value == null || value.length() < MIN_LENGTH) {
            return;
        }
        Deque<String> values = runtime.computeIfAbsent(owner, k -> new ArrayDeque<>());
        if (value.equals(values.peekLast())) {
            return;
        }
        // a value given again (a token in use) becomes the newest, so frequent short-lived ones (Stream tickets)
        // never push a live one out
        boolean known = values.remove(value);
        values.addLast(value);
        if (known) {
            return;
        }
        while (values.size() > RUNTIME_PER_OWNER) {
            values.removeFirst();
        }
        rebuild();
    }

    private void rebuild() {
        Set<String> all = new LinkedHashSet<>();
        for (String s : configured) {
            addForms(s, all);
        }
        for (Deque<String> values : runtime.values()) {
            for (String s : values) {
                addForms(s, all);
            }
        }
        forms = all.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    private static void addForms(String secret, Set<String> out) {
        Set<String> parts = new LinkedHashSet<>();
        parts.add(secret);
        parts.addAll(urlParts(secret));
        for (String part : parts) {
            out.add(part);
            String encoded = URLEncoder.encode(part, StandardCharsets.UTF_8);
            out.add(encoded);
            out.add(encoded.replace("+", "%20"));
            out.add(lowerHex(encoded));
            out.add(lowerHex(encoded.replace("+", "%20")));
            out.add(json(part, false, false));
            out.add(json(part, true, false));
            out.add(json(part, true, true));
        }
        out.removeIf(s -> s.length() < MIN_LENGTH);
    }

    /** The parts of a URL secret that are credentials on their own (empty when it is not a URL). */
    static Set<String> urlParts(String secret) {
        Set<String> parts = new LinkedHashSet<>();
        String lower = secret.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            return parts;
        }
        URI uri;
        try {
            uri = URI.create(secret.trim());
        } catch (IllegalArgumentException e) {
            return parts;
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            parts.add(path + "?" + query);
            parts.add(query);
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String value = eq < 0 ? pair : pair.substring(eq + 1);
                parts.add(value);
                parts.add(java.net.URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        if (query == null && path.length() >= MIN_SEGMENT_LENGTH) {
            parts.add(path); // no query: the path is where the credential is (e.g. /services/T0/B0/XXXX)
        }
        for (String segment : path.split("/")) {
            if (segment.length() >= MIN_SEGMENT_LENGTH) {
                parts.add(segment);
            }
        }
        if (uri.getRawUserInfo() != null) {
            parts.add(uri.getRawUserInfo());
            int colon = uri.getRawUserInfo().indexOf(':');
            if (colon >= 0) {
                parts.add(uri.getRawUserInfo().substring(colon + 1));
            }
        }
        parts.removeIf(p -> p.length() < MIN_PART_LENGTH);
        return parts;
    }

    private static String lowerHex(String encoded) {
        StringBuilder out = new StringBuilder(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                out.append('%').append(encoded.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code s} as it appears inside a JSON string. */
    private static String json(String s, boolean slash, boolean asciiOnly) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '/' -> out.append(slash ? "\\/" : "/");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** {@code text} with every form of this instance's secrets replaced by {@link #MASK}. */
    public String mask(String text) {
        return mask(text, forms);
    }

    /** Whether {@code text} contains a secret of this instance, in any form or part. */
    public boolean appearsIn(String text) {
        if (text == null) {
            return false;
        }
        for (String form : forms) {
            if (text.contains(form)) {
                return true;
            }
        }
        return false;
    }

    private static String mask(String text, List<String> forms) {
        if (text == null || forms.isEmpty()) {
            return text;
        }
        String out = text;
        for (String form : forms) {
            if (out.contains(form)) {
                out = out.replace(form, MASK);
            }
        }
        return maskCutTails(out, forms);
    }

    /**
     * Masks the start of a secret where a text was cut (at its end or before an ellipsis), as drivers shorten
     * remote answers: {@code ?key=egress…} must not keep the first letters of {@code egresskey-…}.
     */
    private static String maskCutTails(String text, List<String> forms) {
        String out = text;
        int anchor = out.length();
        while (anchor >= 0) {
            for (String form : forms) {
                if (form.regionMatches(true, 0, "http", 0, 4)) {
                    continue; // "https" ending a line is no secret; a cut URL's query and path are forms too
                }
                for (int k = Math.min(form.length() - 1, anchor); k >= MIN_CUT_PREFIX; k--) {
                    if (out.regionMatches(anchor - k, form, 0, k)) {
                        out = out.substring(0, anchor - k) + MASK + out.substring(anchor);
                        anchor = anchor - k + MASK.length();
                        break;
                    }
                }
            }
            anchor = anchor == 0 ? -1 : out.lastIndexOf('…', anchor - 1);
        }
        return out;
    }

    /** Adds values to the {@link #process()} instance (CLI commands; tests). */
    public static void register(Collection<String> secrets) {
        PROCESS.add(secrets);
    }

    /** Forgets the {@link #process()} instance's values (tests). */
    public static synchronized void clear() {
        synchronized (PROCESS) {
            PROCESS.configured.clear();
            PROCESS.runtime.clear();
            PROCESS.rebuild();
        }
    }

    /** {@code text} with the secrets of every live bridge and of this process masked (log lines, CLI output). */
    public static String redact(String text) {
        String out = PROCESS.mask(text);
        for (Secrets secrets : LIVE) {
            out = secrets.mask(out);
        }
        return out;
    }

    /** Whether {@code text} contains a secret of a live bridge or of this process. */
    public static boolean containsSecret(String text) {
        if (PROCESS.appearsIn(text)) {
            return true;
        }
        for (Secrets secrets : LIVE) {
            if (secrets.appearsIn(text)) {
                return true;
            }
        }
        return false;
    }
}
