package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each message type's exact JSON on both paths: custom robot webhook body, and app robot msgKey + msgParam. */
class MessageTypesTest {

    private static final RichContent.Link LINK = RichContent.link("Release", "v2 is out",
            "https://example.com/r", "https://example.com/p.png");
    private static final RichContent.ActionCard SINGLE = RichContent.actionCard("Deploy", "ready?",
            "Open", "https://example.com/d", List.of(), "0");
    private static final RichContent.FeedCard FEED = RichContent.feedCard(List.of(
            RichContent.feedLink("one", "https://example.com/1", "https://example.com/1.png"),
            RichContent.feedLink("two", "https://example.com/2", null)));

    private FakeDingTalk fake;
    private DriverFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeDingTalk();
        fake.webhookSecrets.put("tokOPS", "SECops");
        Map<String, Object> settings = new java.util.LinkedHashMap<>(DriverFixture.appSettings(fake));
        settings.put("webhooks", List.of(Map.of("chat_group", "ops", "url", fake.webhookUrl("tokOPS"),
                "secret", "SECops")));
        fixture = new DriverFixture(settings, List.of(), Clock.systemUTC(), new FakeTicker(), Sleeper.SYSTEM);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        fake.close();
    }

    /** Sends {@code message} through the webhook and returns the body DingTalk received. */
    private String webhookBody(Messages message) throws DeliveryException {
        fixture.driver.send(message.build());
        return fake.webhookPosts.get(fake.webhookPosts.size() - 1).body();
    }

    /** Sends {@code message} to a group as the app robot and returns "msgKey msgParam". */
    private String appBody(Messages message) throws DeliveryException {
        fixture.driver.send(message.build());
        var json = fake.groupSends.get(fake.groupSends.size() - 1).json();
        return json.path("msgKey").asText() + " " + json.path("msgParam").asText();
    }

    private static Messages webhook() {
        return Messages.to(Map.of("chat_group", "ops"));
    }

    private static Messages app() {
        return Messages.toGroup("cidAAA");
    }

    @Test
    void textWithHeaderAndAttachments() throws Exception {
        Messages m = webhook().text("disk full").header("Alert", "host1").attachment("file", "https://f/x.log");
        assertThat(webhookBody(m)).isEqualTo(
                "{\"msgtype\":\"text\",\"text\":{\"content\":\"[Alert · host1]\\ndisk full\\n[file] https://f/x.log\"}}");
    }

    @Test
    void textMentionsAreListedInAtAndAppendedToText() throws Exception {
        Messages m = webhook().text("please look @u1").mentions(new Mentions(List.of("u1"), List.of(), false))
                .option("at_mobiles", "13800000000").option("at_user_ids", List.of("u2"));
        assertThat(webhookBody(m)).isEqualTo("{\"msgtype\":\"text\",\"text\":{\"content\":"
                + "\"please look @u1 @13800000000 @u2\"},\"at\":{\"atMobiles\":[\"13800000000\"],"
                + "\"atUserIds\":[\"u1\",\"u2\"],\"isAtAll\":false}}");
    }

    @Test
    void aMentionedIdGoesWhereTheTextWritesThePersonsName() throws Exception {
        Mentions mentions = new Mentions(List.of("alice01", "bob02"), List.of(), false,
                Map.of("alice01", "Alice", "bob02", "Bob"));
        Messages m = webhook().text("Carol: @Alice, can you and @Bobby look? cc @Bob").mentions(mentions);
        assertThat(webhookBody(m)).isEqualTo("{\"msgtype\":\"text\",\"text\":{\"content\":"
                + "\"Carol: @alice01, can you and @Bobby look? cc @bob02\"},\"at\":{\"atMobiles\":[],"
                + "\"atUserIds\":[\"alice01\",\"bob02\"],\"isAtAll\":false}}");
    }

    @Test
    void appRobotTextAndMarkdownCarryMentionedIdsInTheText() throws Exception {
        Mentions mentions = new Mentions(List.of("alice01", "dave03"), List.of("13800000000"), true,
                Map.of("alice01", "Alice"));
        assertThat(appBody(app().text("Carol: @Alice look").mentions(mentions)))
                .isEqualTo("sampleText {\"content\":\"Carol: @alice01 look @dave03\"}");
        assertThat(appBody(app().rich(RichContent.markdown("T", "**@Alice** look")).mentions(mentions)))
                .isEqualTo("sampleMarkdown {\"title\":\"T\",\"text\":\"**@Alice** look @alice01 @dave03\"}");
    }

    @Test
    void aMessageSplitIntoPartsMentionsEachPersonOnceInThePartThatNamesThem() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 40_000; i++) {
            text.append("line ").append(i).append(i == 2500 ? " needs @Alice" : "").append('\n');
        }
        Mentions mentions = new Mentions(List.of("alice01", "bob02"), List.of(), true, Map.of("alice01", "Alice"));
        int before = fake.webhookPosts.size();
        fixture.driver.send(webhook().text(text.toString()).mentions(mentions).build());

        var bodies = fake.webhookPosts.subList(before, fake.webhookPosts.size()).stream()
                .map(post -> post.json()).toList();
        assertThat(bodies).hasSizeGreaterThan(2);
        int withAlice = -1;
        for (int i = 0; i < bodies.size(); i++) {
            var at = bodies.get(i).path("at");
            String content = bodies.get(i).path("text").path("content").asText();
            if (content.contains("needs @alice01")) {
                withAlice = i;
            }
            List<String> ids = new java.util.ArrayList<>();
            at.path("atUserIds").forEach(n -> ids.add(n.asText()));
            assertThat(at.path("isAtAll").asBoolean(false)).as("part " + i).isEqualTo(i == 0);
            List<String> expected = new java.util.ArrayList<>();
            if (content.contains("needs @alice01")) {
                expected.add("alice01");
            }
            if (i == bodies.size() - 1) {
                expected.add("bob02");
                assertThat(content).endsWith(" @bob02");
            } else {
                assertThat(content).doesNotContain("@bob02");
            }
            assertThat(ids).as("part " + i).containsExactlyElementsOf(expected);
        }
        assertThat(withAlice).isBetween(1, bodies.size() - 2);
    }

    @Test
    void atAllOption() throws Exception {
        assertThat(webhookBody(webhook().text("everyone").option("at_all", true))).isEqualTo(
                "{\"msgtype\":\"text\",\"text\":{\"content\":\"everyone\"},"
                        + "\"at\":{\"atMobiles\":[],\"atUserIds\":[],\"isAtAll\":true}}");
    }

    @Test
    void markdownFromMsgTypeOptionWithTitle() throws Exception {
        Messages m = webhook().text("**bold** text").option("msg_type", "markdown").option("title", "Weekly");
        assertThat(webhookBody(m)).isEqualTo(
                "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"Weekly\",\"text\":\"**bold** text\"}}");
        assertThat(appBody(app().text("**bold** text").option("msg_type", "markdown").option("title", "Weekly")))
                .isEqualTo("sampleMarkdown {\"title\":\"Weekly\",\"text\":\"**bold** text\"}");
    }

    @Test
    void markdownRendersRichHeaderAsHeading() throws Exception {
        Messages m = webhook().rich(RichContent.markdown("T", "body")).header("Alert", "host1");
        assertThat(webhookBody(m)).isEqualTo(
                "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"T\",\"text\":\"#### Alert · host1\\n\\nbody\"}}");
    }

    @Test
    void markdownWithMentionsCarriesAt() throws Exception {
        Messages m = webhook().rich(RichContent.markdown("T", "body"))
                .mentions(new Mentions(List.of(), List.of("13900000000"), false));
        assertThat(webhookBody(m)).isEqualTo("{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"T\",\"text\":"
                + "\"body @13900000000\"},\"at\":{\"atMobiles\":[\"13900000000\"],\"atUserIds\":[],\"isAtAll\":false}}");
    }

    @Test
    void link() throws Exception {
        assertThat(webhookBody(webhook().rich(LINK))).isEqualTo("{\"msgtype\":\"link\",\"link\":{\"title\":"
                + "\"Release\",\"text\":\"v2 is out\",\"picUrl\":\"https://example.com/p.png\","
                + "\"messageUrl\":\"https://example.com/r\"}}");
        assertThat(appBody(app().rich(LINK))).isEqualTo("sampleLink {\"title\":\"Release\",\"text\":\"v2 is out\","
                + "\"picUrl\":\"https://example.com/p.png\",\"messageUrl\":\"https://example.com/r\"}");
    }

    @Test
    void linkFromMsgTypeOptions() throws Exception {
        Messages m = app().text("v2 is out").option("msg_type", "link").option("title", "Release")
                .option("message_url", "https://example.com/r");
        assertThat(appBody(m)).isEqualTo("sampleLink {\"title\":\"Release\",\"text\":\"v2 is out\","
                + "\"picUrl\":\"\",\"messageUrl\":\"https://example.com/r\"}");
    }

    @Test
    void linkTypeWithoutUrlFallsBackToText() throws Exception {
        assertThat(appBody(app().text("no url").option("msg_type", "link")))
                .isEqualTo("sampleText {\"content\":\"no url\"}");
    }

    @Test
    void actionCardWithSingleButton() throws Exception {
        assertThat(webhookBody(webhook().rich(SINGLE))).isEqualTo("{\"msgtype\":\"actionCard\",\"actionCard\":"
                + "{\"title\":\"Deploy\",\"text\":\"ready?\",\"btnOrientation\":\"0\",\"singleTitle\":\"Open\","
                + "\"singleURL\":\"https://example.com/d\"}}");
        assertThat(appBody(app().rich(SINGLE))).isEqualTo("sampleActionCard {\"title\":\"Deploy\",\"text\":"
                + "\"ready?\",\"singleTitle\":\"Open\",\"singleURL\":\"https://example.com/d\"}");
    }

    @Test
    void actionCardWithVerticalButtons() throws Exception {
        RichContent.ActionCard card = RichContent.actionCard("Vote", "pick", null, null, List.of(
                RichContent.button("A", "https://a"), RichContent.button("B", "https://b"),
                RichContent.button("C", "https://c")), "0");
        assertThat(webhookBody(webhook().rich(card))).isEqualTo("{\"msgtype\":\"actionCard\",\"actionCard\":"
                + "{\"title\":\"Vote\",\"text\":\"pick\",\"btnOrientation\":\"0\",\"btns\":[{\"title\":\"A\","
                + "\"actionURL\":\"https://a\"},{\"title\":\"B\",\"actionURL\":\"https://b\"},{\"title\":\"C\","
                + "\"actionURL\":\"https://c\"}]}}");
        assertThat(appBody(app().rich(card))).isEqualTo("sampleActionCard3 {\"title\":\"Vote\",\"text\":\"pick\","
                + "\"actionTitle1\":\"A\",\"actionURL1\":\"https://a\",\"actionTitle2\":\"B\",\"actionURL2\":"
                + "\"https://b\",\"actionTitle3\":\"C\",\"actionURL3\":\"https://c\"}");
    }

    @Test
    void actionCardWithTwoHorizontalButtonsIsSampleActionCard6() throws Exception {
        RichContent.ActionCard card = RichContent.actionCard("Vote", "pick", null, null, List.of(
                RichContent.button("Yes", "https://y"), RichContent.button("No", "https://n")), "1");
        assertThat(appBody(app().rich(card))).isEqualTo("sampleActionCard6 {\"title\":\"Vote\",\"text\":\"pick\","
                + "\"buttonTitle1\":\"Yes\",\"buttonUrl1\":\"https://y\",\"buttonTitle2\":\"No\","
                + "\"buttonUrl2\":\"https://n\"}");
        assertThat(webhookBody(webhook().rich(card))).contains("\"btnOrientation\":\"1\"");
    }

    @Test
    void actionCardWithSixButtonsFallsBackToMarkdownOnAppRobot() throws Exception {
        List<RichContent.Button> six = java.util.stream.IntStream.rangeClosed(1, 6)
                .mapToObj(i -> RichContent.button("b" + i, "https://b/" + i)).toList();
        String body = appBody(app().rich(RichContent.actionCard("Many", "t", null, null, six, "0")));
        assertThat(body).startsWith("sampleMarkdown {\"title\":\"Many\",\"text\":\"t\\n\\n[b1](https://b/1)")
                .contains("[b6](https://b/6)");
    }

    @Test
    void feedCardOnWebhook() throws Exception {
        assertThat(webhookBody(webhook().rich(FEED))).isEqualTo("{\"msgtype\":\"feedCard\",\"feedCard\":{\"links\":"
                + "[{\"title\":\"one\",\"messageURL\":\"https://example.com/1\",\"picURL\":\"https://example.com/1.png\"},"
                + "{\"title\":\"two\",\"messageURL\":\"https://example.com/2\",\"picURL\":\"\"}]}}");
    }

    @Test
    void feedCardViaAppRobotFallsBackToMarkdownWithLinksAndPictures() throws Exception {
        assertThat(appBody(app().rich(FEED))).isEqualTo("sampleMarkdown {\"title\":\"one\",\"text\":"
                + "\"![one](https://example.com/1.png)\\n[one](https://example.com/1)\\n\\n[two](https://example.com/2)\"}");
    }

    @Test
    void imageViaAppRobotIsSampleImageMsg() throws Exception {
        assertThat(appBody(app().rich(RichContent.image("https://example.com/i.png"))))
                .isEqualTo("sampleImageMsg {\"photoURL\":\"https://example.com/i.png\"}");
    }

    @Test
    void imageViaWebhookFallsBackToMarkdownPicture() throws Exception {
        assertThat(webhookBody(webhook().rich(RichContent.image("https://example.com/i.png")))).isEqualTo(
                "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"[image]\",\"text\":"
                        + "\"![image](https://example.com/i.png)\"}}");
    }

    @Test
    void imageFromMsgTypeUsesFirstImageAttachment() throws Exception {
        Messages m = app().text("look").option("msg_type", "image").attachment("image", "https://example.com/a.png");
        assertThat(appBody(m)).isEqualTo("sampleImageMsg {\"photoURL\":\"https://example.com/a.png\"}");
    }

    @Test
    void vanusXvmsgtypeExtensionChoosesTheTypeWhenNoOptionDoes() throws Exception {
        Messages m = webhook().text("hi").extension("xvmsgtype", "markdown");
        assertThat(webhookBody(m)).isEqualTo(
                "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"hi\",\"text\":\"hi\"}}");
    }

    @Test
    void richContentWinsOverMsgTypeOption() throws Exception {
        assertThat(appBody(app().rich(LINK).option("msg_type", "markdown"))).startsWith("sampleLink ");
    }
}
