package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.RichHeader;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    static OutboundMessage fullMessage() {
        return withRich(new RichContent.ActionCard("Deploy", "**done**", null, null,
                List.of(new RichContent.Button("Open", "https://ci/1"), new RichContent.Button("Logs", "https://ci/2")),
                "1"));
    }

    static OutboundMessage withRich(RichContent rich) {
        return new OutboundMessage("d-1", "rule-1", "dt_main", Map.of("open_conversation_id", "cid1", "n", 3),
                "Ann: hello 你好", new RichHeader("Alert", "disk full"), rich,
                List.of(new Attachment("image", "https://img/1.png", "1.png", 1234, "image/png"),
                        new Attachment("file", null, "a.pdf", -1, null)),
                new Mentions(List.of("u1", "u2"), List.of("+8613800000000"), true),
                Map.of("msg_type", "markdown", "title", "T", "nested", Map.of("a", List.of(1, 2))),
                new Origin("dingtalk", "dt_other", Map.of("open_conversation_id", "cid2"), "msg-9",
                        new Sender("staff1", "Ann", "ann", "https://avatar"), Instant.parse("2026-03-04T05:06:07.123Z")),
                Map.of("xvchatgroup", "g1"), 3);
    }

    static Stream<RichContent> everyRichContent() {
        return Stream.of(
                new RichContent.Markdown("Title", "# hi\n- a"),
                new RichContent.Link("Release", "v1 is out", "https://x/rel", "https://x/pic.png"),
                new RichContent.ActionCard("Card", "text", "Read", "https://x/read", List.of(), "0"),
                new RichContent.ActionCard("Card", "text", null, null,
                        List.of(new RichContent.Button("A", "https://a")), "1"),
                new RichContent.FeedCard(List.of(new RichContent.FeedLink("one", "https://1", "https://1.png"),
                        new RichContent.FeedLink("two", "https://2", null))),
                new RichContent.Image("https://x/img.png"));
    }

    @ParameterizedTest
    @MethodSource("everyRichContent")
    void roundTripsEveryRichContentVariant(RichContent rich) {
        OutboundMessage m = withRich(rich);
        String json = MessageCodec.write(m);
        assertThat(json).contains("\"type\":\"" + rich.type() + "\"");
        assertThat(MessageCodec.read(json)).isEqualTo(m);
    }

    @Test
    void roundTripsAMessageWithoutOptionalParts() {
        OutboundMessage m = new OutboundMessage("d", "r", "t", null, null, null, null, null, null, null,
                new Origin("p", "i", null, null, null, null), null, 1);
        assertThat(MessageCodec.read(MessageCodec.write(m))).isEqualTo(m);
        assertThat(MessageCodec.read(MessageCodec.write(m)).mentions()).isEqualTo(Mentions.NONE);
    }

    @Test
    void keepsInstantsAsIsoText() {
        String json = MessageCodec.write(fullMessage());
        assertThat(json).contains("\"time\":\"2026-03-04T05:06:07.123Z\"");
        assertThat(MessageCodec.read(json).source().time()).isEqualTo(Instant.parse("2026-03-04T05:06:07.123Z"));
    }

    @Test
    void ignoresFieldsAddedByANewerBuild() {
        String json = MessageCodec.write(fullMessage()).replaceFirst("\\{", "{\"added_later\":42,");
        assertThat(MessageCodec.read(json)).isEqualTo(fullMessage());
    }

    @Test
    void aBrokenPayloadIsAStoreException() {
        assertThatThrownBy(() -> MessageCodec.read("{\"rich\":{\"type\":\"hologram\"}}"))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot read a stored delivery: ");
    }
}
