package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.InMemoryDeliveryStore;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Quote;
import io.chatbridge.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplyQuotesTest {

    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);
    private final InMemoryDeliveryStore store = new InMemoryDeliveryStore();

    private static InboundMessage reply(String quotedId, String quotedText) {
        return InboundMessage.builder().platform("dingtalk").instanceId("dt").channel("open_conversation_id", "cidB")
                .sender(Sender.of("bob", "Bob")).text("agreed").id("r1")
                .quote(Quote.of(quotedId, Sender.of("carol", "Carol"), quotedText)).build();
    }

    private static OutboundMessage delivery(String deliveryId, Map<String, Object> options, String sourceId) {
        return OutboundMessage.builder().deliveryId(deliveryId).ruleId("rule").instanceId("dt")
                .channel("open_conversation_id", "cidA").text("Bob: agreed").options(options)
                .source(new Origin("dingtalk", "dt", Map.of(), sourceId, null, null)).build();
    }

    @Test
    void aQuoteOfAMessageTheBridgeNeverSawIsRenderedFromWhatTheSourceGave() {
        InboundMessage message = reply("never-seen", "old news that goes on and on ".repeat(5));

        OutboundMessage out = ReplyQuotes.resolve(store, message, List.of(delivery("d1", Map.of(), "r1"))).get(0);

        assertThat(out.text()).startsWith("> Carol: old news that goes on").endsWith("…\nBob: agreed");
        assertThat(out.quote().targetMessageId()).isNull();
        assertThat(out.quote().messageId()).isEqualTo("never-seen");
    }

    @Test
    void aQuoteOfAMessageDeliveredToTheTargetCarriesTheTargetsIdAndTheRulesFormat() {
        // the quoted message q1 was delivered to cidA earlier and got id pqk-7 there
        store.append(null, List.of(delivery("d0", Map.of(), "q1")), NOW, Duration.ofMinutes(10));
        DeliveryStore.PendingDelivery pending = store.claim(1, NOW, Duration.ofSeconds(30)).get(0);
        store.delivered(pending, "pqk-7", NOW);

        OutboundMessage out = ReplyQuotes.resolve(store, reply("q1", "deploy?"),
                List.of(delivery("d1", Map.of("reply_format", "» {reply_user} said “{reply_text}”"), "r1"))).get(0);

        assertThat(out.quote().targetMessageId()).isEqualTo("pqk-7");
        assertThat(out.text()).isEqualTo("» Carol said “deploy?”\nBob: agreed");
    }

    @Test
    void anEmptyReplyFormatLeavesTheTextAlone() {
        OutboundMessage out = ReplyQuotes.resolve(store, reply("x", "y"),
                List.of(delivery("d1", Map.of("reply_format", ""), "r1"))).get(0);

        assertThat(out.text()).isEqualTo("Bob: agreed");
        assertThat(out.quote()).isNotNull();
    }
}
