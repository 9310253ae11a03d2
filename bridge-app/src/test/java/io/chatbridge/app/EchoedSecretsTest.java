package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.cli.Main;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import io.javalin.Javalin;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Targets that quote secrets back (a custom robot naming its token, the OpenAPI naming the access token, a webhook
 * receiver quoting its secret URL) never get them into the log or into {@code dlq list}, in any encoding.
 */
class EchoedSecretsTest {

    private static final String APP_SECRET = "appsecret-Zq81xKk2PfR7aa";
    private static final String ROBOT_TOKEN = "robottoken-7c1e55aa90b3d2f4";
    private static final String ACCESS_TOKEN = "apptoken-5f6e7d8c9b0a1234"; // fetched at run time, never configured
    private static final String HOOK_PATH = "/services/T0123ABCD/B0456EFGH/hookpathsecret4321xyz";
    private static final String HOOK_KEY = "egresskey-0a9b8c7d6e5f";
    private static final String INGRESS_TOKEN = "ingress-token-0123456789abcdef";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;
    private Javalin echo;
    private Bridge bridge;

    @BeforeEach
    void start() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger - %redactedMsg%n%redactedEx");
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(logs);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);

        // every answer quotes what the caller sent: raw, JSON-escaped (with \/) and URL-encoded
        echo = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/oauth2/accessToken", ctx -> ctx.contentType("application/json")
                    .result("{\"accessToken\":\"" + ACCESS_TOKEN + "\",\"expireIn\":7200}"));
            config.routes.post("/v1.0/robot/groupMessages/send", ctx -> ctx.status(401)
                    .contentType("application/json").result("{\"code\":\"InvalidAuthentication\",\"message\":"
                            + "\"access token " + ctx.header("x-acs-dingtalk-access-token") + " invalid, "
                            + enc(ctx.header("x-acs-dingtalk-access-token")) + "\"}"));
            config.routes.post("/robot/send", ctx -> ctx.contentType("application/json")
                    .result("{\"errcode\":300001,\"errmsg\":\"invalid token " + ctx.queryParam("access_token")
                            + ", path=" + jsonSlashes(ctx.path() + "?" + ctx.queryString()) + " "
                            + enc(ctx.fullUrl()) + "\"}"));
            config.routes.post(HOOK_PATH, ctx -> ctx.status(400).contentType("application/json")
                    .result("{\"error\":\"no route for " + ctx.path() + "?" + ctx.queryString() + "\",\"url\":\""
                            + jsonSlashes(ctx.fullUrl()) + "\",\"enc\":\"" + enc(ctx.fullUrl())
                            + "\",\"garbage\":\"\u0000\u0007\uFFFD\"}"));
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        echo.stop();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                .detachAppender(appender);
        Secrets.clear();
    }

    private static String enc(String s) {
        return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
    }

    private static String jsonSlashes(String s) {
        return s.replace("/", "\\/");
    }

    @Test
    void secretsQuotedBackByTargetsAreMaskedInLogsAndDeadLetters() throws Exception {
        String base = "http://127.0.0.1:" + echo.port();
        String hookUrl = base + HOOK_PATH + "?key=" + HOOK_KEY;
        Path config = write("config.json", """
                {"global": {"database": {"path": "bridge.db"},
                            "delivery": {"max_attempts": 1, "poll_interval": "50ms", "backoff_base": "10ms"}},
                 "webhook": {"in": {"listen_port": 0, "token": "%s"},
                             "hook": {"url": "%s"}},
                 "dingtalk": {"dt": {"app_key": "appkey-0001", "app_secret": "%s", "robot_code": "robot-1",
                                     "api_endpoint": "%s",
                                     "webhooks": [{"chat_group": "ops",
                                                   "url": "%s/robot/send?access_token=%s"}]}}}
                """.formatted(INGRESS_TOKEN, hookUrl, APP_SECRET, base, base, ROBOT_TOKEN));
        Path rules = write("rules.json", """
                {"rules": [{"from": {"in": {}},
                            "to": {"hook": {}, "dt": {"open_conversation_id": "cidOps"}}},
                           {"from": {"in": {}}, "to": {"dt": {"chat_group": "ops"}}}]}""");
        Setup setup = Setup.load(config, rules, DriverRegistry.discover(null), k -> null,
                new Setup.Options().allowRandomPorts());
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));

        HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + bridge.port(0) + "/events"))
                .header("Authorization", "Bearer " + INGRESS_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"disk full\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (bridge.store().deadLetters(10).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(bridge.store().deadLetters(10)).hasSize(3);
        bridge.close();
        bridge = null;
        Secrets.clear(); // dlq runs as a process of its own

        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertThat(cli.execute("dlq", "list", "--config", config.toString())).as(out.toString()).isZero();
        String dlq = out.toString();
        String log = logs.toString(StandardCharsets.UTF_8);

        // the targets did quote them: the dead letters say what was answered, with the secrets masked
        assertThat(dlq).contains("300001").contains("InvalidAuthentication").contains("no route for")
                .contains(Secrets.MASK);
        assertThat(log).contains("moved to dead letters");
        for (String secret : List.of(APP_SECRET, ROBOT_TOKEN, ACCESS_TOKEN, HOOK_PATH, HOOK_KEY, INGRESS_TOKEN,
                hookUrl, "hookpathsecret4321xyz")) {
            for (String form : forms(secret)) {
                assertThat(log).as("log quotes " + form).doesNotContain(form);
                assertThat(dlq).as("dlq list quotes " + form).doesNotContain(form);
            }
        }
        // garbage bytes from a target are not copied into the dead letter
        assertThat(dlq).doesNotContain("\u0000").doesNotContain("\u0007").doesNotContain("\uFFFD");
    }

    private static List<String> forms(String secret) {
        List<String> forms = new ArrayList<>();
        forms.add(secret);
        forms.add(enc(secret));
        forms.add(jsonSlashes(secret));
        return forms;
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }
}
