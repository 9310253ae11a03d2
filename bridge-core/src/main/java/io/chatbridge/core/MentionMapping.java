package io.chatbridge.core;

import io.chatbridge.core.config.MessageKeys;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mentions across platforms: a mentioned user id is passed to the target as a real mention when it means the same
 * person there, i.e. when the target is of the same platform (same organisation), or when the rule's {@code mentions}
 * option maps it ({@code "mentions": {"alice@corp.example": "alice01"}}: source id → target id). Any other id is
 * left out of the structured mentions (it would name nobody, or somebody else, on the target); the message text
 * still shows the {@code @name} the sender wrote.
 */
final class MentionMapping {

    /** Rule option: source user id → target user id. */
    static final String OPTION = MessageKeys.MENTIONS;

    private static final Logger LOG = LoggerFactory.getLogger(MentionMapping.class);

    private MentionMapping() {
    }

    static List<OutboundMessage> apply(InboundMessage message, List<OutboundMessage> deliveries,
                                       Function<String, String> platformOf) {
        if (message.mentions().userIds().isEmpty() || deliveries.isEmpty()) {
            return deliveries;
        }
        List<OutboundMessage> out = new ArrayList<>(deliveries.size());
        for (OutboundMessage delivery : deliveries) {
            boolean samePlatform = message.platform() != null
                    && message.platform().equals(platformOf.apply(delivery.instanceId()));
            Map<?, ?> map = delivery.options().get(OPTION) instanceof Map<?, ?> m ? m : Map.of();
            List<String> ids = new ArrayList<>();
            for (String id : message.mentions().userIds()) {
                Object mapped = map.get(id);
                if (mapped != null && !String.valueOf(mapped).isBlank()) {
                    ids.add(String.valueOf(mapped));
                } else if (samePlatform) {
                    ids.add(id);
                } else {
                    LOG.debug("rule {}: mention of {} from {} has no id on {} (map it in the rule option mentions); "
                            + "sent as text only", delivery.ruleId(), id, message.instanceId(), delivery.instanceId());
                }
            }
            if (ids.equals(message.mentions().userIds())) {
                out.add(delivery);
            } else {
                out.add(delivery.toBuilder().mentions(new Mentions(ids, delivery.mentions().mobiles(),
                        delivery.mentions().all())).build());
            }
        }
        return out;
    }
}
