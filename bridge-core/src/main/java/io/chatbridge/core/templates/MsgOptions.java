package io.chatbridge.core.templates;

import io.chatbridge.spi.ConfigNode;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code msg} keys of templates and mentions, and their validation in rules.json: every template compiles
 * (syntax, filters, functions, tests), {@code template_file} is read relative to rules.json, and the error names
 * the file, the rule's JSON path and the template's line.
 */
public final class MsgOptions {

    public static final String TEMPLATE = "template";
    public static final String TEMPLATE_FILE = "template_file";
    public static final String AT_MOBILES = "at_mobiles";
    public static final String AT_USER_IDS = "at_user_ids";
    public static final String AT_ALL = "at_all";
    public static final String AT_ALL_WHEN = "at_all_when";

    /** The {@code msg} keys this package reads, to be declared as known {@code msg} keys. */
    public static final Set<String> KEYS = Set.of(TEMPLATE, TEMPLATE_FILE, AT_MOBILES, AT_USER_IDS, AT_ALL,
            AT_ALL_WHEN);

    private static final long MAX_TEMPLATE_BYTES = 256 * 1024;

    private MsgOptions() {
    }

    /** Whether mentions need rendering per message (a templated {@code at_*} value, or {@code at_all_when}). */
    static boolean usesMentionTemplates(Map<String, Object> msg) {
        if (msg.containsKey(AT_ALL_WHEN)) {
            return true;
        }
        for (String key : List.of(AT_MOBILES, AT_USER_IDS, AT_ALL)) {
            Object value = msg.get(key);
            if (value instanceof Collection<?> items) {
                if (items.stream().anyMatch(i -> i instanceof String s && Templates.isTemplate(s))) {
                    return true;
                }
            } else if (value instanceof String s && Templates.isTemplate(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks the template keys of one {@code msg} block and returns the block to use: with
     * {@code template_file}'s content as {@code template} (the file name stays, for messages).
     */
    public static Map<String, Object> check(ConfigNode msg) {
        Map<String, Object> out = new LinkedHashMap<>(msg.asMap());
        if (msg.has(TEMPLATE) && msg.has(TEMPLATE_FILE)) {
            msg.get(TEMPLATE_FILE).problem("give either template or template_file, not both");
            out.remove(TEMPLATE_FILE);
        }
        if (msg.has(TEMPLATE)) {
            String source = msg.string(TEMPLATE, null);
            if (source != null) {
                compile(msg.get(TEMPLATE), source, "");
            } else {
                out.remove(TEMPLATE);
            }
        } else if (msg.has(TEMPLATE_FILE)) {
            String name = msg.string(TEMPLATE_FILE, null);
            out.remove(TEMPLATE_FILE);
            if (name != null) {
                String source = read(msg.get(TEMPLATE_FILE), name);
                if (source != null) {
                    compile(msg.get(TEMPLATE_FILE), source, name + ": ");
                    out.put(TEMPLATE, source);
                    out.put(TEMPLATE_FILE, name);
                }
            }
        }
        if (out.containsKey(TEMPLATE) && msg.get("title").value() instanceof String title
                && Templates.isTemplate(title)) {
            compile(msg.get("title"), title, ""); // a templated title, rendered with the template
        }
        for (String key : List.of(AT_MOBILES, AT_USER_IDS)) {
            ConfigNode node = msg.get(key);
            if (node.isMissing()) {
                continue;
            }
            if (node.value() instanceof String s) {
                compile(node, s, "");
            } else if (node.value() instanceof List<?> items) {
                for (int i = 0; i < items.size(); i++) {
                    if (items.get(i) instanceof String s) {
                        compile(node, s, "[" + i + "]: ");
                    } else {
                        node.problem("[" + i + "]: expected a string, got " + ConfigNode.describe(items.get(i)));
                    }
                }
            } else {
                node.problem("expected a list of strings or a comma-separated string, got "
                        + ConfigNode.describe(node.value()));
            }
        }
        ConfigNode atAll = msg.get(AT_ALL);
        if (atAll.value() instanceof String s) {
            compile(atAll, s, "");
        } else if (!atAll.isMissing() && !(atAll.value() instanceof Boolean)) {
            atAll.problem("expected true, false or a template rendering \"true\", got "
                    + ConfigNode.describe(atAll.value()));
        }
        ConfigNode when = msg.get(AT_ALL_WHEN);
        if (!when.isMissing()) {
            if (!when.isObject() || when.keys().isEmpty()) {
                when.problem("expected an object of fields and values, e.g. {\"severity\": \"critical\"}, got "
                        + ConfigNode.describe(when.value()));
                out.remove(AT_ALL_WHEN);
            } else {
                for (String field : when.keys()) {
                    Object v = when.get(field).value();
                    boolean ok = v instanceof String || v instanceof Number || v instanceof Boolean
                            || (v instanceof List<?> l && !l.isEmpty()
                            && l.stream().allMatch(x -> x instanceof String || x instanceof Number));
                    if (!ok) {
                        when.get(field).problem("expected a value or a list of values, got "
                                + ConfigNode.describe(v));
                    }
                }
            }
        }
        return out;
    }

    private static void compile(ConfigNode node, String source, String where) {
        try {
            Templates.compile(source);
        } catch (TemplateException e) {
            node.problem(where + e.describe());
        }
    }

    private static String read(ConfigNode node, String name) {
        Path base = Path.of(node.file()).toAbsolutePath().getParent();
        Path file = base == null ? Path.of(name) : base.resolve(name);
        try {
            if (Files.isDirectory(file)) {
                node.problem(name + " is a directory (" + file + "); name a template file");
                return null;
            }
            if (Files.size(file) > MAX_TEMPLATE_BYTES) {
                node.problem(name + " is larger than " + (MAX_TEMPLATE_BYTES / 1024) + " KiB");
                return null;
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            node.problem("no such file: " + file + " (template_file is relative to " + base + ")");
        } catch (MalformedInputException e) {
            node.problem(name + " is not UTF-8 text");
        } catch (IOException e) {
            node.problem("cannot read " + file + ": " + e.getMessage());
        }
        return null;
    }
}
