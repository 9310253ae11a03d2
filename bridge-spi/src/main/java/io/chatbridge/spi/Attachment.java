package io.chatbridge.spi;

import java.util.Objects;

/**
 * A file, picture or other media attached to a message. Immutable; made with {@link #builder()} or
 * {@link #of(String, String)} (the only supported ways: a field added later is a new builder method).
 */
public final class Attachment {

    private final String type;
    private final String url;
    private final String name;
    private final long size;
    private final String mime;

    private Attachment(String type, String url, String name, long size, String mime) {
        this.type = type;
        this.url = url;
        this.name = name;
        this.size = size;
        this.mime = mime;
    }

    /** An attachment of a kind at a URL, with no name, size or media type. */
    public static Attachment of(String type, String url) {
        return new Attachment(type, url, null, -1, null);
    }

    /** A new builder; the size starts unknown (-1), every other field {@code null}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this attachment's fields, to make a changed copy. */
    public Builder toBuilder() {
        return new Builder().type(type).url(url).name(name).size(size).mime(mime);
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

    /** One line describing the attachment for text-only targets: {@code [image] https://...} or {@code [file] a.pdf}. */
    public String describe() {
        String kind = type == null || type.isBlank() ? "file" : type;
        if (url != null && !url.isBlank()) {
            return "[" + kind + "] " + url;
        }
        return "[" + kind + "] " + (name == null || name.isBlank() ? "(no link)" : name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attachment a && size == a.size && Objects.equals(type, a.type)
                && Objects.equals(url, a.url) && Objects.equals(name, a.name) && Objects.equals(mime, a.mime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, url, name, size, mime);
    }

    @Override
    public String toString() {
        return "Attachment[type=" + type + ", url=" + url + ", name=" + name + ", size=" + size + ", mime=" + mime
                + "]";
    }

    /** Builds an {@link Attachment}. Not thread-safe. */
    public static final class Builder {
        private String type;
        private String url;
        private String name;
        private long size = -1;
        private String mime;

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

        public Attachment build() {
            return new Attachment(type, url, name, size, mime);
        }
    }
}
