package io.chatbridge.spi;

import java.util.Objects;

/**
 * A file, picture or other media attached to a message. Immutable; made with {@link #builder()} or
 * {@link #of(String, String)} (the only supported ways: a field added later is a new builder method).
 *
 * <p>Platforms often give no lasting URL (DingTalk gives a {@code downloadCode} that becomes a URL valid for a short
 * time): such an attachment carries a {@link #sourceRef()} that only its source instance understands, and targets
 * ask for the bytes or a fresh URL at send time with {@link DriverContext#openAttachment} /
 * {@link DriverContext#attachmentUrl}, never relying on {@link #url()} having stayed valid while the delivery
 * waited in the outbox.
 */
public final class Attachment {

    private final String type;
    private final String url;
    private final String name;
    private final long size;
    private final String mime;
    private final String sourceRef;
    private final long durationMillis;

    private Attachment(String type, String url, String name, long size, String mime, String sourceRef,
            long durationMillis) {
        this.type = type;
        this.url = url;
        this.name = name;
        this.size = size;
        this.mime = mime;
        this.sourceRef = sourceRef;
        this.durationMillis = durationMillis;
    }

    /** An attachment of a kind at a URL, with no name, size or media type. */
    public static Attachment of(String type, String url) {
        return new Attachment(type, url, null, -1, null, null, -1);
    }

    /** A new builder; the size starts unknown (-1), every other field {@code null}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this attachment's fields, to make a changed copy. */
    public Builder toBuilder() {
        return new Builder().type(type).url(url).name(name).size(size).mime(mime).sourceRef(sourceRef)
                .durationMillis(durationMillis);
    }

    /** A coarse kind: {@code image}, {@code file}, {@code audio}, {@code video}... */
    public String type() {
        return type;
    }

    /** Where to fetch it, or {@code null} when the platform gives none. */
    public String url() {
        return url;
    }

    /** A file name or title, or {@code null}. */
    public String name() {
        return name;
    }

    /** The size in bytes, or -1 when unknown. */
    public long size() {
        return size;
    }

    /** The media type, or {@code null}. */
    public String mime() {
        return mime;
    }

    /**
     * An opaque reference the source instance resolves in {@link Driver#openAttachment} / {@link
     * Driver#attachmentUrl} (DingTalk: the {@code downloadCode}), or {@code null}.
     */
    public String sourceRef() {
        return sourceRef;
    }

    /**
     * How long a voice message or video plays, in milliseconds, or -1 when unknown (the default, and always for
     * files and pictures). Set by source drivers that know it (DingTalk: the {@code duration} of {@code audio} and
     * {@code video} callbacks); targets that need it (DingTalk's {@code sampleAudio} / {@code sampleVideo}) use it
     * as given and fall back to their own default when it is -1. Added after the first release: a driver built
     * before it never sets it.
     */
    public long durationMillis() {
        return durationMillis;
    }

    /** A copy with another URL (e.g. a fresh one resolved at send time). */
    public Attachment withUrl(String url) {
        return toBuilder().url(url).build();
    }

    /** Whether there is something to fetch: a URL or a source reference. */
    public boolean retrievable() {
        return (url != null && !url.isBlank()) || (sourceRef != null && !sourceRef.isBlank());
    }

    /**
     * One line describing the attachment for text-only targets: {@code [image] https://...} or
     * {@code [file] a.pdf (3.4 KiB)}.
     */
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

    @Override
    public boolean equals(Object o) {
        return o instanceof Attachment a && size == a.size && durationMillis == a.durationMillis
                && Objects.equals(type, a.type)
                && Objects.equals(url, a.url) && Objects.equals(name, a.name) && Objects.equals(mime, a.mime)
                && Objects.equals(sourceRef, a.sourceRef);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, url, name, size, mime, sourceRef, durationMillis);
    }

    @Override
    public String toString() {
        return "Attachment[type=" + type + ", url=" + url + ", name=" + name + ", size=" + size + ", mime=" + mime
                + (sourceRef == null ? "" : ", sourceRef=" + sourceRef)
                + (durationMillis < 0 ? "" : ", durationMillis=" + durationMillis) + "]";
    }

    /** Builds an {@link Attachment}. Not thread-safe. */
    public static final class Builder {
        private String type;
        private String url;
        private String name;
        private long size = -1;
        private String mime;
        private String sourceRef;
        private long durationMillis = -1;

        private Builder() {
        }

        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The size in bytes; -1 for unknown. */
        public Builder size(long size) {
            this.size = size;
            return this;
        }

        public Builder mime(String mime) {
            this.mime = mime;
            return this;
        }

        /** The source instance's own reference (DingTalk: {@code downloadCode}); see {@link Attachment#sourceRef()}. */
        public Builder sourceRef(String sourceRef) {
            this.sourceRef = sourceRef;
            return this;
        }

        /**
         * How long the voice message or video plays, in milliseconds; -1 (the default) for unknown. See
         * {@link Attachment#durationMillis()}.
         */
        public Builder durationMillis(long durationMillis) {
            this.durationMillis = durationMillis < 0 ? -1 : durationMillis;
            return this;
        }

        public Attachment build() {
            return new Attachment(type, url, name, size, mime, sourceRef, durationMillis);
        }
    }
}
