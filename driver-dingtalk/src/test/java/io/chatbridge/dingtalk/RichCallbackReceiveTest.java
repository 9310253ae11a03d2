package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.testkit.MutableClock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Callbacks other than plain text (protocol §1, §7): nothing is dropped, attachments keep their downloadCode. */
class RichCallbackReceiveTest {

    private static final String COMMON = """
            "conversationId":"cidA","conversationType":"2","chatbotUserId":"$:bot","senderStaffId":"alice01",
            "senderNick":"Alice","createAt":1700000000000,""";

    private final HttpClient http = HttpClient.newHttpClient();
    private DriverFixture fixture;

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private InboundMessage receive(String body) throws Exception {
        if (fixture == null) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("app_key", "dingappkey01");
            settings.put("app_secret", "app-secret");
            settings.put("robot_code", "dingrobot01");
            settings.put("listen_port", 0);
            fixture = new DriverFixture(settings, List.of(), new MutableClock(Instant.ofEpochMilli(1_700_000_000_000L)),
                    new FakeTicker(), Sleeper.SYSTEM);
        }
        int before = fixture.context.published().size();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(fixture.context.url(0, "/dingtalk/event"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(fixture.context.published()).hasSize(before + 1);
        return fixture.context.published().get(before);
    }

    @Test
    void pictureBecomesAnImageAttachmentCarryingItsDownloadCode() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"p1","msgtype":"picture","content":{"downloadCode":"DC-1","pictureDownloadCode":"PDC-1"}}""");

        assertThat(m.text()).isEmpty();
        assertThat(m.attachments()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("image");
            assertThat(a.sourceRef()).isEqualTo("DC-1");
            assertThat(a.url()).isNull();
        });
        assertThat(m.extensions()).containsEntry("dingtalk_msgtype", "picture");
        assertThat(m.sender().displayName()).isEqualTo("Alice");
    }

    @Test
    void pictureWithoutDownloadCodeIsStillRoutedNamedAndLogged() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            InboundMessage m = receive("{" + COMMON + """
                    "msgId":"p2","msgtype":"picture","content":{}}""");

            assertThat(m.attachments()).singleElement().satisfies(a -> {
                assertThat(a.retrievable()).isFalse();
                assertThat(a.describe()).isEqualTo("[image] image");
            });
            assertThat(logs.all()).contains("msgId=p2 has a image without downloadCode");
        }
    }

    @Test
    void richTextKeepsTheOrderOfTextAndPictures() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"r1","msgtype":"richText","content":{"richText":[
                  {"text":"before"},{"type":"picture","downloadCode":"DC-A"},{"text":"between"},
                  {"type":"picture","pictureDownloadCode":"DC-B"},{"text":"after"}]}}""");

        assertThat(m.text()).isEqualTo("before\nbetween\nafter");
        assertThat(m.attachments()).extracting(Attachment::sourceRef).containsExactly("DC-A", "DC-B");
        assertThat(m.rich()).isInstanceOf(RichContent.RichText.class);
        assertThat(((RichContent.RichText) m.rich()).segments()).containsExactly(
                RichContent.Segment.text("before"), RichContent.Segment.attachment(0),
                RichContent.Segment.text("between"), RichContent.Segment.attachment(1),
                RichContent.Segment.text("after"));
    }

    @Test
    void richTextWithUnknownPartTypesKeepsTheirTextOrNamesThem() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"r2","msgtype":"richText","content":{"richText":[
                  {"text":"hello"},{"type":"emoji","text":"[smile]"},{"type":"hologram","id":7},"junk",
                  {"type":"picture","downloadCode":"DC-C"}]}}""");

        assertThat(((RichContent.RichText) m.rich()).segments()).containsExactly(
                RichContent.Segment.text("hello"), RichContent.Segment.text("[smile]"),
                RichContent.Segment.text("[unsupported rich text part: hologram]"),
                RichContent.Segment.text("[unsupported rich text part: (no type)]"),
                RichContent.Segment.attachment(0));
        assertThat(m.text()).contains("hello", "[smile]", "[unsupported rich text part: hologram]");
    }

    @Test
    void fileAudioAndVideoBecomeAttachmentsAndVoiceRecognitionIsTheText() throws Exception {
        InboundMessage file = receive("{" + COMMON + """
                "msgId":"f1","msgtype":"file","content":{"downloadCode":"DC-F","fileName":"report.pdf",
                "fileId":"123","spaceId":"456"}}""");
        InboundMessage audio = receive("{" + COMMON + """
                "msgId":"a1","msgtype":"audio","content":{"downloadCode":"DC-V","duration":4000,"recognition":"ship it today"}}""");
        InboundMessage video = receive("{" + COMMON + """
                "msgId":"v1","msgtype":"video","content":{"downloadCode":"DC-M","duration":"12","videoType":"mp4"}}""");

        assertThat(file.attachments()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("file");
            assertThat(a.name()).isEqualTo("report.pdf");
            assertThat(a.mime()).isEqualTo("application/pdf");
            assertThat(a.durationMillis()).isEqualTo(-1);
            assertThat(a.sourceRef()).isEqualTo("DC-F");
        });
        assertThat(audio.text()).isEqualTo("ship it today");
        assertThat(audio.attachments()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("audio");
            assertThat(a.sourceRef()).isEqualTo("DC-V");
            assertThat(a.durationMillis()).isEqualTo(4000);
        });
        assertThat(video.attachments()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("video");
            assertThat(a.mime()).isEqualTo("video/mp4");
            assertThat(a.sourceRef()).isEqualTo("DC-M");
            assertThat(a.durationMillis()).isEqualTo(12);
        });
    }

    @Test
    void unknownMsgtypeIsRoutedAsALineAndLoggedOncePerType() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            InboundMessage first = receive("{" + COMMON + "\"msgId\":\"u1\",\"msgtype\":\"interactiveCard\",\"content\":{}}");
            InboundMessage second = receive("{" + COMMON + "\"msgId\":\"u2\",\"msgtype\":\"interactiveCard\"}");
            InboundMessage other = receive("{" + COMMON + "\"msgId\":\"u3\",\"msgtype\":\"unknownMsgType\"}");

            assertThat(first.text()).isEqualTo("[unsupported DingTalk message: interactiveCard]");
            assertThat(second.text()).isEqualTo("[unsupported DingTalk message: interactiveCard]");
            assertThat(other.text()).isEqualTo("[unsupported DingTalk message: unknownMsgType]");
            assertThat(logs.lines()).filteredOn(l -> l.contains("msgtype 'interactiveCard' is not supported"))
                    .hasSize(1);
            assertThat(logs.lines()).filteredOn(l -> l.contains("msgtype 'unknownMsgType' is not supported"))
                    .hasSize(1);
        }
    }

    @Test
    void quoteBecomesReplyToWithTheQuotedSenderAndTextInEachReportedShape() throws Exception {
        InboundMessage nested = receive("{" + COMMON + """
                "msgId":"q1","msgtype":"text","text":{"content":" agreed","isReplyMsg":true,
                "repliedMsg":{"msgType":"text","msgId":"orig1","senderId":"bob01","senderNick":"Bob",
                "content":{"content":"deploy at five?"}}}}""");
        InboundMessage textField = receive("{" + COMMON + """
                "msgId":"q2","msgtype":"text","text":{"content":"yes","isReplyMsg":true,
                "repliedMsg":{"msgType":"text","msgId":"orig2","senderNick":"Bob","content":{"text":"lunch?"}}}}""");
        InboundMessage plain = receive("{" + COMMON + """
                "msgId":"q3","msgtype":"text","text":{"content":"no","isReplyMsg":true,
                "repliedMsg":{"msgId":"orig3","senderNick":"Bob","content":"coffee?"}}}""");
        InboundMessage picture = receive("{" + COMMON + """
                "msgId":"q4","msgtype":"text","text":{"content":"nice","isReplyMsg":true,
                "repliedMsg":{"msgType":"picture","senderNick":"Bob","content":{"originalMsgId":"orig4"}}}}""");

        assertThat(nested.text()).isEqualTo("agreed");
        assertThat(nested.replyToId()).isEqualTo("orig1");
        assertThat(nested.quote().sender().displayName()).isEqualTo("Bob");
        assertThat(nested.quote().sender().id()).isEqualTo("bob01");
        assertThat(nested.quote().text()).isEqualTo("deploy at five?");
        assertThat(textField.quote().text()).isEqualTo("lunch?");
        assertThat(plain.quote().text()).isEqualTo("coffee?");
        assertThat(picture.replyToId()).isEqualTo("orig4");
        assertThat(picture.quote().text()).isEqualTo("[image]");
    }

    @Test
    void aQuoteOfAMessageTheBridgeNeverSawKeepsWhatTheCallbackGives() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"q5","msgtype":"text","text":{"content":"+1","isReplyMsg":true,
                "repliedMsg":{"msgId":"never-seen","senderNick":"Carol","content":{"content":"old news"}}}}""");

        assertThat(m.replyToId()).isEqualTo("never-seen");
        assertThat(m.quote().text()).isEqualTo("old news");
        assertThat(m.text()).isEqualTo("+1");
    }

    @Test
    void aTextWithoutIsReplyMsgHasNoQuote() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"q6","msgtype":"text","text":{"content":"hi","repliedMsg":{"msgId":"x"}}}""");

        assertThat(m.replyToId()).isNull();
        assertThat(m.quote()).isNull();
    }

    @Test
    void mentionsOtherThanTheRobotAreStructured() throws Exception {
        InboundMessage m = receive("{" + COMMON + """
                "msgId":"m1","msgtype":"text","text":{"content":" @Bob @Carol look"},
                "atUsers":[{"dingtalkId":"$:bot"},{"dingtalkId":"$:bob","staffId":"bob01"},{"dingtalkId":"$:carol"}]}""");

        assertThat(m.mentions().userIds()).containsExactly("bob01", "$:carol");
        assertThat(m.text()).isEqualTo("@Bob @Carol look");
    }
}
