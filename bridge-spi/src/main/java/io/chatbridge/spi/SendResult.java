package io.chatbridge.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a successful {@link Driver#send}.
 *
 * @param platformMessageId the id the target platform gave the message (DingTalk: {@code processQueryKey}), or
 *     {@code null} when it gives none; for a delivery sent as several platform messages (a long text split into
 *     parts), their ids joined with {@code ","}
 * @param partMessageIds the id of every platform message the delivery became, in order (one for an ordinary send,
 *     none when the platform gives no id); the bridge stores each for later replies and recalls, so a quote of
 *     any part finds the original and a recall reaches every part
 */
public record SendResult(String platformMessageId, List<String> partMessageIds) {

    /** A success without an id. */
    public static final SendResult OK = new SendResult(null);

    public SendResult {
        if (partMessageIds == null) {
            partMessageIds = platformMessageId == null || platformMessageId.isEmpty() ? List.of()
                    : List.of(platformMessageId);
        } else {
            List<String> ids = new ArrayList<>(partMessageIds.size());
            for (String id : partMessageIds) {
                if (id != null && !id.isEmpty()) {
                    ids.add(id);
                }
            }
            partMessageIds = List.copyOf(ids);
        }
    }

    /** A success with one platform message id (or none, {@code null}). */
    public SendResult(String platformMessageId) {
        this(platformMessageId, null);
    }

    /**
     * A delivery sent as several platform messages, in order ({@code null} or empty ids are left out); its
     * {@link #platformMessageId()} is the ids joined with {@code ","}.
     */
    public static SendResult ofParts(List<String> partMessageIds) {
        SendResult parts = new SendResult("", partMessageIds);
        return new SendResult(parts.partMessageIds().isEmpty() ? null : String.join(",", parts.partMessageIds()),
                parts.partMessageIds());
    }
}
