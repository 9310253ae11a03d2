package io.chatbridge.core.templates;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Extension;
import io.pebbletemplates.pebble.extension.core.CoreExtension;
import io.pebbletemplates.pebble.extension.escaper.EscaperExtension;
import io.pebbletemplates.pebble.extension.i18n.I18nExtension;
import io.pebbletemplates.pebble.lexer.LexerImpl;
import io.pebbletemplates.pebble.lexer.Token;
import io.pebbletemplates.pebble.lexer.TokenStream;
import io.pebbletemplates.pebble.loader.Loader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The template engine of rules' {@code msg.template}: <a href="https://pebbletemplates.io">Pebble</a>, whose
 * syntax is Jinja2's and Twig's ({@code {{ alert.labels.severity | upper }}}, {@code {% for a in alerts %}}),
 * which alerting people already know from Ansible, Salt and Grafana-adjacent tooling; it names the line of a
 * syntax error, renders a missing field as empty text, and has filters, so helpers read as {@code | time} rather
 * than as Mustache lambdas. Output is not HTML-escaped (messages are markdown or text).
 *
 * <p>Pebble reports an unknown filter, function or test only when the expression runs; {@link #compile} checks
 * every name in the template against the engine at compile time, so {@code validate} catches a typo in a branch
 * that rarely runs. Thread-safe.
 */
public final class Templates {

    private static final Map<String, String> SOURCES = new ConcurrentHashMap<>();
    private static final AtomicLong NAMES = new AtomicLong();

    private static final PebbleEngine ENGINE = new PebbleEngine.Builder()
            .loader(new SourceLoader())
            .autoEscaping(false)
            .strictVariables(false)
            .newLineTrimming(false)
            .cacheActive(false)
            .extension(new TemplateHelpers())
            .build();

    private Templates() {
    }

    /** A compiled template; {@link #render} never fails for missing fields (they render as empty text). */
    public static final class Compiled {
        private final PebbleTemplate template;
        private final String source;

        private Compiled(PebbleTemplate template, String source) {
            this.template = template;
            this.source = source;
        }

        /** The template text as written. */
        public String source() {
            return source;
        }

        /**
         * Renders with {@code context}.
         *
         * @throws TemplateException when evaluating fails (e.g. a filter given the wrong kind of value)
         */
        public String render(Map<String, Object> context) throws TemplateException {
            StringWriter out = new StringWriter();
            try {
                template.evaluate(out, context);
            } catch (PebbleException e) {
                throw new TemplateException(e.getLineNumber() == null ? 0 : e.getLineNumber(), e.getPebbleMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                throw new TemplateException(0, e.toString());
            }
            return out.toString();
        }
    }

    /**
     * Compiles {@code source}.
     *
     * @throws TemplateException a syntax error, or an unknown filter, function or test, with its line
     */
    public static Compiled compile(String source) throws TemplateException {
        String name = "t" + NAMES.incrementAndGet();
        SOURCES.put(name, source);
        try {
            checkNames(source, name);
            ENGINE.getTemplate(name); // syntax errors with the lines as written
            SOURCES.put(name, trimBlocks(source));
            return new Compiled(ENGINE.getTemplate(name), source);
        } catch (PebbleException e) {
            throw new TemplateException(e.getLineNumber() == null ? 0 : e.getLineNumber(),
                    e.getPebbleMessage());
        } finally {
            SOURCES.remove(name);
        }
    }

    private static final java.util.regex.Pattern TAG_END_NEWLINE = java.util.regex.Pattern.compile("%}\\r?\\n");

    /**
     * Jinja's {@code trim_blocks}: the one line break right after a {@code {% tag %}} is not output, so loops and
     * conditions on lines of their own leave no blank lines, while {@code {{ a }}} at a line end keeps its line
     * break (Pebble's own newline trimming would drop that too). The template is compiled as written first, so
     * syntax errors name the lines as written.
     */
    static String trimBlocks(String source) {
        return TAG_END_NEWLINE.matcher(source).replaceAll("%}");
    }

    /** Whether {@code text} contains template syntax at all ({@code {{}, {@code {%}). */
    public static boolean isTemplate(String text) {
        return text != null && (text.contains("{{") || text.contains("{%"));
    }

    /** Every filter, function and test name a template may use, sorted. */
    static Set<String> knownNames(String kind) {
        Set<String> candidates = new TreeSet<>();
        for (Extension extension : List.of(new CoreExtension(), new EscaperExtension(), new I18nExtension(),
                new TemplateHelpers())) {
            Map<String, ?> names = switch (kind) {
                case "filter" -> extension.getFilters();
                case "function" -> extension.getFunctions();
                default -> extension.getTests();
            };
            if (names != null) {
                candidates.addAll(names.keySet());
            }
        }
        candidates.removeIf(candidate -> !exists(kind, candidate));
        return candidates;
    }

    private static boolean exists(String kind, String name) {
        var registry = ENGINE.getExtensionRegistry();
        return switch (kind) {
            case "filter" -> registry.getFilter(name) != null;
            case "function" -> registry.getFunction(name) != null;
            default -> registry.getTest(name) != null;
        };
    }

    /**
     * Walks the template's tokens: a name after {@code |} is a filter, after {@code is} (and an optional
     * {@code not}) a test, a name followed by {@code (} that is not a method ({@code x.m()}) nor a tag is a
     * function or a macro defined in the template.
     */
    private static void checkNames(String source, String name) throws TemplateException {
        var registry = ENGINE.getExtensionRegistry();
        TokenStream stream = new LexerImpl(ENGINE.getSyntax(), registry.getUnaryOperators().values(),
                registry.getBinaryOperators().values()).tokenize(new StringReader(source), name);
        List<Token> tokens = new ArrayList<>(stream.getTokens());
        Set<String> macros = new HashSet<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).test(Token.Type.NAME, "macro") && tokens.get(i + 1).test(Token.Type.NAME)) {
                macros.add(tokens.get(i + 1).getValue());
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (!token.test(Token.Type.NAME)) {
                continue;
            }
            Token previous = i > 0 ? tokens.get(i - 1) : null;
            Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            String value = token.getValue();
            if (previous != null && isWord(previous, "|")) {
                require("filter", value, token.getLineNumber());
            } else if (previous != null && (isWord(previous, "is") || isWord(previous, "is not")
                    || isTestIntroducer(tokens, i))) {
                require("test", value, token.getLineNumber());
            } else if (next != null && next.test(Token.Type.PUNCTUATION, "(")
                    && (previous == null || !(previous.test(Token.Type.PUNCTUATION, ".")
                    || previous.test(Token.Type.EXECUTE_START) || previous.test(Token.Type.NAME, "macro")))
                    && !macros.contains(value)) {
                require("function", value, token.getLineNumber());
            }
        }
    }

    private static boolean isTestIntroducer(List<Token> tokens, int i) {
        Token previous = tokens.get(i - 1);
        if (isWord(previous, "is")) {
            return true;
        }
        return isWord(previous, "not") && i > 1 && isWord(tokens.get(i - 2), "is");
    }

    private static boolean isWord(Token token, String word) {
        return (token.test(Token.Type.OPERATOR) || token.test(Token.Type.NAME) || token.test(Token.Type.PUNCTUATION))
                && word.equals(token.getValue());
    }

    private static void require(String kind, String name, int line) throws TemplateException {
        if (exists(kind, name)) {
            return;
        }
        Set<String> known = knownNames(kind);
        String suggestion = Suggestions.closest(name, known);
        throw new TemplateException(line, "unknown " + kind + " \"" + name + "\""
                + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
                + " (known: " + String.join(", ", known) + ")");
    }

    /** Serves the source being compiled; templates cannot include others. */
    private static final class SourceLoader implements Loader<String> {
        @Override
        public Reader getReader(String cacheKey) {
            String source = SOURCES.get(cacheKey);
            if (source == null) {
                throw new io.pebbletemplates.pebble.error.LoaderException(null,
                        "templates cannot include or extend other templates (\"" + cacheKey + "\")");
            }
            return new StringReader(source);
        }

        @Override
        public void setCharset(String charset) {
        }

        @Override
        public void setPrefix(String prefix) {
        }

        @Override
        public void setSuffix(String suffix) {
        }

        @Override
        public String resolveRelativePath(String relativePath, String anchorPath) {
            return relativePath;
        }

        @Override
        public String createCacheKey(String templateName) {
            return templateName;
        }

        @Override
        public boolean resourceExists(String templateName) {
            return SOURCES.containsKey(templateName);
        }
    }
}
