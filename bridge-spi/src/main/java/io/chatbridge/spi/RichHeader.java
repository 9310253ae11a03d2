package io.chatbridge.spi;

/**
 * A header cut out of a rule's {@code msg_format} ({@code <richheader title="..." content="..."/>}). Drivers that
 * cannot show headers render {@link #asLine()} as the first line.
 */
public record RichHeader(String title, String content) {

    /** {@code [title · content]}, or only the part that is present. */
    public String asLine() {
        boolean hasTitle = title != null && !title.isEmpty();
        boolean hasContent = content != null && !content.isEmpty();
        if (hasTitle && hasContent) {
            return "[" + title + " · " + content + "]";
        }
        return "[" + (hasTitle ? title : hasContent ? content : "") + "]";
    }
}
