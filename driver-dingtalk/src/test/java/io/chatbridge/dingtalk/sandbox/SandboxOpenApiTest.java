package io.chatbridge.dingtalk.sandbox;

import static io.chatbridge.dingtalk.sandbox.SandboxHttp.JSON;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.groupSend;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.post;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.token;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.sandbox.SandboxHttp.Answer;
import io.chatbridge.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The OpenAPI paths (protocol §2–§4) over real loopback HTTP. */
@ExtendWith(QuietJettyLogs.class)
class SandboxOpenApiTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T08:00:00Z"));
    private DingTalkSandbox sandbox;

    @BeforeEach
    void start() {
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null), clock).start();
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private String url(String path) {
        return sandbox.baseUrl() + path;
    }

    @Test
    void healthzAnswers200OnceStarted() throws Exception {
        var answer = SandboxHttp.get(url("/healthz"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void issuesTheSameTokenWhileItIsValid() throws Exception {
        Answer first = post(url("/v1.0/oauth2/accessToken"),
                Map.of("appKey", "sandbox-app-key", "appSecret", "sandbox-app-secret"));
        clock.advance(Duration.ofMinutes(30));
        Answer second = post(url("/v1.0/oauth2/accessToken"),
                Map.of("appKey", "sandbox-app-key", "appSecret", "sandbox-app-secret"));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("expireIn").asInt()).isEqualTo(7200);
        assertThat(second.body().get("accessToken").asText()).isEqualTo(first.body().get("accessToken").asText());
        assertThat(second.body().get("expireIn").asInt()).isEqualTo(7200 - 30 * 60);
        assertThat(sandbox.tokenRequests()).isEqualTo(2);
    }

    @Test
    void issuesANewTokenOnceTheOldOneExpiredAndRejectsTheOldOne() throws Exception {
        String old = token(sandbox);
        clock.advance(Duration.ofSeconds(7200));

        String fresh = token(sandbox);
        Answer withOld = groupSend(sandbox, old, "cidGroupA", "sampleText", Map.of("content", "hi"));

        assertThat(fresh).isNotEqualTo(old);
        assertThat(withOld.status()).isEqualTo(400);
        assertThat(withOld.body().get("code").asText()).isEqualTo("InvalidAuthentication");
    }

    @Test
    void rejectsWrongCredentials() throws Exception {
        Answer wrongSecret = post(url("/v1.0/oauth2/accessToken"),
                Map.of("appKey", "sandbox-app-key", "appSecret", "nope"));
        Answer wrongKey = post(url("/v1.0/oauth2/accessToken"),
                Map.of("appKey", "other", "appSecret", "sandbox-app-secret"));

        for (Answer answer : List.of(wrongSecret, wrongKey)) {
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body().get("code").asText()).isEqualTo("invalidClientIdOrSecret");
            assertThat(answer.body().has("message")).isTrue();
        }
    }

    @Test
    void acceptsAnyCredentialsWhenNoneAreConfigured() throws Exception {
        try (DingTalkSandbox open = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)
                .withCredentials(null, null), clock).start()) {
            Answer answer = post(open.baseUrl() + "/v1.0/oauth2/accessToken", Map.of("appKey", "k", "appSecret", "s"));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body().get("accessToken").asText()).isNotBlank();
        }
    }

    @Test
    void groupSendWithAValidTokenRecordsTheMessage() throws Exception {
        Answer answer = groupSend(sandbox, token(sandbox), "cidGroupA", "sampleText", Map.of("content", "hello A"));

        assertThat(answer.status()).isEqualTo(200);
        String key = answer.body().get("processQueryKey").asText();
        assertThat(key).isNotBlank();
        assertThat(sandbox.conversation("cidGroupA")).singleElement().satisfies(message -> {
            assertThat(message.id()).isEqualTo(key);
            assertThat(message.via()).isEqualTo("openapi");
            assertThat(message.sender()).isEqualTo("sandbox-robot");
            assertThat(message.content().type()).isEqualTo("text");
            assertThat(message.content().text()).isEqualTo("hello A");
        });
        assertThat(sandbox.conversation("cidGroupB")).isEmpty();
    }

    @Test
    void groupSendWithoutOrWithAWrongTokenIsInvalidAuthentication() throws Exception {
        Map<String, Object> body = Map.of("robotCode", "sandbox-robot", "openConversationId", "cidGroupA",
                "msgKey", "sampleText", "msgParam", "{\"content\":\"x\"}");
        Answer missing = post(url("/v1.0/robot/groupMessages/send"), body);
        Answer wrong = post(url("/v1.0/robot/groupMessages/send"), body,
                Map.of("x-acs-dingtalk-access-token", "made-up"));

        for (Answer answer : List.of(missing, wrong)) {
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body().get("code").asText()).isEqualTo("InvalidAuthentication");
            assertThat(answer.body().get("requestid").asText()).isNotBlank();
        }
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void groupSendToAnUnknownGroupIsInvalidOpenConversationId() throws Exception {
        Answer answer = groupSend(sandbox, token(sandbox), "cidNope", "sampleText", Map.of("content", "x"));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("code").asText()).isEqualTo("invalid.openConversationId");
    }

    @Test
    void groupSendRejectsUnknownMsgKeysMissingParamsAndNonStringMsgParam() throws Exception {
        String token = token(sandbox);
        Answer unknownKey = groupSend(sandbox, token, "cidGroupA", "sampleFeedCard", Map.of("content", "x"));
        Answer missingParam = groupSend(sandbox, token, "cidGroupA", "sampleMarkdown", Map.of("title", "t"));
        Answer objectParam = post(url("/v1.0/robot/groupMessages/send"),
                Map.of("robotCode", "sandbox-robot", "openConversationId", "cidGroupA", "msgKey", "sampleText",
                        "msgParam", Map.of("content", "x")),
                Map.of("x-acs-dingtalk-access-token", token));
        Answer wrongRobot = post(url("/v1.0/robot/groupMessages/send"),
                Map.of("robotCode", "other-robot", "openConversationId", "cidGroupA", "msgKey", "sampleText",
                        "msgParam", "{\"content\":\"x\"}"),
                Map.of("x-acs-dingtalk-access-token", token));

        assertThat(unknownKey.body().get("code").asText()).isEqualTo("invalidParameter.msgKey");
        assertThat(missingParam.body().get("code").asText()).isEqualTo("invalidParameter.msgParam");
        assertThat(missingParam.body().get("message").asText()).contains("msgParam.text");
        assertThat(objectParam.body().get("code").asText()).isEqualTo("invalidParameter.msgParam");
        assertThat(wrongRobot.body().get("code").asText()).isEqualTo("invalidParameter.robotCode");
        assertThat(List.of(unknownKey, missingParam, objectParam, wrongRobot)).allSatisfy(
                answer -> assertThat(answer.status()).isEqualTo(400));
        assertThat(sandbox.conversation("cidGroupA")).isEmpty();
    }

    @Test
    void everyCatalogMsgKeyIsStoredAsItsContent() throws Exception {
        String token = token(sandbox);
        Map<String, Map<String, String>> catalog = new LinkedHashMap<>();
        catalog.put("sampleText", Map.of("content", "plain"));
        catalog.put("sampleMarkdown", Map.of("title", "T", "text", "## Hello\n**bold**"));
        catalog.put("sampleImageMsg", Map.of("photoURL", "https://example.com/p.png"));
        catalog.put("sampleLink", Map.of("title", "L", "text", "link text", "picUrl", "https://example.com/l.png",
                "messageUrl", "https://example.com/l"));
        catalog.put("sampleActionCard", Map.of("title", "A", "text", "card", "singleTitle", "Open",
                "singleURL", "https://example.com/a"));
        catalog.put("sampleActionCard3", Map.of("title", "A3", "text", "three", "actionTitle1", "one",
                "actionURL1", "https://example.com/1", "actionTitle2", "two", "actionURL2", "https://example.com/2",
                "actionTitle3", "three", "actionURL3", "https://example.com/3"));
        catalog.put("sampleActionCard6", Map.of("title", "A6", "text", "side by side", "buttonTitle1", "yes",
                "buttonUrl1", "https://example.com/y", "buttonTitle2", "no", "buttonUrl2", "https://example.com/n"));
        String voice = mediaId(SandboxHttp.upload(sandbox, token, "voice", "v.wav", "audio/wav",
                DingTalkSandbox.sampleVoice()));
        String file = mediaId(SandboxHttp.upload(sandbox, token, "file", "a.pdf", "application/pdf", new byte[] {1, 2}));
        String video = mediaId(SandboxHttp.upload(sandbox, token, "video", "v.mp4", "video/mp4",
                DingTalkSandbox.sampleVideo()));
        String pic = mediaId(SandboxHttp.upload(sandbox, token, "image", "p.png", "image/png",
                DingTalkSandbox.samplePicture()));
        catalog.put("sampleAudio", Map.of("mediaId", voice, "duration", "3000"));
        catalog.put("sampleFile", Map.of("mediaId", file, "fileName", "a.pdf", "fileType", "pdf"));
        catalog.put("sampleVideo", Map.of("duration", "10", "videoMediaId", video, "videoType", "mp4",
                "picMediaId", pic));
        for (Map.Entry<String, Map<String, String>> entry : catalog.entrySet()) {
            assertThat(groupSend(sandbox, token, "cidGroupB", entry.getKey(), entry.getValue()).status())
                    .as(entry.getKey()).isEqualTo(200);
        }

        List<MessageContent> contents = sandbox.conversation("cidGroupB").stream().map(SandboxMessage::content).toList();
        assertThat(contents).extracting(MessageContent::type).containsExactly("text", "markdown", "image", "link",
                "actionCard", "actionCard", "actionCard", "audio", "file", "video");
        assertThat(contents.get(1).text()).isEqualTo("## Hello\n**bold**");
        assertThat(contents.get(2).picUrl()).isEqualTo("https://example.com/p.png");
        assertThat(contents.get(3).messageUrl()).isEqualTo("https://example.com/l");
        assertThat(contents.get(4).buttons()).containsExactly(new MessageContent.Button("Open", "https://example.com/a"));
        assertThat(contents.get(5).buttons()).extracting(MessageContent.Button::title).containsExactly("one", "two", "three");
        assertThat(contents.get(6).btnOrientation()).isEqualTo("1");
        assertThat(contents.get(8).media()).containsEntry("fileName", "a.pdf").containsEntry("size", "2")
                .containsEntry("url", sandbox.baseUrl() + "/sandbox/media/" + file);
        assertThat(contents.get(9).media()).containsEntry("picUrl", sandbox.baseUrl() + "/sandbox/media/" + pic);
    }

    private static String mediaId(Answer upload) {
        assertThat(upload.body().path("errcode").asInt()).as(upload.body().toString()).isZero();
        return upload.body().path("media_id").asText();
    }

    @Test
    void sampleFileAudioAndVideoNamingAnUnknownMediaIdAreRefused() throws Exception {
        String token = token(sandbox);
        Answer file = groupSend(sandbox, token, "cidGroupB", "sampleFile",
                Map.of("mediaId", "@never-uploaded", "fileName", "a.pdf", "fileType", "pdf"));
        Answer video = groupSend(sandbox, token, "cidGroupB", "sampleVideo", Map.of("duration", "10",
                "videoMediaId", mediaId(SandboxHttp.upload(sandbox, token, "video", "v.mp4", "video/mp4",
                        DingTalkSandbox.sampleVideo())), "videoType", "mp4", "picMediaId", "@no-cover"));

        assertThat(file.status()).isEqualTo(400);
        assertThat(file.body().path("message").asText()).isEqualTo("msgParam.mediaId names an unknown media id");
        assertThat(video.status()).isEqualTo(400);
        assertThat(video.body().path("message").asText()).contains("picMediaId");
        assertThat(sandbox.conversation("cidGroupB")).isEmpty();
    }

    @Test
    void voiceUploadsOverTwoMegabytesOrNotAmrMp3OrWavAndVideosNotMp4AreRefusedWithDingTalksErrcodes()
            throws Exception {
        String token = token(sandbox);
        Answer large = SandboxHttp.upload(sandbox, token, "voice", "long.wav", "audio/wav",
                new byte[2 * 1024 * 1024 + 1]);
        Answer ogg = SandboxHttp.upload(sandbox, token, "voice", "v.ogg", "audio/ogg", new byte[10]);
        Answer mov = SandboxHttp.upload(sandbox, token, "video", "v.mov", "video/quicktime", new byte[10]);
        Answer mp3 = SandboxHttp.upload(sandbox, token, "voice", "v.mp3", "audio/mpeg", new byte[10]);

        assertThat(large.body().path("errcode").asInt()).isEqualTo(40006);
        assertThat(ogg.body().path("errcode").asInt()).isEqualTo(40005);
        assertThat(ogg.body().path("errmsg").asText()).contains("invalid voice format 'ogg'; accepted: amr, mp3, wav");
        assertThat(mov.body().path("errcode").asInt()).isEqualTo(40005);
        assertThat(mp3.body().path("errcode").asInt()).isZero();
    }

    @Test
    void batchSendRecordsOneMessagePerUser() throws Exception {
        Answer answer = post(url("/v1.0/robot/oToMessages/batchSend"),
                Map.of("robotCode", "sandbox-robot", "userIds", List.of("manager01", "manager02"),
                        "msgKey", "sampleText", "msgParam", "{\"content\":\"critical alert\"}"),
                Map.of("x-acs-dingtalk-access-token", token(sandbox)));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("processQueryKey").asText()).isNotBlank();
        assertThat(answer.body().get("invalidStaffIdList")).isEmpty();
        assertThat(answer.body().get("flowControlledStaffIdList")).isEmpty();
        assertThat(sandbox.directMessages("manager01")).singleElement()
                .satisfies(m -> assertThat(m.content().text()).isEqualTo("critical alert"));
        assertThat(sandbox.directMessages("manager02")).hasSize(1);
        assertThat(JSON.readTree(SandboxHttp.get(url("/sandbox/api/state")).body()).get("directs"))
                .extracting(node -> node.get("userId").asText()).containsExactly("manager01", "manager02");
    }

    @Test
    void batchSendAcceptsTwentyUsersAndRejectsTwentyOne() throws Exception {
        String token = token(sandbox);
        List<String> twenty = IntStream.rangeClosed(1, 20).mapToObj(i -> "user" + i).toList();
        List<String> twentyOne = IntStream.rangeClosed(1, 21).mapToObj(i -> "user" + i).toList();

        Answer ok = post(url("/v1.0/robot/oToMessages/batchSend"), Map.of("robotCode", "sandbox-robot",
                "userIds", twenty, "msgKey", "sampleText", "msgParam", "{\"content\":\"x\"}"),
                Map.of("x-acs-dingtalk-access-token", token));
        Answer tooMany = post(url("/v1.0/robot/oToMessages/batchSend"), Map.of("robotCode", "sandbox-robot",
                "userIds", twentyOne, "msgKey", "sampleText", "msgParam", "{\"content\":\"y\"}"),
                Map.of("x-acs-dingtalk-access-token", token));
        Answer none = post(url("/v1.0/robot/oToMessages/batchSend"), Map.of("robotCode", "sandbox-robot",
                "userIds", List.of(), "msgKey", "sampleText", "msgParam", "{\"content\":\"z\"}"),
                Map.of("x-acs-dingtalk-access-token", token));

        assertThat(ok.status()).isEqualTo(200);
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body().get("code").asText()).isEqualTo("invalidParameter.userIds");
        assertThat(tooMany.body().get("message").asText()).contains("at most 20");
        assertThat(none.status()).isEqualTo(400);
        assertThat(sandbox.directMessages("user21")).isEmpty();
        assertThat(sandbox.directMessages("user20")).hasSize(1);
    }

    @Test
    void batchSendNeedsAValidToken() throws Exception {
        Answer answer = post(url("/v1.0/robot/oToMessages/batchSend"), Map.of("robotCode", "sandbox-robot",
                "userIds", List.of("u1"), "msgKey", "sampleText", "msgParam", "{\"content\":\"x\"}"));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("code").asText()).isEqualTo("InvalidAuthentication");
    }
}
