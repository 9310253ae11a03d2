package io.chatbridge.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatbridge.spi.ConfigProblem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a user's JSON or YAML file into plain maps and lists, turning syntax errors into located problems written
 * as a person would write them: {@code config.json:12:5: missing '}' to close the object opened at line 1}. The
 * problem's file is then {@code name:line:column}, as compilers print it.
 *
 * <p>No message quotes the file's text (a value next to the error may be a secret): position and what was expected.
 */
final class FileReader {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);
    /** Jackson's duplicate-key message; the key name is the user's, not a value. */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");
    /** Quoted text inside a YAML problem (e.g. a character or an alias): left out, it is the user's text. */
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"");

    private FileReader() {
    }

    /**
     * Parses {@code file}; on failure adds a problem naming the file, line and column and returns {@code null}.
     * The caller has checked that the file exists.
     */
    static Object read(Path file, String displayName, List<ConfigProblem> problems) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            problems.add(new ConfigProblem(displayName, "", "cannot read file: " + e.getMessage(), false));
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            problems.add(new ConfigProblem(displayName, "", "not UTF-8 text; save the file as UTF-8", false));
            return null;
        }
        if (text.isBlank()) {
            problems.add(new ConfigProblem(displayName, "", "file is empty", false));
            return null;
        }
        try {
            return (yaml ? YAML : JSON).readValue(bytes, Object.class);
        } catch (JsonProcessingException e) {
            problems.add(yaml ? yamlProblem(displayName, e) : jsonProblem(displayName, text, e));
            return null;
        } catch (IOException e) {
            problems.add(new ConfigProblem(displayName, "", "cannot read file: " + e.getMessage(), false));
            return null;
        }
    }

    private static ConfigProblem jsonProblem(String file, String text, JsonProcessingException e) {
        JsonSyntax.Error error = JsonSyntax.find(text);
        if (error != null) {
            return located(file, error.line(), error.column(), error.message());
        }
        // the parser refused what the scan accepts (a number out of range...): its place, never its words
        JsonLocation at = e.getLocation();
        return at == null ? new ConfigProblem(file, "", "not valid JSON", false)
                : located(file, at.getLineNr(), at.getColumnNr(), "not valid JSON here");
    }

    private static ConfigProblem yamlProblem(String file, JsonProcessingException e) {
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        JsonLocation at = e.getLocation();
        if (duplicate.find() && at != null) {
            return located(file, at.getLineNr(), at.getColumnNr(), "key \"" + duplicate.group(1)
                    + "\" appears twice in one mapping");
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                String problem = clean(marked.getProblem());
                String context = marked.getContext() == null
                        || marked.getContext().contains("scanning for the next token") ? null
                        : clean(marked.getContext());
                if (context != null && marked.getContextMark() != null) {
                    context += (context.endsWith("opened") || context.endsWith("starts") ? " at line " : ", line ")
                            + (marked.getContextMark().getLine() + 1);
                }
                return located(file, marked.getProblemMark().getLine() + 1, marked.getProblemMark().getColumn() + 1,
                        problem + (context == null ? "" : " (" + context + ")"));
            }
        }
        return at == null ? new ConfigProblem(file, "", "not valid YAML", false)
                : located(file, at.getLineNr(), at.getColumnNr(), "not valid YAML here");
    }

    /** The YAML parser's phrases as a person would say them. */
    private static final String[][] PHRASES = {
        {"found unexpected end of stream", "unexpected end of file"},
        {"but got <stream end>", "but the file ends"},
        {"but found <stream end>", "but the file ends"},
        {"while scanning a quoted scalar", "in the quoted text opened"},
        {"while scanning a double-quoted scalar", "in the quoted text opened"},
        {"while scanning a single-quoted scalar", "in the quoted text opened"},
        {"while parsing a flow sequence", "in the [list] opened"},
        {"while parsing a flow mapping", "in the {mapping} opened"},
        {"while parsing a block mapping", "in the mapping that starts"},
        {"while parsing a block collection", "in the list that starts"},
        {"while scanning a simple key", "in the key that starts"},
        {"mapping values are not allowed here", "a ': ' is not allowed here (put text holding ': ' in quotes)"},
        {"could not find expected ':'", "expected ':' after a key"},
        {"expected <block end>, but found '<block mapping start>'", "wrong indentation"},
        {"expected <block end>, but found '<block sequence start>'", "wrong indentation"},
    };

    /** A YAML parser phrase in plain words, without the user's text it may quote. */
    private static String clean(String phrase) {
        if (phrase == null) {
            return "not valid YAML here";
        }
        String out = phrase.strip();
        if (out.contains("(TAB)")) {
            return "a tab: YAML is indented with spaces, never tabs";
        }
        for (String[] p : PHRASES) {
            out = out.replace(p[0], p[1]);
        }
        return QUOTED.matcher(out).replaceAll(m -> isStructural(m.group().substring(1, m.group().length() - 1))
                ? Matcher.quoteReplacement(m.group()) : "a value");
    }

    /** A token kind ({@code <block end>}), a tab, or one of YAML's indicator characters: never the user's value. */
    private static boolean isStructural(String quoted) {
        return quoted.startsWith("<") && quoted.endsWith(">") || quoted.equals("\\t")
                || quoted.length() == 1 && ":,[]{}-?#&*!|>%@`'\"".indexOf(quoted.charAt(0)) >= 0;
    }

    private static ConfigProblem located(String file, int line, int column, String message) {
        return new ConfigProblem(file + ":" + line + ":" + column, "", message, false);
    }
}
