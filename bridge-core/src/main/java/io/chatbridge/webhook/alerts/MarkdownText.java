package io.chatbridge.webhook.alerts;

/** Escaping for text placed into markdown (DingTalk's markdown messages). */
public final class MarkdownText {

    /** Characters that are markdown syntax anywhere in a line. */
    private static final String SPECIAL = "\\`*_[]<>|~";
    /** Characters that are markdown syntax at the start of a line (heading, list, quote). */
    private static final String LEADING = "#-+>=";

    private MarkdownText() {
    }

    /**
     * {@code text} with every character markdown would read as syntax backslash-escaped ({@code *}, {@code _},
     * {@code [}, {@code <}, and {@code #}, {@code -}, {@code +} at the start), and line breaks turned into spaces,
     * so a label value such as {@code *prod*_[eu]} shows as written and cannot start a heading, a list or a link.
     */
    public static String escape(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String line = text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        StringBuilder out = new StringBuilder(line.length() + 8);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (SPECIAL.indexOf(c) >= 0 || (i == 0 && LEADING.indexOf(c) >= 0)) {
                out.append('\\');
            }
            out.append(c);
        }
        if (out.length() > 1 && Character.isDigit(out.charAt(0))) {
            int j = 0;
            while (j < out.length() && Character.isDigit(out.charAt(j))) {
                j++;
            }
            if (j < out.length() && (out.charAt(j) == '.' || out.charAt(j) == ')')) {
                out.insert(j, '\\'); // "1. " would start an ordered list
            }
        }
        return out.toString();
    }

    /** Escapes each line of {@code text} ({@link #escape}) and keeps its line breaks as paragraph breaks. */
    public static String escapeLines(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\\r?\\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append("\n\n");
            }
            out.append(escape(line.strip()));
        }
        return out.toString();
    }

    /**
     * A URL usable as a markdown link target: spaces and parentheses percent-encoded, so the link cannot end early.
     * Returns {@code null} for anything but an http(s) URL.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String u = url.trim();
        if (!(u.startsWith("http://") || u.startsWith("https://"))) {
            return null;
        }
        return u.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E");
    }
}
