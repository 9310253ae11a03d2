package io.chatbridge.core.logging;

/**
 * Text from a remote server made fit for a log line or a dead-letter error: printable characters only (letters of
 * any script, digits, punctuation, spaces), control characters and line breaks as spaces, runs of undecodable or
 * invisible characters (bytes that were not UTF-8, binary garbage) as one {@code ?}, and at most a bounded length.
 */
public final class PrintableText {

    /** The longest text kept; longer text is cut and says how much was left out. */
    public static final int MAX_CHARS = 1000;

    private PrintableText() {
    }

    /** {@code text} with only printable characters, at most {@link #MAX_CHARS}; {@code null} stays {@code null}. */
    public static String of(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CHARS + 32));
        boolean garbage = false;
        int kept = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (kept >= MAX_CHARS) {
                out.append("… (").append(text.length() - i + Character.charCount(cp)).append(" more characters)");
                break;
            }
            if (cp == '\n' || cp == '\r' || cp == '\t') {
                out.append(' ');
                kept++;
                garbage = false;
            } else if (printable(cp)) {
                out.appendCodePoint(cp);
                kept++;
                garbage = false;
            } else if (!garbage) {
                out.append('?');
                kept++;
                garbage = true;
            }
        }
        return out.toString();
    }

    private static boolean printable(int cp) {
        if (cp == 0xFFFD || Character.isISOControl(cp)) {
            return false;
        }
        int type = Character.getType(cp);
        return type != Character.UNASSIGNED && type != Character.PRIVATE_USE && type != Character.SURROGATE
                && type != Character.FORMAT && type != Character.CONTROL;
    }
}
