package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.Bridge;
import io.chatbridge.dingtalk.outbound.DeliveryPlan;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through a real bridge and the in-process sandbox: Alice sends a file, a voice message or a video to the
 * robot in her one-to-one chat (the only place DingTalk delivers them to robots); the bridge fetches the bytes with
 * {@code messageFiles/download}, uploads them with {@code media/upload} and sends {@code sampleFile} /
 * {@code sampleAudio} / {@code sampleVideo} to group B through the app robot.
 */
class FilesVoiceVideoSandboxTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** {@code global.media.max_bytes} of this bridge: 4 MiB. */
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private SandboxBridge running;
    private Bridge bridge;
    private DingTalkSandbox sandbox;
    private LogCapture logs;

    @BeforeEach
    void startBridge() throws Exception {
        logs = new LogCapture();
        IntFunction<String> config = listenPort -> """
                {"global": {"database": {"path": ":memory:"}, "strict_echo_match": true,
                            "media": {"max_bytes": %d}},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 0, "listen_port": %d}}}
                """.formatted(MAX_BYTES, listenPort);
        String rules = """
                {"rules": [
                  {"id": "alice-to-b", "from": {"dt": {"open_conversation_id": "%s"}},
                   "to": {"dt": {"open_conversation_id": "cidGroupB"}}}
                ]}""".formatted(DingTalkSandbox.directConversationId(DingTalkSandbox.staffIdOf("Alice")));
        running = SandboxBridge.start(dir, config, rules);
        bridge = running.bridge;
        sandbox = running.sandbox;
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    @Test
    void aFileSentInAOneToOneChatArrivesInGroupBAsSampleFileWithTheSameBytes() throws Exception {
        byte[] pdf = bytes(3_000);
        sandbox.postFileAsDirectMember("Alice", "report.pdf", "application/pdf", pdf);

        SandboxMessage file = sandbox.awaitMessage("cidGroupB", m -> "file".equals(m.content().type()), WAIT);
        assertThat(file.via()).isEqualTo(SandboxMessage.VIA_OPENAPI);
        assertThat(file.content().media()).containsEntry("fileName", "report.pdf").containsEntry("fileType", "pdf")
                .containsEntry("size", "3000");
        assertThat(file.content().media().get("mediaId")).startsWith("@");
        assertThat(fetch(file.content().media().get("url")).body()).isEqualTo(pdf);
        // the sender's name arrives first, as its own message
        List<SandboxMessage> groupB = sandbox.conversation("cidGroupB");
        assertThat(groupB.get(groupB.indexOf(file) - 1).content().text()).isEqualTo("Alice:");
        // the member's own message reached the bridge as DingTalk's file callback
        SandboxMessage sent = sandbox.awaitDirectMessage("alice", m -> m.delivery() != null
                && m.delivery().state() == SandboxMessage.Delivery.State.DELIVERED, WAIT);
        assertThat(sent.content().type()).isEqualTo("file");
        // the rule names the one-to-one chat: it is no sandbox group
        assertThat(sandbox.settings().groups()).extracting(g -> g.openConversationId())
                .containsExactly("cidGroupA", "cidGroupB");
    }

    @Test
    void aVoiceMessageArrivesAsSampleAudioWithItsDurationAndItsRecognitionAsText() throws Exception {
        sandbox.postVoiceAsDirectMember("Alice", null, null, 4_200, "see you at noon");

        SandboxMessage audio = sandbox.awaitMessage("cidGroupB", m -> "audio".equals(m.content().type()), WAIT);
        assertThat(audio.content().media()).containsEntry("duration", "4200");
        assertThat(fetch(audio.content().media().get("url")).body()).isEqualTo(DingTalkSandbox.sampleVoice());
        List<SandboxMessage> groupB = sandbox.conversation("cidGroupB");
        assertThat(groupB.get(groupB.indexOf(audio) - 1).content().text()).isEqualTo("Alice: see you at noon");
    }

    @Test
    void aVideoArrivesAsSampleVideoWithItsDurationTypeAndTheBuiltInCoverPicture() throws Exception {
        sandbox.postVideoAsDirectMember("Alice", null, 12_500);

        SandboxMessage video = sandbox.awaitMessage("cidGroupB", m -> "video".equals(m.content().type()), WAIT);
        assertThat(video.content().media()).containsEntry("duration", "12500").containsEntry("videoType", "mp4");
        assertThat(fetch(video.content().media().get("url")).body()).isEqualTo(DingTalkSandbox.sampleVideo());
        assertThat(fetch(video.content().media().get("picUrl")).body()).isEqualTo(DeliveryPlan.VIDEO_COVER);
    }

    @Test
    void aVoiceUploadRefusedForItsSizeBecomesATextLineAndTheDeliveryIsSent() throws Exception {
        // DingTalk takes voice uploads up to 2 MB: this one is under max_bytes, so it is fetched and refused
        sandbox.postVoiceAsDirectMember("Alice", bytes(3 * 1024 * 1024), "audio/wav", 60_000, null);

        SandboxMessage line = sandbox.awaitMessage("cidGroupB", m -> m.shows("[audio]"), WAIT);
        assertThat(line.content().type()).isEqualTo("text");
        assertThat(line.content().text()).isEqualTo("[audio] voice message (3.0 MiB, refused by DingTalk: errcode"
                + " 40006 不合法的文件大小 (invalid voice size: 3145728 bytes; at most 2097152))");
        assertThat(bridge.store().deadLetters(10)).isEmpty();
        assertThat(logs.all()).contains("DingTalk refused the voice upload of voice.wav (3.0 MiB)");
    }

    @Test
    void aVoiceUploadRefusedForItsTypeBecomesATextLineNamingTheReason() throws Exception {
        sandbox.postVoiceAsDirectMember("Alice", bytes(2_000), "audio/ogg", 2_000, null);

        SandboxMessage line = sandbox.awaitMessage("cidGroupB", m -> m.shows("[audio]"), WAIT);
        assertThat(line.content().text()).startsWith("[audio] voice message (2.0 KiB, refused by DingTalk: errcode"
                + " 40005").contains("invalid voice format 'ogg'");
        assertThat(sandbox.conversation("cidGroupB")).noneMatch(m -> "audio".equals(m.content().type()));
        assertThat(bridge.store().deadLetters(10)).isEmpty();
    }

    @Test
    void aFileOverMaxBytesBecomesATextLineWithItsNameAndSize() throws Exception {
        sandbox.postFileAsDirectMember("Alice", "backup.zip", "application/zip", bytes(MAX_BYTES + 1024 * 1024));

        SandboxMessage line = sandbox.awaitMessage("cidGroupB", m -> m.shows("backup.zip"), WAIT);
        assertThat(line.content().type()).isEqualTo("text");
        assertThat(line.content().text()).isEqualTo("[file] backup.zip (5.0 MiB, too large to forward)");
        assertThat(sandbox.conversation("cidGroupB")).noneMatch(m -> "file".equals(m.content().type()));
        assertThat(bridge.store().deadLetters(10)).isEmpty();
    }

    private static byte[] bytes(int n) {
        byte[] out = new byte[n];
        new Random(n).nextBytes(out);
        return out;
    }

    private HttpResponse<byte[]> fetch(String url) throws Exception {
        assertThat(url).as("a URL").isNotNull();
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
