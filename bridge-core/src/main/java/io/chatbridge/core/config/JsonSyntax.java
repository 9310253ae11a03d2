package io.chatbridge.core.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Finds the first syntax error of a JSON text and says it as a person would: {@code missing '}' to close the object
 * opened at line 1}, {@code trailing comma before ']': JSON allows none}. Used after the JSON parser refused a file,
 * because the parser's own messages name its features and quote the text, which may be a secret. Messages here
 * never quote a value: they give the position and what was expected (key names may appear: they are not secrets).
 *
 * <p>JSON is taken strictly (RFC 8259): comments and trailing commas are errors that say what they are.
 */
final class JsonSyntax {

    /** A syntax error at a 1-based line and column. */
    record Error(int line, int column, String message) {
    }

    private static final int MAX_DEPTH = 500;

    private final String text;
    private int pos;
    /** The line of {@link #pos}: line breaks are only ever skipped as white space (a string holding one fails). */
    private int line = 1;
    private final Deque<Frame> open = new ArrayDeque<>();

    private record Frame(boolean object, int line, Set<String> keys) {
        String name() {
            return object ? "object" : "array";
        }

        char closer() {
            return object ? '}' : ']';
        }
    }

    private static final class Failure extends RuntimeException {
        final int at;

        Failure(int at, String message) {
            super(message, null, false, false);
            this.at = at;
        }
    }

    private JsonSyntax(String text) {
        this.text = text;
    }

    /** The first syntax error in {@code text}, or {@code null} when it is valid JSON. */
    static Error find(String text) {
        JsonSyntax scan = new JsonSyntax(text);
        try {
            if (text.startsWith("\uFEFF")) {
                scan.pos = 1;
            }
            scan.skipSpace();
            scan.value();
            scan.skipSpace();
            if (scan.pos < text.length()) {
                throw new Failure(scan.pos, "unexpected text after the end of the document (one file holds one"
                        + " JSON value)");
            }
            return null;
        } catch (Failure f) {
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < Math.min(f.at, text.length()); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new Error(line, f.at - lineStart + 1, f.getMessage());
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    /** The end of the text as the place to report: just after its last non-blank character. */
    private Failure atEndOfFile(String message) {
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return new Failure(end, message);
    }

    private Failure missingCloser() {
        Frame frame = open.peek();
        if (frame == null) {
            return atEndOfFile("unexpected end of file: a value is missing");
        }
        return atEndOfFile("missing '" + frame.closer() + "' to close the " + frame.name() + " opened at line "
                + frame.line());
    }

    private void skipSpace() {
        while (!atEnd()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else if (c == '/' && pos + 1 < text.length() && (text.charAt(pos + 1) == '/' || text.charAt(pos + 1) == '*')
                    || c == '#') {
                throw new Failure(pos, "comments are not allowed in JSON (write the file as YAML, config.yaml, to"
                        + " keep comments)");
            } else {
                return;
            }
        }
    }

    private void value() {
        if (atEnd()) {
            throw missingCloser();
        }
        char c = peek();
        switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case '\'' -> throw new Failure(pos, "strings take double quotes (\"), not single quotes");
            case '}', ']' -> throw new Failure(pos, "expected a value before '" + c + "'");
            case ',' -> throw new Failure(pos, "expected a value before ','");
            case ':' -> throw new Failure(pos, "expected a value before ':'");
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    number();
                } else {
                    word();
                }
            }
        }
    }

    private void word() {
        int start = pos;
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || "_-.$+".indexOf(peek()) >= 0)) {
            pos++;
        }
        String w = text.substring(start, pos);
        if (!w.equals("true") && !w.equals("false") && !w.equals("null")) {
            // the word itself is never repeated: it may be a secret written without quotes
            throw new Failure(start, "expected a value: text must be in double quotes; other values are numbers,"
                    + " true, false, null, {objects} and [arrays]");
        }
    }

    private void number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (atEnd() || !Character.isDigit(peek())) {
            throw new Failure(start, "not a valid number");
        }
        if (peek() == '0' && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1))) {
            throw new Failure(start, "not a valid number: no leading zeros (write it in double quotes if it is"
                    + " text)");
        }
        digits();
        if (!atEnd() && peek() == '.') {
            pos++;
            if (atEnd() || !Character.isDigit(peek())) {
                throw new Failure(start, "not a valid number: digits must follow '.'");
            }
            digits();
        }
        if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
            pos++;
            if (!atEnd() && (peek() == '+' || peek() == '-')) {
                pos++;
            }
            if (atEnd() || !Character.isDigit(peek())) {
                throw new Failure(start, "not a valid number: digits must follow the exponent");
            }
            digits();
        }
        if (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '.')) {
            throw new Failure(start, "not a valid number (write it in double quotes if it is text)");
        }
    }

    private void digits() {
        while (!atEnd() && Character.isDigit(peek())) {
            pos++;
        }
    }

    private String string() {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (atEnd()) {
                throw new Failure(start, "the string opened here is not closed: missing '\"'");
            }
            char c = peek();
            if (c == '"') {
                pos++;
                return out.toString();
            }
            if (c == '\n' || c == '\r') {
                throw new Failure(start, "the string opened here is not closed on its line: missing '\"' (a line"
                        + " break inside a string is written \\n)");
            }
            if (c < 0x20) {
                throw new Failure(pos, "a control character inside a string: write it as an escape such as \\t");
            }
            if (c == '\\') {
                pos++;
                if (atEnd()) {
                    throw new Failure(start, "the string opened here is not closed: missing '\"'");
                }
                char e = peek();
                if (e == 'u') {
                    for (int i = 1; i <= 4; i++) {
                        if (pos + i >= text.length() || Character.digit(text.charAt(pos + i), 16) < 0) {
                            throw new Failure(pos - 1, "invalid escape: \\u needs four hex digits");
                        }
                    }
                    out.append((char) Integer.parseInt(text.substring(pos + 1, pos + 5), 16));
                    pos += 5;
                    continue;
                }
                if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw new Failure(pos - 1, "invalid escape: use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or"
                            + " \\uXXXX");
                }
                out.append(e);
                pos++;
                continue;
            }
            out.append(c);
            pos++;
        }
    }

    private void push(boolean object) {
        if (open.size() >= MAX_DEPTH) {
            throw new Failure(pos, "nested more than " + MAX_DEPTH + " levels deep");
        }
        open.push(new Frame(object, line, new HashSet<>()));
        pos++;
    }

    private void object() {
        push(true);
        Frame frame = open.peek();
        skipSpace();
        if (!atEnd() && peek() == '}') {
            pos++;
            open.pop();
            return;
        }
        while (true) {
            if (atEnd()) {
                throw missingCloser();
            }
            char c = peek();
            if (c != '"') {
                throw new Failure(pos, c == '\'' ? "keys take double quotes (\"), not single quotes"
                        : Character.isLetter(c) || c == '_' ? "a key must be in double quotes"
                        : "expected a key in double quotes" + (c == ']' ? "; ']' does not close the object opened"
                                + " at line " + frame.line() : " or '}'"));
            }
            int keyAt = pos;
            String key = string();
            if (!frame.keys().add(key)) {
                throw new Failure(keyAt, "key \"" + key + "\" appears twice in the object opened at line "
                        + frame.line());
            }
            skipSpace();
            if (atEnd()) {
                throw missingCloser();
            }
            if (peek() != ':') {
                throw new Failure(pos, "expected ':' after the key \"" + key + "\"");
            }
            pos++;
            skipSpace();
            value();
            skipSpace();
            if (atEnd()) {
                throw missingCloser();
            }
            c = peek();
            if (c == '}') {
                pos++;
                open.pop();
                return;
            }
            if (c == ',') {
                int comma = pos;
                pos++;
                skipSpace();
                if (!atEnd() && peek() == '}') {
                    throw new Failure(comma, "trailing comma before '}': remove it (JSON allows none)");
                }
                continue;
            }
            throw new Failure(pos, c == '"' ? "missing ',' before the next key"
                    : c == ']' ? "']' does not close the object opened at line " + frame.line()
                            + " (expected ',' or '}')"
                    : "expected ',' or '}' after a value in the object opened at line " + frame.line());
        }
    }

    private void array() {
        push(false);
        Frame frame = open.peek();
        skipSpace();
        if (!atEnd() && peek() == ']') {
            pos++;
            open.pop();
            return;
        }
        while (true) {
            value();
            skipSpace();
            if (atEnd()) {
                throw missingCloser();
            }
            char c = peek();
            if (c == ']') {
                pos++;
                open.pop();
                return;
            }
            if (c == ',') {
                int comma = pos;
                pos++;
                skipSpace();
                if (!atEnd() && peek() == ']') {
                    throw new Failure(comma, "trailing comma before ']': remove it (JSON allows none)");
                }
                continue;
            }
            throw new Failure(pos, c == '}' ? "'}' does not close the array opened at line " + frame.line()
                    + " (expected ',' or ']')"
                    : "expected ',' or ']' after a value in the array opened at line " + frame.line());
        }
    }
}
