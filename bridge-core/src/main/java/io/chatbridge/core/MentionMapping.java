package io.chatbridge.core;

import io.chatbridge.core.config.Identities;
import io.chatbridge.core.config.MessageKeys;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mentions across platforms: a mentioned user id is passed to the target as a real mention when it names somebody
 * there. In this order:
 * <ol>
 *   <li>the rule's {@code mentions} option maps it ({@code "mentions": {"alice@corp.example": "alice01"}}: source
 *       id → target id);</li>
 *   <li>{@code global.identities} lists a person with this id on the source instance and an id on the target
 *       instance;</li>
 *   <li>the target is of the same platform (the same DingTalk organisation: the same staff id).</li>
 * </ol>
 * Any other id is left out of the structured mentions (it would name nobody, or somebody else, on the target); the
 * text still shows the {@code @name} the sender wrote. The display name of a mapped id is kept under its target id,
 * so a target that mentions by id in the text can put it where the text has {@code @name}.
 */
final class MentionMapping {

    /** Rule option: source user id → target user id. */
    static final String OPTION = MessageKeys.MENTIONS;

    private static final Logger LOG = LoggerFactory.getLogger(MentionMapping.class);

    private MentionMapping() {
    }

    static List<OutboundMessage> apply(InboundMessage message, List<OutboundMessage> deliveries,
                                       Function<String, String> platformOf, Identities identities) {
        if (message.mentions().userIds().isEmpty() || deliveries.isEmpty()) {
            return deliveries;
        }
        List<OutboundMessage> out = new ArrayList<>(deliveries.size());
        for (OutboundMessage delivery : deliveries) {
            boolean samePlatform = message.platform() != null
                    && message.platform().equals(platformOf.apply(delivery.instanceId()));
            Map<?, ?> map = delivery.options().get(OPTION) instanceof Map<?, ?> m ? m : Map.of();
            List<String> ids = new ArrayList<>();
            Map<String, String> names = new LinkedHashMap<>();
            for (String id : message.mentions().userIds()) {
                Object ruleMapped = map.get(id);
                String mapped = ruleMapped != null && !String.valueOf(ruleMapped).isBlank()
                        ? String.valueOf(ruleMapped)
                        : identities.map(message.instanceId(), id, delivery.instanceId());
                if (mapped == null && samePlatform) {
                    mapped = id;
                }
                if (mapped == null) {
                    LOG.debug("rule {}: mention of {} from {} has no id on {} (map it in global.identities or the "
                            + "rule option mentions); sent as text only", delivery.ruleId(), id,
                            message.instanceId(), delivery.instanceId());
                    continue;
                }
                if (!ids.contains(mapped)) {
                    ids.add(mapped);
                }
                String name = message.mentions().nameOf(id);
                if (name != null) {
                    names.putIfAbsent(mapped, name);
                }
            }
            // ids the rule itself added (msg.at_user_ids) are already the target's: kept as they are
            for (String id : delivery.mentions().userIds()) {
                if (!message.mentions().userIds().contains(id) && !ids.contains(id)) {
                    ids.add(id);
                }
            }
            Mentions mentions = new Mentions(ids, delivery.mentions().mobiles(), delivery.mentions().all(), names);
            out.add(mentions.equals(delivery.mentions()) ? delivery : delivery.toBuilder().mentions(mentions).build());
        }
        return out;
    }
}
