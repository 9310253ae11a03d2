package io.chatbridge.spi;

import java.time.Instant;
import java.util.Map;

/**
 * Where a routed message came from.
 *
 * @param platform the source platform
 * @param instanceId the source instance
 * @param channel the source channel address fields
 * @param messageId the source message id, or {@code null}
 * @param sender who sent it
 * @param time when it was sent, or {@code null}
 */
public record Origin(String platform, String instanceId, Map<String, Object> channel, String messageId,
                     Sender sender, Instant time) {

    public Origin {
        channel = channel == null ? Map.of() : Map.copyOf(channel);
        sender = sender == null ? Sender.UNKNOWN : sender;
    }
}
