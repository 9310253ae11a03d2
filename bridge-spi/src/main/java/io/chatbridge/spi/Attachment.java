package io.chatbridge.spi;

/**
 * A file, picture or other media attached to a message.
 *
 * @param type a coarse kind: {@code image}, {@code file}, {@code audio}, {@code video}...
 * @param url where to fetch it, or {@code null} when the platform gives none
 * @param name a file name or title, may be {@code null}
 * @param size the size in bytes, or -1 when unknown
 * @param mime the media type, may be {@code null}
 */
public record Attachment(String type, String url, String name, long size, String mime) {

    /** One line describing the attachment for text-only targets: {@code [image] https://...} or {@code [file] a.pdf}. */
    public String describe() {
        String kind = type == null || type.isBlank() ? "file" : type;
        if (url != null && !url.isBlank()) {
            return "[" + kind + "] " + url;
        }
        return "[" + kind + "] " + (name == null || name.isBlank() ? "(no link)" : name);
    }
}
