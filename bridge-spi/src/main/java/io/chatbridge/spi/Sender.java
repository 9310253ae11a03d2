package io.chatbridge.spi;

import java.util.Objects;

/**
 * Who sent a message. Immutable; made with {@link #builder()} or {@link #of(String, String)} (the only supported
 * ways: a field added later is a new builder method, never a changed constructor). Any field may be {@code null}.
 */
public final class Sender {

    /** A sender nobody knows. */
    public static final Sender UNKNOWN = new Sender(null, null, null, null);

    private final String id;
    private final String displayName;
    private final String username;
    private final String avatarUrl;

    private Sender(String id, String displayName, String username, String avatarUrl) {
        this.id = id;
        this.displayName = displayName;
        this.username = username;
        this.avatarUrl = avatarUrl;
    }

    /** A sender with an id and a display name. */
    public static Sender of(String id, String displayName) {
        return new Sender(id, displayName, null, null);
    }

    /** A new builder; every field starts as {@code null}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this sender's fields, to make a changed copy. */
    public Builder toBuilder() {
        return new Builder().id(id).displayName(displayName).username(username).avatarUrl(avatarUrl);
    }

    /** The platform's stable user id (DingTalk: staff id), or {@code null}. */
    public String id() {
        return id;
    }

    /** The name shown in the chat (DingTalk: {@code senderNick}), or {@code null}. */
    public String displayName() {
        return displayName;
    }

    /** A login or handle, when the platform has one, or {@code null}. */
    public String username() {
        return username;
    }

    /** A picture URL, or {@code null}. */
    public String avatarUrl() {
        return avatarUrl;
    }

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

    @Override
    public boolean equals(Object o) {
        return o instanceof Sender s && Objects.equals(id, s.id) && Objects.equals(displayName, s.displayName)
                && Objects.equals(username, s.username) && Objects.equals(avatarUrl, s.avatarUrl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, displayName, username, avatarUrl);
    }

    @Override
    public String toString() {
        return "Sender[id=" + id + ", displayName=" + displayName + ", username=" + username + ", avatarUrl="
                + avatarUrl + "]";
    }

    /** Builds a {@link Sender}. Not thread-safe. */
    public static final class Builder {
        private String id;
        private String displayName;
        private String username;
        private String avatarUrl;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder displayName(String displayName) {
            this.displayName = displayName;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        public Builder avatarUrl(String avatarUrl) {
            this.avatarUrl = avatarUrl;
            return this;
        }

        public Sender build() {
            return new Sender(id, displayName, username, avatarUrl);
        }
    }
}
