package io.chatbridge.spi;

/**
 * The bytes of an attachment, read at send time through {@link DriverContext#openAttachment} (made by the source
 * driver's {@link Driver#openAttachment} with {@link #of}). Immutable by convention: the array is not copied.
 */
public final class AttachmentContent {

    private final byte[] bytes;
    private final String mime;
    private final String url;

    private AttachmentContent(byte[] bytes, String mime, String url) {
        this.bytes = bytes == null ? new byte[0] : bytes;
        this.mime = mime;
        this.url = url;
    }

    /**
     * @param bytes the content (never more than the bridge's {@code global.media.max_bytes})
     * @param mime the media type the source gave, or {@code null}
     * @param url the fresh URL the bytes were read from, or {@code null} when the source gave bytes without one
     */
    public static AttachmentContent of(byte[] bytes, String mime, String url) {
        return new AttachmentContent(bytes, mime, url);
    }

    /** The content; do not modify it. */
    public byte[] bytes() {
        return bytes;
    }

    /** The media type the source gave, or {@code null}. */
    public String mime() {
        return mime;
    }

    /** The URL the bytes were read from, or {@code null}. */
    public String url() {
        return url;
    }

    /** The size in bytes. */
    public long size() {
        return bytes.length;
    }
}
