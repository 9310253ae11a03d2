package io.chatbridge.core;

import io.chatbridge.core.config.MessageKeys;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Quote;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies across the bridge: a message that quotes another ({@link InboundMessage#quote()}) is delivered with a
 * quote line before its text (rule option {@code reply_format}, default {@value #DEFAULT_FORMAT}), and with the
 * target's own id of the quoted message when the outbox's message links know it, for drivers that can thread.
 *
 * <p>The links answer two cases: the quoted message was delivered to this target before (the target knows it by
 * the id it gave our copy), or the quoted message is itself the bridge's copy of a message that came from this
 * target (then its text already names the original sender, e.g. {@code Alice: original text}, and the quote line
 * shows it as it is, without the robot's name). A quote of a message the bridge never saw is rendered from what
 * the source platform gave, without any lookup error.
 */
final class ReplyQuotes {

    /** The default {@code reply_format}. */
    static final String DEFAULT_FORMAT = "> {reply_user}: {reply_text}";
    /** Rule option: the quote line's format; {@code ""} leaves the text alone (e.g. msg_format uses the variables). */
    static final String OPTION = MessageKeys.REPLY_FORMAT;
    static final int EXCERPT = 80;

    private static final Logger LOG = LoggerFactory.getLogger(ReplyQuotes.class);

    private ReplyQuotes() {
    }

    /** The deliveries of {@code message} with their quotes resolved and rendered; unchanged when it quotes nothing. */
    static List<OutboundMessage> resolve(DeliveryStore store, InboundMessage message, List<OutboundMessage> deliveries) {
        Quote quote = message.quote();
        if (quote == null || deliveries.isEmpty()) {
            return deliveries;
        }
        List<DeliveryStore.MessageLink> copies = List.of();
        List<DeliveryStore.SourceLink> origins = List.of();
        if (quote.messageId() != null) {
            try {
                copies = store.links(message.instanceId(), quote.messageId());
                origins = store.sources(message.instanceId(), quote.messageId());
            } catch (StoreException e) {
                LOG.warn("reply {} from {}: message links not readable ({}); the quote is shown as given",
                        message.id(), message.instanceId(), e.getMessage());
            }
        }
        List<OutboundMessage> out = new ArrayList<>(deliveries.size());
        for (OutboundMessage delivery : deliveries) {
            String targetId = null;
            boolean bridgedCopy = false;
            // the channel in the links' canonical form (what queueKey puts after the instance id)
            String channel = DeliveryStore.queueKey(delivery).substring(delivery.instanceId().length() + 1);
            for (DeliveryStore.MessageLink link : copies) {
                if (link.targetInstance().equals(delivery.instanceId()) && link.targetChannel().equals(channel)) {
                    targetId = link.targetMessageId();
                }
            }
            for (DeliveryStore.SourceLink origin : origins) {
                bridgedCopy = true;
                if (origin.sourceInstance().equals(delivery.instanceId())) {
                    targetId = origin.sourceMessageId();
                }
            }
            if (quote.messageId() != null && copies.isEmpty() && origins.isEmpty()) {
                LOG.debug("reply {} quotes {}, which the bridge has no link for; quoted as the source gave it",
                        message.id(), quote.messageId());
            }
            Quote resolved = quote.withTargetMessageId(targetId);
            String line = line(delivery.option(OPTION), resolved, bridgedCopy);
            String text = line.isEmpty() ? delivery.text() : line + "\n" + delivery.text();
            out.add(delivery.toBuilder().text(text).quote(resolved).build());
        }
        return out;
    }

    /**
     * The quote line: {@code format} with {@code {reply_user}} and {@code {reply_text}}; for the bridge's own copy
     * (whose text already starts with the original sender) the default shows the text alone.
     */
    static String line(String format, Quote quote, boolean bridgedCopy) {
        String excerpt = quote.excerpt(EXCERPT);
        String user = quote.sender().bestName();
        if (format == null) {
            if (excerpt.isEmpty() && user.isEmpty()) {
                return "";
            }
            format = bridgedCopy || user.isEmpty() ? "> {reply_text}" : DEFAULT_FORMAT;
        }
        return format.replace("{reply_user}", user).replace("{reply_text}", excerpt.isEmpty() ? "…" : excerpt);
    }
}
