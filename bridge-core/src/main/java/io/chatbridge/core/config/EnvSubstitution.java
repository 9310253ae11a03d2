package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in every string of a parsed file with values from the
 * environment, so secrets need not be written into files. {@code $${} stays a literal {@code ${}.
 */
final class EnvSubstitution {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_.]*)(:-([^}]*))?}");

    /** A whole value such as {@code $EVENTS_TOKEN}: probably a {@code ${...}} without its braces. */
    private static final Pattern BARE_REFERENCE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)");

    private final Function<String, String> env;
    private final String file;
    private final ProblemLog problems;

    EnvSubstitution(Function<String, String> env, String file, ProblemLog problems) {
        this.env = env;
        this.file = file;
        this.problems = problems;
    }

    /** Returns a copy of {@code value} with every placeholder resolved. */
    Object resolve(Object value, String path) {
        if (value instanceof String s) {
            return resolveString(s, path);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                out.put(key, resolve(e.getValue(), path.isEmpty() ? key : path + "." + key));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(resolve(list.get(i), path + "[" + i + "]"));
            }
            return out;
        }
        return value;
    }

    private String resolveString(String s, String path) {
        if (s.indexOf('$') < 0) {
            return s;
        }
        Matcher bare = BARE_REFERENCE.matcher(s.strip());
        if (bare.matches()) {
            problems.accept(new ConfigProblem(file, path, "looks like an environment variable without braces and is"
                    + " taken literally; write ${" + bare.group(1) + "} to read " + bare.group(1)
                    + " from the environment", true));
            return s;
        }
        Matcher m = PLACEHOLDER.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) {
                replacement = "${";
            } else {
                String name = m.group(1);
                String value = env.apply(name);
                if (value == null) {
                    if (m.group(2) != null) {
                        replacement = m.group(3);
                    } else {
                        problems.unsetVariable(new ConfigProblem(file, path, "environment variable " + name
                                + " is not set (set it, or write ${" + name + ":-default})", false));
                        replacement = "";
                    }
                } else {
                    if (value.isEmpty()) {
                        problems.emptyVariable(file, path, name);
                    }
                    replacement = value;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
