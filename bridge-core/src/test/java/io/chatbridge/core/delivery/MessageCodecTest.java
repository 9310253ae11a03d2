package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Quote;
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
        return withRich(RichContent.actionCard("Deploy", "**done**", null, null,
                List.of(RichContent.button("Open", "https://ci/1"), RichContent.button("Logs", "https://ci/2")),
                "1"));
    }

    static OutboundMessage withRich(RichContent rich) {
        return OutboundMessage.builder().deliveryId("d-1").ruleId("rule-1").instanceId("dt_main")
                .channel(Map.of("open_conversation_id", "cid1", "n", 3)).text("Ann: hello 你好")
                .header(new RichHeader("Alert", "disk full")).rich(rich)
                .attachment(Attachment.builder().type("image").url("https://img/1.png").name("1.png").size(1234)
                        .mime("image/png").build())
                .attachment(Attachment.builder().type("file").name("a.pdf").build())
                .mentions(new Mentions(List.of("u1", "u2"), List.of("+8613800000000"), true))
                .options(Map.of("msg_type", "markdown", "title", "T", "nested", Map.of("a", List.of(1, 2))))
                .source(new Origin("dingtalk", "dt_other", Map.of("open_conversation_id", "cid2"), "msg-9",
                        Sender.builder().id("staff1").displayName("Ann").username("ann").avatarUrl("https://avatar")
                                .build(), Instant.parse("2026-03-04T05:06:07.123Z")))
                .extensions(Map.of("xvchatgroup", "g1")).attempt(3).build();
    }

    @Test
    void roundTripsTheDisplayNamesOfMentions() {
        OutboundMessage m = fullMessage().toBuilder()
                .mentions(new Mentions(List.of("u1", "u2"), List.of(), false, Map.of("u1", "Alice"))).build();
        String json = MessageCodec.write(m);
        assertThat(json).startsWith("{\"v\":1,").contains("\"names\":{\"u1\":\"Alice\"}");
        assertThat(MessageCodec.read(json).mentions().nameOf("u1")).isEqualTo("Alice");
        assertThat(MessageCodec.read(json)).isEqualTo(m);
    }

    static Stream<RichContent> everyRichContent() {
        return Stream.of(
                RichContent.markdown("Title", "# hi\n- a"),
                RichContent.link("Release", "v1 is out", "https://x/rel", "https://x/pic.png"),
                RichContent.actionCard("Card", "text", "Read", "https://x/read", List.of(), "0"),
                RichContent.actionCard("Card", "text", null, null,
                        List.of(RichContent.button("A", "https://a")), "1"),
                RichContent.feedCard(List.of(RichContent.feedLink("one", "https://1", "https://1.png"),
                        RichContent.feedLink("two", "https://2", null))),
                RichContent.image("https://x/img.png"),
                RichContent.richText(List.of(RichContent.Segment.text("before"), RichContent.Segment.attachment(0),
                        RichContent.Segment.text("after"))));
    }

    @Test
    void roundTripsAQuoteARecallAndAnAttachmentsSourceReference() {
        OutboundMessage m = fullMessage().toBuilder()
                .attachments(List.of(Attachment.builder().type("image").name("image").sourceRef("dlc-1").build()))
                .quote(Quote.of("msg-7", Sender.of("staff2", "Bob"), "the quoted text").withTargetMessageId("pqk-3"))
                .recallOf("msg-5").build();
        String json = MessageCodec.write(m);
        assertThat(json).startsWith("{\"v\":2,").contains("\"sourceRef\":\"dlc-1\"")
                .contains("\"recallOf\":\"msg-5\"").contains("\"targetMessageId\":\"pqk-3\"");
        OutboundMessage read = MessageCodec.read(json);
        assertThat(read).isEqualTo(m);
        assertThat(read.quote().sender().displayName()).isEqualTo("Bob");
        assertThat(read.attachments().get(0).sourceRef()).isEqualTo("dlc-1");
        assertThat(read.isRecall()).isTrue();
    }

    @Test
    void roundTripsTheDurationOfAVoiceMessageAndLeavesItOutWhenUnknown() {
        OutboundMessage m = fullMessage().toBuilder().attachments(List.of(
                Attachment.builder().type("audio").name("voice message").sourceRef("dlc-2").durationMillis(4200)
                        .build(),
                Attachment.builder().type("file").name("a.pdf").sourceRef("dlc-3").build())).build();
        String json = MessageCodec.write(m);
        assertThat(json).contains("\"durationMillis\":4200").containsOnlyOnce("durationMillis");
        OutboundMessage read = MessageCodec.read(json);
        assertThat(read).isEqualTo(m);
        assertThat(read.attachments()).extracting(Attachment::durationMillis).containsExactly(4200L, -1L);
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
    void everyRichContentVariantOfTheSpiIsCoveredByTheRoundTrip() {
        // a variant added to the SPI needs its stored form (MessageCodec.StoredRich) and a sample in everyRichContent
        assertThat(everyRichContent().map(Object::getClass).distinct().toList())
                .containsExactlyInAnyOrder(RichContent.class.getPermittedSubclasses());
    }

    @Test
    void roundTripsAMessageWithoutOptionalParts() {
        OutboundMessage m = OutboundMessage.builder().deliveryId("d").ruleId("r").instanceId("t")
                .source(new Origin("p", "i", null, null, null, null)).attempt(1).build();
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

    @Test
    void writesTheCoreFormWithItsVersionNotTheSpiClasses() {
        String json = MessageCodec.write(fullMessage());
        assertThat(json).startsWith("{\"v\":1,\"deliveryId\":\"d-1\"");
    }

    @Test
    void readsARowWrittenBeforeTheFormHadAVersion() {
        // verbatim from a schema v2 database (the SPI's OutboundMessage as JSON)
        String v2 = "{\"deliveryId\":\"d-1\",\"ruleId\":\"rule-1\",\"instanceId\":\"dt_main\",\"channel\":"
                + "{\"open_conversation_id\":\"cid1\",\"n\":3},\"text\":\"Ann: hello 你好\",\"header\":{\"title\":"
                + "\"Alert\",\"content\":\"disk full\"},\"rich\":{\"type\":\"actionCard\",\"title\":\"Deploy\","
                + "\"text\":\"**done**\",\"singleTitle\":null,\"singleUrl\":null,\"buttons\":[{\"title\":\"Open\","
                + "\"url\":\"https://ci/1\"},{\"title\":\"Logs\",\"url\":\"https://ci/2\"}],\"buttonOrientation\":"
                + "\"1\"},\"attachments\":[{\"type\":\"image\",\"url\":\"https://img/1.png\",\"name\":\"1.png\","
                + "\"size\":1234,\"mime\":\"image/png\"},{\"type\":\"file\",\"url\":null,\"name\":\"a.pdf\","
                + "\"size\":-1,\"mime\":null}],\"mentions\":{\"userIds\":[\"u1\",\"u2\"],\"mobiles\":"
                + "[\"+8613800000000\"],\"all\":true},\"options\":{\"title\":\"T\",\"msg_type\":\"markdown\","
                + "\"nested\":{\"a\":[1,2]}},\"source\":{\"platform\":\"dingtalk\",\"instanceId\":\"dt_other\","
                + "\"channel\":{\"open_conversation_id\":\"cid2\"},\"messageId\":\"msg-9\",\"sender\":{\"id\":"
                + "\"staff1\",\"displayName\":\"Ann\",\"username\":\"ann\",\"avatarUrl\":\"https://avatar\"},"
                + "\"time\":\"2026-03-04T05:06:07.123Z\"},\"extensions\":{\"xvchatgroup\":\"g1\"},\"attempt\":3}";
        assertThat(MessageCodec.read(v2)).isEqualTo(fullMessage());
    }

    @Test
    void aFormFromANewerBuildIsRefusedClearly() {
        assertThatThrownBy(() -> MessageCodec.read("{\"v\":7,\"deliveryId\":\"d\"}"))
                .isInstanceOf(StoreException.class)
                .hasMessage("cannot read a stored delivery: it was written in form 7 by a newer build, this one "
                        + "reads forms up to 2; upgrade the bridge");
    }

    @Test
    void aRecallIsWrittenInAFormThatAReaderOfForm1Refuses() throws Exception {
        // a release reading forms up to 1 ignores recallOf (an unknown property to it) and would send the recall
        // as an empty message; it refuses any form above 1, so a recall must never be written as form 1
        OutboundMessage recall = OutboundMessage.builder().deliveryId("d-r").ruleId("rule-1").instanceId("dt_main")
                .channel(Map.of("open_conversation_id", "cid1")).recallOf("msg-5")
                .source(new Origin("webhook", "events", Map.of(), "r-1", Sender.UNKNOWN, null)).build();
        com.fasterxml.jackson.databind.JsonNode stored = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(MessageCodec.write(recall));
        assertThat(stored.get("v").asInt()).isGreaterThan(1).isEqualTo(MessageCodec.RECALL_FORM);
        assertThat(MessageCodec.read(MessageCodec.write(recall))).isEqualTo(recall);
    }

    @Test
    void aMessageStaysInForm1SoOlderReplicasKeepSendingItDuringARollingUpgrade() {
        assertThat(MessageCodec.write(fullMessage())).startsWith("{\"v\":1,");
    }

    @Test
    void aRecallRowOfForm1WrittenBeforeRecallsHadTheirOwnFormIsStillARecall() {
        String v1 = "{\"v\":1,\"deliveryId\":\"d\",\"ruleId\":\"r\",\"instanceId\":\"dt\",\"channel\":{},"
                + "\"text\":\"\",\"recallOf\":\"msg-5\"}";
        assertThat(MessageCodec.read(v1).recallOf()).isEqualTo("msg-5");
    }
}
