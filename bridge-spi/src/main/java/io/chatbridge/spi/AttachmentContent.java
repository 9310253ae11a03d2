package io.chatbridge.spi;

/**
 * The bytes of an attachment, fetched at send time through {@link DriverContext#openAttachment}.
 *
 * @param bytes the content (never more than the bridge's {@code global.media.max_bytes})
 * @param mime the media type the source gave, or {@code null}
 * @param url the fresh URL the bytes were read from, or {@code null} when the source gave bytes without one
 */
public record AttachmentContent(byte[] bytes, String mime, String url) {

    public AttachmentContent {
        bytes = bytes == null ? new byte[0] : bytes;
    }

    /** The size in bytes. */
    public long size() {
        return bytes.length;
    }
}
