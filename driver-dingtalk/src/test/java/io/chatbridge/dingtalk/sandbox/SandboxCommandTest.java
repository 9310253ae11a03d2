package io.chatbridge.dingtalk.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(QuietJettyLogs.class)
class SandboxCommandTest {

    private static SandboxSettings parse(String... args) {
        SandboxCommand command = new SandboxCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void defaultsMatchTheDocumentedSandbox() {
        SandboxSettings settings = parse();

        assertThat(settings.port()).isEqualTo(8070);
        assertThat(settings.host()).isEqualTo("127.0.0.1");
        assertThat(settings.appKey()).isEqualTo("sandbox-app-key");
        assertThat(settings.appSecret()).isEqualTo("sandbox-app-secret");
        assertThat(settings.signingSecret()).isEqualTo("sandbox-app-secret");
        assertThat(settings.callbackUrl()).isEqualTo(URI.create("http://127.0.0.1:8082/dingtalk/event"));
        assertThat(settings.groups()).containsExactly(new SandboxSettings.Group("cidGroupA", "Group A"),
                new SandboxSettings.Group("cidGroupB", "Group B"));
        assertThat(settings.webhooks()).isEmpty();
        assertThat(settings).isEqualTo(SandboxSettings.defaults());
    }

    @Test
    void optionsOverrideTheDefaults() {
        SandboxSettings settings = parse("--port", "0", "--callback-url", "http://127.0.0.1:9000/cb",
                "--signing-secret", "s3", "--group", "cidX=Ops room", "--group", "cidY",
                "--webhook", "tok1=cidX", "--webhook", "tok2=cidY:SECabc");

        assertThat(settings.port()).isZero();
        assertThat(settings.callbackUrl()).isEqualTo(URI.create("http://127.0.0.1:9000/cb"));
        assertThat(settings.signingSecret()).isEqualTo("s3");
        assertThat(settings.groups()).containsExactly(new SandboxSettings.Group("cidX", "Ops room"),
                new SandboxSettings.Group("cidY", "cidY"));
        assertThat(settings.webhooks()).containsExactly(new SandboxSettings.Webhook("tok1", "tok1", null, "cidX"),
                new SandboxSettings.Webhook("tok2", "tok2", "SECabc", "cidY"));
        assertThat(parse("--unsigned").signingSecret()).isNull();
    }

    @Test
    void aWebhookIntoAnUnknownGroupIsRejectedWithTheFix() {
        assertThatThrownBy(() -> parse("--webhook", "tok=cidNope"))
                .hasMessage("webhook tok posts into unknown group cidNope; add the group first");
    }

    @Test
    void bannerShowsThePageUrlButNoSecretGivenOnTheCommandLine() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SandboxCommand command = new SandboxCommand(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        new CommandLine(command).parseArgs("--port", "0", "--app-secret", "my-real-secret", "--signing-secret",
                "my-signing-secret", "--webhook", "hook-token=cidGroupA:SEChook");
        try (DingTalkSandbox sandbox = new DingTalkSandbox(command.settings()).start()) {
            command.printBanner(sandbox);
            String banner = buffer.toString(StandardCharsets.UTF_8);

            assertThat(banner).contains("Open " + sandbox.baseUrl() + "/");
            assertThat(banner).doesNotContain("my-real-secret", "my-signing-secret", "SEChook", "hook-token");
        }
    }

    @Test
    void streamDeliversMembersMessagesOverTheGatewayAndTheBannerSaysHowToConnect() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SandboxCommand command = new SandboxCommand(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        new CommandLine(command).parseArgs("--port", "0", "--stream");
        try (DingTalkSandbox sandbox = command.sandbox(command.settings()).start()) {
            command.printBanner(sandbox);
            String banner = buffer.toString(StandardCharsets.UTF_8);

            assertThat(sandbox.streamMode()).isTrue();
            assertThat(banner).contains("receive_mode   \"stream\" (api_endpoint " + sandbox.baseUrl() + ")")
                    .contains("pushed over Stream mode to the bridge once it connects to " + sandbox.baseUrl()
                            + "/v1.0/gateway/connections/open")
                    .doesNotContain("delivered to http");
        }
        SandboxCommand plain = new SandboxCommand();
        new CommandLine(plain).parseArgs("--port", "0");
        assertThat(plain.sandbox(plain.settings()).streamMode()).isFalse();
    }

    @Test
    void aTakenPortIsOneErrorLineAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CommandLine cli = new CommandLine(new SandboxCommand(new PrintStream(out, true, StandardCharsets.UTF_8)));
            cli.setErr(new PrintWriter(err, true));

            int code = cli.execute("--port", Integer.toString(taken.getLocalPort()));

            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).isEqualTo("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": address already in use" + System.lineSeparator());
            assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }

    @Test
    void aBadWebhookOptionIsOneErrorLineAndExitCodeTwo() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SandboxCommand());
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("--port", "0", "--webhook", "tok=cidNope")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: webhook tok posts into unknown group cidNope; add the group first"
                + System.lineSeparator());
    }

    @Test
    void settingsToStringLeavesOutSecrets() {
        SandboxSettings settings = SandboxSettings.defaults().withCredentials("k", "app-secret-value")
                .withSigningSecret("signing-secret-value")
                .withWebhooks(List.of(new SandboxSettings.Webhook("w", "token-value", "SECvalue", "cidGroupA")));

        assertThat(settings.toString()).doesNotContain("app-secret-value", "signing-secret-value", "token-value",
                "SECvalue");
    }
}
