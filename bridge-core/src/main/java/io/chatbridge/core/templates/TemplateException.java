package io.chatbridge.core.templates;

/**
 * A template that cannot be compiled: a syntax error, or a filter, function or test that does not exist. Its
 * message is written for the person who wrote the template and never contains payload data.
 */
public final class TemplateException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int line;

    TemplateException(int line, String message) {
        super(message, null, false, false);
        this.line = line;
    }

    /** The 1-based line in the template, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** {@code "line 3: message"}, or the message alone when the line is unknown. */
    public String describe() {
        return line > 0 ? "line " + line + ": " + getMessage() : getMessage();
    }
}
