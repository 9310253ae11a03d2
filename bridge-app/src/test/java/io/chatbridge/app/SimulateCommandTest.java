package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.core.cli.Main;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.javalin.Javalin;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SimulateCommandTest {

    private static final String SECRET = "robot-signing-secret";
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;
    private volatile String expectedSecret = SECRET;
    private final AtomicReference<JsonNode> received = new AtomicReference<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Javalin receiver;

    @BeforeEach
    void startReceiver() {
        receiver = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/said", ctx -> ctx.status(202).result("{\"routed_to\":2}"));
            cfg.routes.post("/dingtalk/event", ctx -> {
                String ts = ctx.header("timestamp");
                String sign = ctx.header("sign");
                if (ts == null || sign == null || !sign.equals(DingTalkSignature.sign(ts, expectedSecret))) {
                    ctx.status(403).result("{\"error\":\"bad signature\"}");
                    return;
                }
                received.set(new ObjectMapper().readTree(ctx.body()));
                ctx.status(200);
            });
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop();
    }

    private int simulate(String... args) {
        CommandLine cli = Main.commandLine(new SimulateCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli.execute(all);
    }

    private String url() {
        return "http://127.0.0.1:" + receiver.port() + "/dingtalk/event";
    }

    @Test
    void sendsACorrectlySignedCallbackShapedLikeDingTalks() {
        assertThat(simulate("--url", url(), "--secret", SECRET, "--text", "hello")).isZero();
        assertThat(out.toString()).contains("HTTP 200").contains("accepted");
        JsonNode body = received.get();
        assertThat(body.path("msgtype").asText()).isEqualTo("text");
        assertThat(body.path("text").path("content").asText()).isEqualTo(" hello");
        assertThat(body.path("conversationType").asText()).isEqualTo("2");
        assertThat(body.path("msgId").asText()).startsWith("msgSimulated");
    }

    @Test
    void reportsARefusedSignature() {
        assertThat(simulate("--url", url(), "--secret", "wrong-secret")).isEqualTo(1);
        assertThat(out.toString()).contains("HTTP 403").contains("signature check failed");
    }

    @Test
    void reportsAnUnreachableBridge() throws Exception {
        try (Ports.ClosedPort closed = Ports.closedPort()) {
            int port = closed.port();
            assertThat(simulate("--url", "http://localhost:" + port + "/dingtalk/event")).isEqualTo(2);
            assertThat(err.toString()).isEqualTo("error: cannot reach localhost:" + port + ": connection refused"
                    + System.lineSeparator());
        }
    }

    @Test
    void reportsAnUnknownHost() {
        assertThat(simulate("--url", "http://bridge.invalid/dingtalk/event")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: cannot reach bridge.invalid: unknown host"
                + System.lineSeparator());
    }

    @Test
    void acceptedCallbackIsReportedAsWhatTheBridgeAnsweredNotAsRouted() {
        assertThat(simulate("--url", url(), "--secret", SECRET, "--conversation", "cidOps")).isZero();

        assertThat(out.toString()).contains("accepted (HTTP 200): whether a rule routes messages from cidOps is up"
                + " to rules.json").doesNotContain("routed");
    }

    @Test
    void acceptedCallbackShowsWhatTheAnswerSays() {
        assertThat(simulate("--url", url().replace("/dingtalk/event", "/said"))).isZero();

        assertThat(out.toString()).contains("-> HTTP 202 {\"routed_to\":2}")
                .contains("accepted (HTTP 202): {\"routed_to\":2}");
    }

    private java.nio.file.Path config(String dingtalkInstances) throws Exception {
        java.nio.file.Path file = dir.resolve("config.json");
        java.nio.file.Files.writeString(file, "{\"global\": {\"database\": {\"path\": \":memory:\"}},"
                + " \"dingtalk\": {" + dingtalkInstances + "}}");
        return file;
    }

    @Test
    void readsTheCallbackUrlAndSigningSecretFromTheConfig() throws Exception {
        java.nio.file.Path file = config("\"dt\": {\"app_key\": \"k\", \"app_secret\": \"app-secret-not-used\","
                + " \"robot_code\": \"r\", \"signing_secret\": \"" + SECRET + "\", \"listen_port\": "
                + receiver.port() + "}");

        assertThat(simulate("--config", file.toString(), "--instance", "dt", "--text", "from config")).isZero();

        assertThat(received.get().path("text").path("content").asText()).isEqualTo(" from config");
        assertThat(out.toString()).contains("using dingtalk.dt from " + file + ": " + url()
                + ", signed with its signing_secret").contains("accepted (HTTP 200)").doesNotContain(SECRET);
    }

    @Test
    void signsWithTheSandboxesSecretForASandboxInstanceAsInTheQuickstart() throws Exception {
        expectedSecret = "sandbox-app-secret";
        java.nio.file.Path file = config("\"sandbox_robot\": {\"sandbox\": true, \"sandbox_port\": 0,"
                + " \"listen_port\": " + receiver.port() + "}");

        // one DingTalk instance: --instance may be left out
        assertThat(simulate("--config", file.toString())).isZero();

        assertThat(out.toString()).contains("signed with the sandbox's signing secret").contains("HTTP 200")
                .doesNotContain("sandbox-app-secret");
    }

    @Test
    void anUnknownInstanceIsAnErrorNamingTheKnownOnes() throws Exception {
        java.nio.file.Path file = config("\"dt_a\": {\"sandbox\": true, \"sandbox_port\": 0},"
                + " \"dt_b\": {\"sandbox\": true, \"sandbox_port\": 0, \"listen_port\": 8083}");

        assertThat(simulate("--config", file.toString(), "--instance", "dt_c")).isEqualTo(2);
        assertThat(err.toString()).contains("--instance dt_c: " + file + " has no DingTalk instance of that name"
                + " (DingTalk instances: dt_a, dt_b)");
        err.getBuffer().setLength(0);
        assertThat(simulate("--config", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("has 2 DingTalk instances (dt_a, dt_b): name one with --instance ID");
    }

    @Test
    void withoutUrlOrConfigSaysWhatToGive() {
        assertThat(simulate("--text", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--url URL, or --config FILE [--instance ID]");
    }
}
