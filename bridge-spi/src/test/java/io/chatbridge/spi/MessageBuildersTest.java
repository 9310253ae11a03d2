package io.chatbridge.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MessageBuildersTest {

    private static OutboundMessage full() {
        return OutboundMessage.builder().deliveryId("d").ruleId("r").instanceId("t").channel("room", "ops")
                .text("hi").header(new RichHeader("T", "c")).rich(RichContent.markdown("T", "**hi**"))
                .attachment(Attachment.builder().type("image").url("https://x/a.png").size(3).build())
                .mentions(new Mentions(List.of("u1"), List.of(), false)).option("msg_type", "markdown")
                .source(new Origin("p", "i", Map.of("c", "1"), "m", Sender.of("u", "Ann"), Instant.EPOCH))
                .extension("xvchatgroup", "g").attempt(2).build();
    }

    @Test
    void aMessageBuiltWithNothingHasEmptyPartsNotNulls() {
        InboundMessage in = InboundMessage.builder().build();
        assertThat(in.text()).isEmpty();
        assertThat(in.channel()).isEmpty();
        assertThat(in.sender()).isSameAs(Sender.UNKNOWN);
        assertThat(in.attachments()).isEmpty();
        assertThat(in.mentions()).isEqualTo(Mentions.NONE);
        assertThat(in.extensions()).isEmpty();
        OutboundMessage out = OutboundMessage.builder().build();
        assertThat(out.text()).isEmpty();
        assertThat(out.attempt()).isEqualTo(1);
        assertThat(out.options()).isEmpty();
        assertThat(Attachment.builder().build().size()).isEqualTo(-1);
    }

    @Test
    void toBuilderCopiesEveryField() {
        OutboundMessage m = full();
        assertThat(m.toBuilder().build()).isEqualTo(m).hasSameHashCodeAs(m);
        assertThat(m.withAttempt(3)).isEqualTo(m.toBuilder().attempt(3).build()).isNotEqualTo(m);
        InboundMessage in = InboundMessage.builder().platform("p").instanceId("i").channel("c", 1)
                .sender(Sender.builder().id("u").displayName("Ann").username("ann").avatarUrl("https://a").build())
                .text("t").rich(RichContent.image("https://i")).attachment(Attachment.of("file", "https://f"))
                .id("m1").replyToId("m0").time(Instant.EPOCH).extension("k", "v").build();
        assertThat(in.toBuilder().build()).isEqualTo(in);
        assertThat(in.withOrigin("q", "j")).isEqualTo(in.toBuilder().platform("q").instanceId("j").build());
        RichContent.ActionCard card = RichContent.actionCard().title("T").button("A", "https://a").build();
        assertThat(card.toBuilder().build()).isEqualTo(card);
        assertThat(card.buttons()).containsExactly(RichContent.button("A", "https://a"));
    }

    @Test
    void builtMessagesCannotBeChangedAfterwards() {
        OutboundMessage.Builder builder = OutboundMessage.builder().channel("room", "ops");
        OutboundMessage m = builder.build();
        builder.channel("room", "dev").attachment(Attachment.of("file", "x"));
        assertThat(m.channel()).containsExactly(Map.entry("room", "ops"));
        assertThat(m.attachments()).isEmpty();
    }

    @Test
    void messageTypesHaveNoPublicConstructors() {
        Stream.of(InboundMessage.class, OutboundMessage.class, Attachment.class, Sender.class,
                        RichContent.Markdown.class, RichContent.Link.class, RichContent.ActionCard.class,
                        RichContent.Button.class, RichContent.FeedCard.class, RichContent.FeedLink.class,
                        RichContent.Image.class)
                .forEach(type -> {
                    assertThat(Modifier.isFinal(type.getModifiers())).as(type + " is final").isTrue();
                    assertThat(type.getConstructors()).as(type + " public constructors").isEmpty();
                    assertThat(type.isRecord()).as(type + " is a record").isFalse();
                });
    }
}
