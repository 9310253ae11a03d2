package io.chatbridge.spi;

/**
 * Who sent a message. Any field may be {@code null}.
 *
 * @param id the platform's stable user id (DingTalk: staff id)
 * @param displayName the name shown in the chat (DingTalk: {@code senderNick})
 * @param username a login or handle, when the platform has one
 * @param avatarUrl a picture URL
 */
public record Sender(String id, String displayName, String username, String avatarUrl) {

    /** A sender nobody knows. */
    public static final Sender UNKNOWN = new Sender(null, null, null, null);

    /** The best name to show: display name, else username, else id, else {@code ""}. */
    public String bestName() {
        if (displayName != null && !displayName.isBlank()) {
            return displayName;
        }
        if (username != null && !username.isBlank()) {
            return username;
        }
        return id == null ? "" : id;
    }
}
