package io.chatbridge.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.spi.InboundMessage;
import io.javalin.Javalin;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Secrets from config.json never reach the log output, whoever logs them. */
class SecretsInLogsTest {

    private static final String SECRET = "sk-0123456789-very-secret";
    private static final String PASSWORD = "hunter2-db-password";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;

    @BeforeEach
    void capture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger - %redactedMsg%n%redactedEx");
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(captured);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                .detachAppender(appender);
        Secrets.clear();
    }

    @Test
    void configuredSecretsAreMaskedInEveryLogLine() throws Exception {
        Setup setup = Setup.load(Files.write(dir, "config.json", """
                {"global": {"database": {"path": ":memory:", "password": "%s"}},
                 "memory": {"a": {"api_key": "%s"}, "b": {"fail_first": 1}}}
                """.formatted(PASSWORD, SECRET)),
                Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}, "
                        + "\"msg\": {\"msg_format\": \"{msg}\"}}]}"),
                DriverRegistry.discover(null), k -> null);
        try (Bridge bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1")
                .retryBase(Duration.ofMillis(5)))) {
            org.slf4j.Logger log = LoggerFactory.getLogger("test");
            log.info("connecting with key {}", SECRET);
            log.error("request failed", new IllegalStateException("401 for https://x/?token=" + SECRET));
            // a user pasting a secret into chat: the outgoing message is blocked and the warning is masked
            bridge.publish("a", InboundMessage.builder().text("my password is " + PASSWORD).build());
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (bridge.store().deadLetters(1).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(bridge.store().deadLetters(1)).singleElement()
                    .satisfies(d -> assertThat(d.error()).startsWith("BLOCKED_SECRET"));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs).contains("connecting with key " + Secrets.MASK).contains("token=" + Secrets.MASK)
                .contains("blocked: the message contains a configured secret");
        assertThat(logs).doesNotContain(SECRET).doesNotContain(PASSWORD);
    }

    @Test
    void aMessageQuotingASecretInPartOrEncodedIsBlocked() throws Exception {
        String hook = "https://hooks.example.com/robot/send?access_token=robottoken-7c1e55aa90b3";
        Setup setup = Setup.load(Files.write(dir, "config.json", """
                {"global": {"database": {"path": ":memory:"}},
                 "memory": {"a": {"api_key": "%s"}, "b": {}},
                 "webhook": {"hook": {"url": "%s"}}}
                """.formatted(SECRET, hook)),
                Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}, "
                        + "\"msg\": {\"msg_format\": \"{msg}\"}}]}"),
                DriverRegistry.discover(null), k -> null);
        List<String> texts = List.of("the robot token is robottoken-7c1e55aa90b3",
                "encoded: " + java.net.URLEncoder.encode(hook, StandardCharsets.UTF_8),
                "json: {\"k\":\"" + hook.replace("/", "\\/") + "\"}", "nothing secret here");
        try (Bridge bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"))) {
            for (String text : texts) {
                bridge.publish("a", InboundMessage.builder().text(text).build());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (bridge.store().deadLetters(10).size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(bridge.store().deadLetters(10)).hasSize(3)
                    .allSatisfy(d -> assertThat(d.error()).startsWith("BLOCKED_SECRET"));
        }
    }

    @Test
    void webhookEgressUrlWithTheSecretInItsPathBlocksMessagesContainingItAndIsMaskedInLogs() throws Exception {
        String hookPath = "/services/T0001/B0002/XXXXpath-secretXXXX";
        List<String> received = new CopyOnWriteArrayList<>();
        Javalin receiver = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post(hookPath, ctx -> received.add(ctx.body()));
        }).start("127.0.0.1", 0);
        String hook = "http://127.0.0.1:" + receiver.port() + hookPath;
        Logger bridgeLogs = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.chatbridge");
        Level level = bridgeLogs.getLevel();
        bridgeLogs.setLevel(Level.DEBUG);
        try {
            Setup setup = Setup.load(Files.write(dir, "config.json", """
                    {"global": {"database": {"path": ":memory:"}},
                     "webhook": {"alerts": {"listen_port": 0, "token": "ingress-token-0123456789"},
                                 "slack": {"url": "%s"}}}
                    """.formatted(hook)),
                    Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"alerts\": {}}, "
                            + "\"to\": {\"slack\": {}}, \"msg\": {\"msg_format\": \"{msg}\"}}]}"),
                    DriverRegistry.discover(null), k -> null, new Setup.Options().allowRandomPorts());
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            try (Bridge bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"))) {
                HttpClient client = HttpClient.newHttpClient();
                for (String text : List.of("disk full on db1", "the alert hook is " + hook)) {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + bridge.port(0) + "/events"))
                            .header("Authorization", "Bearer ingress-token-0123456789")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + text + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while ((received.isEmpty() || bridge.store().deadLetters(1).isEmpty())
                        && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(bridge.store().deadLetters(1)).singleElement()
                        .satisfies(d -> assertThat(d.error()).startsWith("BLOCKED_SECRET"));
                // a library logging the URL it calls
                LoggerFactory.getLogger("test").info("POST {}", hook);
            }
        } finally {
            bridgeLogs.setLevel(level);
            receiver.stop();
        }
        assertThat(received).singleElement().asString().contains("disk full on db1").doesNotContain(hookPath);
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs).contains("POST " + Secrets.MASK).contains("blocked: the message contains a configured secret");
        assertThat(logs).doesNotContain(hookPath).doesNotContain("XXXXpath-secretXXXX");
    }

    @Test
    void longerSecretsAreMaskedWholeEvenWhenTheyContainShorterOnes() {
        Secrets.register(java.util.List.of("abcd", "abcdefgh"));
        assertThat(Secrets.redact("x abcdefgh y abcd")).isEqualTo("x ****** y ******");
        assertThat(Secrets.redact(null)).isNull();
    }
}
