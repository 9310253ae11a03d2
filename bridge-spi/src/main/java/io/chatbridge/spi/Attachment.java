package io.chatbridge.spi;

/**
 * A file, picture or other media attached to a message.
 *
 * <p>Platforms often give no lasting URL (DingTalk gives a {@code downloadCode} that becomes a URL valid for a short
 * time): such an attachment carries a {@link #sourceRef()} that only its source instance understands, and targets
 * ask for the bytes or a fresh URL at send time with {@link DriverContext#openAttachment} /
 * {@link DriverContext#attachmentUrl}, never relying on {@link #url()} having stayed valid while the delivery
 * waited in the outbox.
 *
 * @param type a coarse kind: {@code image}, {@code file}, {@code audio}, {@code video}...
 * @param url where to fetch it, or {@code null} when the platform gives none
 * @param name a file name or title, may be {@code null}
 * @param size the size in bytes, or -1 when unknown
 * @param mime the media type, may be {@code null}
 * @param sourceRef an opaque reference the source instance resolves in {@link Driver#openAttachment} /
 *     {@link Driver#attachmentUrl} (DingTalk: the {@code downloadCode}), or {@code null}
 */
public record Attachment(String type, String url, String name, long size, String mime, String sourceRef) {

    /** An attachment without a source reference. */
    public Attachment(String type, String url, String name, long size, String mime) {
        this(type, url, name, size, mime, null);
    }

    /** A copy with another URL (e.g. a fresh one resolved at send time). */
    public Attachment withUrl(String url) {
        return new Attachment(type, url, name, size, mime, sourceRef);
    }

    /** Whether there is something to fetch: a URL or a source reference. */
    public boolean retrievable() {
        return (url != null && !url.isBlank()) || (sourceRef != null && !sourceRef.isBlank());
    }

    /** One line describing the attachment for text-only targets: {@code [image] https://...} or {@code [file] a.pdf}. */
    public String describe() {
        String kind = type == null || type.isBlank() ? "file" : type;
        if (url != null && !url.isBlank()) {
            return "[" + kind + "] " + url;
        }
        return "[" + kind + "] " + (name == null || name.isBlank() ? "(no link)" : name)
                + (size >= 0 ? " (" + humanSize(size) + ")" : "");
    }

    /** {@code 812 B}, {@code 3.4 KiB}, {@code 21.0 MiB}. */
    public static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
