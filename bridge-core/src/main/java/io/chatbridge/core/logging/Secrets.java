package io.chatbridge.core.logging;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The configured secret values of this process: masked in every log line (see {@link RedactingMessageConverter})
 * and checked in outgoing messages. Process-wide because Logback creates its converters itself.
 */
public final class Secrets {

    /** What a secret is replaced with in logs. */
    public static final String MASK = "******";

    private static volatile List<String> values = List.of();

    private Secrets() {
    }

    /** Adds values to mask; values shorter than 4 characters are ignored (they would mask ordinary words). */
    public static synchronized void register(Collection<String> secrets) {
        Set<String> merged = new LinkedHashSet<>(values);
        for (String s : secrets) {
            if (s != null && s.length() >= 4) {
                merged.add(s);
            }
        }
        // longest first, so that a secret containing another is masked whole
        values = merged.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** Forgets every value (tests). */
    public static synchronized void clear() {
        values = List.of();
    }

    /** {@code text} with every secret replaced by {@link #MASK}. */
    public static String redact(String text) {
        List<String> secrets = values;
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        return out;
    }

    /** Whether {@code text} contains a secret. */
    public static boolean containsSecret(String text) {
        if (text == null) {
            return false;
        }
        for (String secret : values) {
            if (text.contains(secret)) {
                return true;
            }
        }
        return false;
    }
}
