package io.chatbridge.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.testing.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String[] files(String config, String rules) {
        return new String[] {"--config", Files.write(dir, "config.json", config).toString(),
            "--rules", Files.write(dir, "rules.json", rules).toString()};
    }

    @Test
    void validateExitsZeroForValidFiles() {
        String[] f = files("{\"memory\": {\"a\": {}, \"b\": {}}}", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(run("validate", f[0], f[1], f[2], f[3])).isZero();
        assertThat(out.toString()).contains("are valid: 2 instance(s), 1 rule(s)");
    }

    @Test
    void validateExitsOneAndNamesEveryProblem() {
        String[] f = files("{\"memory\": {\"a\": {\"fail_mode\": 3}}}", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"zz\": {}}}]}");
        assertThat(run("validate", f[0], f[1], f[2], f[3])).isEqualTo(1);
        assertThat(err.toString())
                .contains("error: " + dir.resolve("config.json") + ": memory.a.fail_mode: expected a string, got a number")
                .contains("error: " + dir.resolve("rules.json") + ": rules[0].to.zz: unknown instance \"zz\"")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void validateExitsTwoWhenAFileDoesNotExist() {
        String[] f = files("{}", "{}");
        assertThat(run("validate", "--config", dir.resolve("missing.json").toString(), f[2], f[3])).isEqualTo(2);
        assertThat(err.toString()).contains("missing.json: file does not exist");
    }

    @Test
    void rulesDefaultToRulesJsonNextToTheConfig() {
        // before: rules.json in the working directory, so --config examples/x/config.json alone failed
        String[] f = files("{\"memory\": {\"a\": {}, \"b\": {}}}", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(run("validate", "--config", f[1])).as(err.toString()).isZero();
        assertThat(out.toString()).contains(dir.resolve("rules.json") + " are valid: 2 instance(s), 1 rule(s)");
    }

    @Test
    void aMissingFileIsNamedByItsAbsolutePathWithTheOptionToPass() {
        Path config = Files.write(dir.resolve("sub"), "config.json", "{\"memory\": {\"a\": {}}}");
        assertThat(run("validate", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("error: " + dir.resolve("sub/rules.json").toAbsolutePath()
                + ": file does not exist (without --rules the rules are read from rules.json next to --config; name"
                + " them with --rules FILE)");
    }

    @Test
    void configNamingADirectorySaysItIsADirectory() {
        String[] f = files("{}", "{\"rules\": []}");
        assertThat(run("validate", "--config", dir.toString(), f[2], f[3])).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir + ": is a directory, not a file\n");
        err.getBuffer().setLength(0);
        assertThat(run("run", f[0], f[1], "--rules", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir + ": is a directory, not a file\n");
        err.getBuffer().setLength(0);
        assertThat(run("outbox", "stats", "--config", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir + ": is a directory, not a file\n");
    }

    @Test
    void pluginsNamingAFileSaysItIsNotADirectory() {
        String[] f = files("{\"memory\": {\"a\": {}}}", "{\"rules\": []}");
        assertThat(run("validate", f[0], f[1], f[2], f[3], "--plugins", f[1])).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + f[1]
                + ": is a file, not a directory; --plugins names a directory of plugin jars\n");
    }

    @Test
    void optionsBeforeTheCommandApplyToIt() {
        String[] f = files("{\"memory\": {\"a\": {}, \"b\": {}}}", "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(run(f[0], f[1], f[2], f[3], "validate")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith(f[1] + " and " + f[3] + " are valid");
        out.getBuffer().setLength(0);
        assertThat(run(f[0], f[1], "validate", f[2], f[3])).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith(f[1] + " and " + f[3] + " are valid");

        assertThat(run("--plugins", dir.resolve("no-plugins").toString(), "validate", f[0], f[1], f[2], f[3]))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir.resolve("no-plugins")
                + ": plugins directory does not exist\n");
        err.getBuffer().setLength(0);
        assertThat(run("validate", f[0], f[1], f[2], f[3], "--plugins", dir.resolve("no-plugins").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir.resolve("no-plugins")
                + ": plugins directory does not exist\n");
    }

    @Test
    void optionBeforeACommandWithoutItIsAUsageError() {
        String[] f = files("{\"memory\": {\"a\": {}}}", "{\"rules\": []}");
        assertThat(run(f[2], f[3], "version")).isEqualTo(2);
        assertThat(err.toString()).contains("Option --rules given before the command does not apply to \"version\"");
        assertThat(out.toString()).doesNotContain("chatbridge");
    }

    @Test
    void optionGivenBeforeAndAfterTheCommandIsAUsageError() {
        String[] f = files("{\"memory\": {\"a\": {}}}", "{\"rules\": []}");
        assertThat(run(f[0], f[1], "validate", f[0], dir.resolve("other.json").toString(), f[2], f[3]))
                .isEqualTo(2);
        assertThat(err.toString()).contains("Option --config given both before and after the command \"validate\"");
    }

    @Test
    void configBeforeANestedToolCommandApplies() {
        assertThat(run("--config", dir.toString(), "dlq", "list")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + dir + ": is a directory, not a file\n");
    }

    @Test
    void runWithInvalidFilesExitsBeforeOpeningAnyPort() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] f = files("{\"memory\": {\"a\": {\"listen_port\": " + port + ", \"fail_mode\": \"x\"}, \"b\": {}}}",
                "{\"rules\": [{\"from\": {\"a\": {}}, \"to\": {\"b\": {}}}]}");
        assertThat(run("run", f[0], f[1], f[2], f[3])).isEqualTo(1);
        assertThat(err.toString()).contains("memory.a.fail_mode: expected \"retryable\" or \"permanent\"");
        assertThat(canConnect(port)).as("port %d opened", port).isFalse();
        assertThat(run(f[0], f[1], f[2], f[3])).as("run is the default command").isEqualTo(1);
    }

    @Test
    void validateAndRunReportARouteTwoInstancesClaimAlikeBeforeOpeningAnyPort() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] f = files("""
                {"webhook": {"a": {"listen_port": %d, "token": "tok-a-0123456789abcdef"},
                             "b": {"listen_port": %d, "token": "tok-b-0123456789abcdef"}}}
                """.formatted(port, port), "{\"rules\": []}");
        String expected = "error: " + dir.resolve("config.json") + ": webhook.b.listen_path: POST /events on port "
                + port + " is already used by webhook.a\n";
        assertThat(run("validate", f[0], f[1], f[2], f[3])).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(expected);
        err.getBuffer().setLength(0);
        assertThat(run("run", f[0], f[1], f[2], f[3])).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(expected);
        assertThat(canConnect(port)).as("port %d opened", port).isFalse();
    }

    private static boolean canConnect(int port) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        try {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (java.net.ConnectException e) {
            return false;
        } finally {
            socket.close();
        }
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("run", "validate", "version", "--config", "--rules", "--plugins");
    }

    @Test
    void versionPrintsTheVersion() {
        assertThat(run("version")).isZero();
        assertThat(out.toString()).startsWith("chatbridge ");
    }

    @Test
    void unknownLogLevelIsAUsageError() {
        String[] f = files("{\"memory\": {\"a\": {}, \"b\": {}}}", "{\"rules\": []}");
        assertThat(run("run", "--log-level", "LOUD", f[0], f[1], f[2], f[3])).isEqualTo(2);
        assertThat(err.toString()).contains("unknown level \"LOUD\"");
    }
}
