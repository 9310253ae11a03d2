package io.chatbridge.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.RandomIds;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a recall goes: the targets the rules route the recall itself to (the same queues as the message, so it
 * waits behind a copy still pending), plus every target the message links say a copy was delivered to. The second
 * part matters when the recall's channel is not the message's: a CloudEvent of type {@code io.chatbridge.recall}
 * does not match a rule on {@code {"type": "alert.critical"}}, yet the alert's copies must go.
 */
final class RecallTargets {

    private static final Logger LOG = LoggerFactory.getLogger(RecallTargets.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecallTargets() {
    }

    /**
     * The recall deliveries of {@code recall}: {@code routed} plus one per delivered copy's target not among them.
     *
     * @param known whether a target instance still exists (a removed instance gets no recall)
     * @throws BridgeUnavailableException when the message links cannot be read (the caller is answered 503 and
     *     may send the recall again; nothing is recorded)
     */
    static List<OutboundMessage> complete(DeliveryStore store, InboundMessage recall, List<OutboundMessage> routed,
                                          Predicate<String> known) {
        List<DeliveryStore.MessageLink> links;
        try {
            links = store.linksOfIdOrQualified(recall.instanceId(), recall.recallOf());
        } catch (StoreException e) {
            throw new BridgeUnavailableException("the bridge cannot read its message links to recall "
                    + "the message", e);
        }
        Set<String> queues = new HashSet<>();
        for (OutboundMessage delivery : routed) {
            queues.add(DeliveryStore.queueKey(delivery));
        }
        List<OutboundMessage> out = new ArrayList<>(routed);
        Origin origin = null;
        for (DeliveryStore.MessageLink link : links) {
            if (!known.test(link.targetInstance()) || link.targetMessageId() == null) {
                continue; // a removed instance, or a copy the target gave no id for: nothing to recall by id
            }
            Map<String, Object> channel = channel(link.targetChannel());
            if (channel == null) {
                continue;
            }
            OutboundMessage delivery = OutboundMessage.builder().deliveryId(RandomIds.next())
                    .ruleId(link.ruleId()).instanceId(link.targetInstance()).channel(channel)
                    .source(origin = origin != null ? origin : new Origin(recall.platform(), recall.instanceId(),
                            recall.channel(), recall.id(), recall.sender(), recall.time()))
                    .extensions(recall.extensions()).recallOf(recall.recallOf()).attempt(1).build();
            if (queues.add(DeliveryStore.queueKey(delivery))) {
                out.add(delivery);
            }
        }
        if (out.isEmpty()) {
            LOG.debug("recall of {} from {}: no copy of it was delivered and no rule routes the recall; nothing to "
                    + "recall", recall.recallOf().replace('\n', ' '), recall.instanceId());
        }
        return out;
    }

    private static Map<String, Object> channel(String canonical) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = JSON.readValue(canonical, LinkedHashMap.class);
            return fields;
        } catch (JsonProcessingException e) {
            LOG.warn("a message link names an unreadable target channel ({}); no recall sent there",
                    e.getOriginalMessage());
            return null;
        }
    }
}
