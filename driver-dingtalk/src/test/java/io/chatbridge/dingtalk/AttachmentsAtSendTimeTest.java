package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.chatbridge.dingtalk.TestTime.FakeTicker;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentFetch;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.testkit.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attachments are resolved when a delivery is sent, through the instance that received them: DingTalk's
 * downloadCode becomes a fresh temporary URL then, so waiting in the outbox does not lose the picture; what cannot be
 * had any more is named in a line, never a failed or silently shortened delivery.
 */
class AttachmentsAtSendTimeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(Instant.now());
    private final HttpClient http = HttpClient.newHttpClient();
    private DriverFixture fixture;
    private DingTalkSandbox sandbox;
    private HttpServer files;

    @BeforeEach
    void start() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sandbox", true);
        settings.put("sandbox_port", 0);
        settings.put("webhooks", List.of(Map.of("chat_group", "ops",
                "url", "https://oapi.dingtalk.com/robot/send?access_token=tokOPS")));
        fixture = DriverFixture.sandbox(settings, List.of(), clock, new FakeTicker(), Sleeper.SYSTEM);
        sandbox = fixture.driver.sandbox();
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (files != null) {
            files.stop(0);
        }
    }

    private Attachment receivedPicture() throws Exception {
        sandbox.postPictureAsMember("cidGroupA", "Alice", null);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fixture.context.published().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        InboundMessage received = fixture.context.published().get(0);
        return received.attachments().get(0);
    }

    @Test
    void aDeliveryThatWaitedPastTheDownloadUrlsLifetimeStillGetsThePicture() throws Exception {
        Attachment picture = receivedPicture();
        String urlAtReceipt = fixture.driver.attachmentUrl(picture);
        assertThat(get(urlAtReceipt).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(61)); // the delivery waited in the outbox
        assertThat(get(urlAtReceipt).statusCode()).as("the URL DingTalk gave at receipt has expired").isEqualTo(403);

        fixture.driver.send(Messages.toGroup("cidGroupB").text("Alice: ").attachment(picture).from("dt").build());

        SandboxMessage shown = sandbox.awaitMessage("cidGroupB", m -> "image".equals(m.content().type()), WAIT);
        assertThat(get(shown.content().picUrl()).body()).isEqualTo(DingTalkSandbox.samplePicture());
    }

    @Test
    void anExpiredOrUnknownDownloadUrlIsAPermanentClassifiedFailure() throws Exception {
        Attachment picture = receivedPicture();
        String url = fixture.driver.attachmentUrl(picture);
        clock.advance(Duration.ofMinutes(61));

        assertThatThrownBy(() -> AttachmentFetch.get(url, "image", 1 << 20))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.code()).isEqualTo("ATTACHMENT_UNAVAILABLE");
                    assertThat(e.getMessage()).isEqualTo("image: download answered HTTP 403 (expired or removed)");
                });
        String unknown = sandbox.baseUrl() + "/sandbox/files/nosuchcode?expires=1&signature=x";
        assertThatThrownBy(() -> AttachmentFetch.get(unknown, "image", 1 << 20))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("HTTP 404");
                });
    }

    @Test
    void aServerErrorWhileDownloadingIsRetryable() throws Exception {
        String url = serve(500, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> AttachmentFetch.get(url, "a.png", 1 << 20))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void aPictureWhoseDownloadCodeDingTalkNoLongerKnowsIsDeliveredAsALine() throws Exception {
        Attachment gone = Attachment.builder().type("image").name("screenshot.png")
                .sourceRef("expired-download-code").build();

        fixture.driver.send(Messages.toGroup("cidGroupB").text("Alice: look").attachment(gone).from("dt").build());

        assertThat(sandbox.awaitMessage("cidGroupB", m -> m.shows("[image] screenshot.png (no longer available)"),
                WAIT)).isNotNull();
        assertThat(sandbox.conversation("cidGroupB")).extracting(m -> m.content().text()).contains("Alice: look");
    }

    @Test
    void anUploadDingTalkRefusesForItsTypeIsDeliveredAsALine() throws Exception {
        String url = serve(200, "image/png", "this is not a picture".getBytes(StandardCharsets.UTF_8));

        fixture.driver.send(Messages.toGroup("cidGroupB").text("see").attachment(
                Attachment.builder().type("image").url(url).name("fake.png").mime("image/png").build()).build());

        assertThat(sandbox.awaitMessage("cidGroupB", m -> m.shows("[image] fake.png (21 B, refused by DingTalk)"),
                WAIT)).isNotNull();
    }

    @Test
    void aPictureOverMediaMaxBytesIsSentAsALineWithNameAndSize() throws Exception {
        Attachment huge = Attachment.builder().type("image").url("http://127.0.0.1:9/huge.png").name("huge.png")
                .size(30L * 1024 * 1024).mime("image/png").build();

        fixture.driver.send(Messages.toGroup("cidGroupB").text("big one").attachment(huge).build());

        assertThat(sandbox.awaitMessage("cidGroupB", m -> m.shows("[image] huge.png (30.0 MiB, too large to forward)"),
                WAIT)).isNotNull();
    }

    @Test
    void customRobotsShowAPictureAsMarkdownWithAFreshUrl() throws Exception {
        Attachment picture = receivedPicture();
        clock.advance(Duration.ofMinutes(61));

        fixture.driver.send(Messages.to(Map.of("chat_group", "ops")).text("Alice: ").attachment(picture).from("dt")
                .build());

        SandboxMessage shown = sandbox.awaitMessage("cidRobot_ops", m -> m.shows("![image]("), WAIT);
        assertThat(shown.content().type()).isEqualTo("markdown");
        String text = shown.content().text();
        String url = text.substring(text.indexOf("](") + 2, text.indexOf(')', text.indexOf("](")));
        assertThat(get(url).body()).isEqualTo(DingTalkSandbox.samplePicture());
    }

    @Test
    void aServerErrorWhileFetchingAFileForAnAppRobotFailsTheDeliveryForARetryInsteadOfALine() throws Exception {
        String url = serve(503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
        Attachment file = Attachment.builder().type("file").url(url).name("report.pdf").build();

        assertThatThrownBy(() -> fixture.driver.send(Messages.toGroup("cidGroupB").text("see").attachment(file)
                .build())).isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(sandbox.conversation("cidGroupB")).noneMatch(m -> m.shows("report.pdf"));
    }

    @Test
    void aFileFromAPlainUrlIsUploadedAndSentAsSampleFileToOneToOneTargets() throws Exception {
        byte[] bytes = "col1,col2\n1,2\n".getBytes(StandardCharsets.UTF_8);
        String url = serve(200, "text/csv", bytes);
        Attachment file = Attachment.builder().type("file").url(url).name("numbers.csv").build();

        fixture.driver.send(Messages.to(Map.of("user_ids", List.of("manager01"))).text("").attachment(file).build());

        SandboxMessage sent = sandbox.awaitDirectMessage("manager01", m -> "file".equals(m.content().type()), WAIT);
        assertThat(sent.content().media()).containsEntry("fileName", "numbers.csv").containsEntry("fileType", "csv");
        assertThat(get(sent.content().media().get("url")).body()).isEqualTo(bytes);
        assertThat(sandbox.directMessages("manager01")).hasSize(1); // no empty text message before it
    }

    @Test
    void customRobotsShowFilesVoiceAndVideoAsLinesWithNameAndSize() throws Exception {
        fixture.driver.send(Messages.to(Map.of("chat_group", "ops")).text("Alice:")
                .attachment(Attachment.builder().type("file").name("q3.pdf").size(1_300).sourceRef("dc-1").build())
                .attachment(Attachment.builder().type("audio").name("voice message").sourceRef("dc-2")
                        .durationMillis(4_000).build())
                .from("dt").build());

        SandboxMessage shown = sandbox.awaitMessage("cidRobot_ops", m -> m.shows("q3.pdf"), WAIT);
        assertThat(shown.content().text()).isEqualTo("Alice:\n[file] q3.pdf (1.3 KiB)\n[audio] voice message");
    }

    @Test
    void aSixtyThousandByteMarkdownAlertIsSplitAndDeliveredCompleteAndInOrder() throws Exception {
        StringBuilder alert = new StringBuilder("### 1,200 alerts firing\n");
        for (int i = 1; alert.length() < 60_000; i++) {
            alert.append("- alert ").append(i).append(": disk usage above 90% on host-").append(i).append('\n');
        }
        String markdown = alert.toString().strip();
        assertThat(markdown.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(60_000);

        fixture.driver.send(Messages.toGroup("cidGroupB").rich(RichContent.markdown("Alerts", markdown)).build());
        fixture.driver.send(Messages.to(Map.of("chat_group", "ops")).rich(RichContent.markdown("Alerts", markdown))
                .build());

        for (String group : List.of("cidGroupB", "cidRobot_ops")) {
            List<SandboxMessage> parts = new ArrayList<>(sandbox.conversation(group));
            assertThat(parts).as(group).hasSizeGreaterThan(3);
            StringBuilder reassembled = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                String prefix = "(" + (i + 1) + "/" + parts.size() + ")\n\n";
                assertThat(parts.get(i).content().text()).as(group + " part " + (i + 1)).startsWith(prefix);
                assertThat(parts.get(i).content().title()).isEqualTo("Alerts (" + (i + 1) + "/" + parts.size() + ")");
                reassembled.append(reassembled.isEmpty() ? "" : "\n")
                        .append(parts.get(i).content().text().substring(prefix.length()));
            }
            assertThat(reassembled.toString()).as(group).isEqualTo(markdown);
        }
    }

    private HttpResponse<byte[]> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String serve(int status, String type, byte[] body) throws Exception {
        files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        files.start();
        return "http://127.0.0.1:" + files.getAddress().getPort() + "/file.png";
    }
}
