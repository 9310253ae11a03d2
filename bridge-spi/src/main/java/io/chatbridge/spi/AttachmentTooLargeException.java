package io.chatbridge.spi;

/**
 * An attachment is larger than the bridge's {@code global.media.max_bytes}: targets send a text line with its name
 * and size instead of the bytes. Permanent, code {@code TOO_LARGE}.
 */
public class AttachmentTooLargeException extends DeliveryException {

    private static final long serialVersionUID = 1L;

    private final long size;
    private final long maxBytes;

    /**
     * @param size the size, or -1 when only known to exceed {@code maxBytes}
     * @param maxBytes the limit
     */
    public AttachmentTooLargeException(String name, long size, long maxBytes) {
        super(Category.PERMANENT, Reason.OTHER, "TOO_LARGE", (name == null ? "attachment" : name) + " is "
                + (size < 0 ? "over " + maxBytes : String.valueOf(size)) + " bytes, more than media.max_bytes ("
                + maxBytes + ")", null, null);
        this.size = size;
        this.maxBytes = maxBytes;
    }

    /** The size, or -1 when only known to exceed {@link #maxBytes()}. */
    public long size() {
        return size;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
