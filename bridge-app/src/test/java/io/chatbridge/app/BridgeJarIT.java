package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged bridge.jar, run as a user runs it. */
class BridgeJarIT {

    static final Path JAR = Path.of(System.getProperty("bridge.jar", "target/bridge.jar"));
    static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Result(int exitCode, String out) {
    }

    static Process start(Path workDir, Map<String, String> env, String... args) throws IOException {
        return start(workDir, env, null, args);
    }

    /** Starts bridge.jar; output goes to {@code log} when given (streams of a destroyed process are closed). */
    static Process start(Path workDir, Map<String, String> env, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (log != null) {
            pb.redirectOutput(log.toFile());
        }
        return pb.start();
    }

    static Result run(Path workDir, Map<String, String> env, String... args) throws Exception {
        Process p = start(workDir, env, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    /** Writes a test's config before bridge.jar starts, with ports from {@link Ports#freePort()}. */
    @FunctionalInterface
    interface Prepare {
        /** @return the ports whose {@code /healthz} must answer 200 once the bridge is up */
        int[] write() throws Exception;
    }

    /**
     * Runs {@code prepare}, starts bridge.jar (output to {@code log}) and waits until it is healthy; when it exited
     * because a port was taken meanwhile (another process on a busy machine), all of it again with new ports.
     */
    static Process startHealthy(Path workDir, Map<String, String> env, Path log, Prepare prepare, String... args)
            throws Exception {
        return startHealthy(log, prepare, () -> start(workDir, env, log, args));
    }

    /** {@link #startHealthy(Path, Map, Path, Prepare, String...)} with a test's own {@code launch}. */
    static Process startHealthy(Path log, Prepare prepare, Ports.Start<Process> launch) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        return Ports.retryingBindFailures(() -> {
            int[] ports = prepare.write();
            Process bridge = launch.start();
            try {
                Ports.awaitUp(bridge, log, () -> {
                    for (int port : ports) {
                        if (!healthy(client, port)) {
                            return false;
                        }
                    }
                    return true;
                }, Duration.ofSeconds(30));
                return bridge;
            } catch (Exception | AssertionError e) {
                bridge.destroyForcibly();
                bridge.waitFor(10, TimeUnit.SECONDS);
                throw e;
            }
        });
    }

    /** SIGTERM, and the bridge must be gone within 30 s. */
    static void stop(Process bridge) throws InterruptedException {
        if (bridge != null) {
            bridge.destroy();
            assertThat(bridge.waitFor(30, TimeUnit.SECONDS)).as("bridge exited after SIGTERM").isTrue();
        }
    }

    /** The {@code sign} header DingTalk puts on a callback: Base64(HmacSHA256(secret, timestamp + "\n" + secret)). */
    static String callbackSign(String timestamp, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(
                mac.doFinal((timestamp + "\n" + secret).getBytes(StandardCharsets.UTF_8)));
    }

    /** Dummy values for the environment variables the examples reference. */
    static final Map<String, String> EXAMPLE_ENV = Map.ofEntries(
            Map.entry("DINGTALK_APP_KEY", "dingexamplekey"),
            Map.entry("DINGTALK_APP_SECRET", "example-app-secret"),
            Map.entry("DINGTALK_ROBOT_CODE", "dingexamplerobot"),
            Map.entry("DINGTALK_SIGNING_SECRET", "example-signing-secret"),
            Map.entry("DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send?access_token=example"),
            Map.entry("DINGTALK_WEBHOOK_URL_2", "https://oapi.dingtalk.com/robot/send?access_token=example2"),
            Map.entry("DINGTALK_WEBHOOK_SECRET", "SECexample"),
            Map.entry("DINGTALK_WEBHOOK_SECRET_2", "SECexample2"),
            Map.entry("DT_MAIN_CONVERSATION", "cidExampleA"),
            Map.entry("DT_OTHER_CONVERSATION", "cidExampleB"),
            Map.entry("INGRESS_TOKEN", "example-ingress-token"),
            Map.entry("ALERTS_TOKEN", "example-alerts-token"));

    @Test
    void helpListsTheCommands() throws Exception {
        Result r = run(dir, Map.of(), "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("run", "validate", "version");
    }

    @Test
    void everyExampleValidates() throws Exception {
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Files.copy(ROOT.resolve("examples/custom-driver/target/file-driver.jar"), plugins.resolve("file-driver.jar"));
        List<Path> examples;
        try (Stream<Path> s = Files.list(ROOT.resolve("examples"))) {
            examples = s.filter(p -> Files.isRegularFile(p.resolve("config.json"))).sorted().toList();
        }
        assertThat(examples).isNotEmpty();
        for (Path example : examples) {
            // config.json, and variants such as config.stream.json next to it (same rules)
            List<String> configs;
            try (Stream<Path> s = Files.list(example)) {
                configs = s.map(p -> p.getFileName().toString())
                        .filter(n -> n.equals("config.json") || n.matches("config\\.[a-z0-9-]+\\.json")).sorted()
                        .toList();
            }
            for (String config : configs) {
                Result r = run(example, EXAMPLE_ENV, "validate", "--plugins", plugins.toString(),
                        "--config", config, "--rules", "rules.json");
                assertThat(r.exitCode()).as(example.getFileName() + "/" + config + ":\n" + r.out()).isZero();
            }
            assertThat(Files.exists(example.resolve("README.md"))).as(example + "/README.md").isTrue();
        }
    }

    @Test
    void validateWithOnlyConfigReadsTheRulesNextToIt() throws Exception {
        // the README's quickstart command without --rules, from another directory
        Result r = run(dir, EXAMPLE_ENV, "validate", "--config",
                ROOT.resolve("examples/quickstart/config.json").toString());
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).contains(ROOT.resolve("examples/quickstart/rules.json") + " are valid");

        Files.writeString(dir.resolve("config.json"), "{\"webhook\": {\"in\": {\"listen_port\": 18490,"
                + " \"token\": \"tok-0123456789abcdef\"}}}");
        Result missing = run(dir, Map.of(), "validate", "--config", "config.json");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.out()).contains("error: " + dir.resolve("rules.json").toAbsolutePath()
                + ": file does not exist (without --rules the rules are read from rules.json next to --config;"
                + " name them with --rules FILE)");
    }

    @Test
    void validateAnswersMalformedFilesWithoutStackTraces() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"dingtalk\": {\"dt_main\": {\"app_key\": 1,}}}");
        Files.writeString(dir.resolve("rules.json"), "{\"rules\": []}");
        Result r = run(dir, Map.of(), "validate");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("error: config.json:1:39: trailing comma before '}': remove it (JSON allows none)")
                .doesNotContain("\tat ").doesNotContain("Source").doesNotContain("Feature");

        Result missing = run(dir, Map.of(), "validate", "--rules", "nope.json");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.out()).contains("nope.json: file does not exist");
    }

    @Test
    void sandboxOnATakenPortSaysSoInOneLineAndExitsOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Result r = run(dir, Map.of(), "sandbox", "--port", Integer.toString(taken.getLocalPort()));

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.out()).contains("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": address already in use").doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void pluginFromThePluginsDirectoryCarriesMessagesAndSigtermExitsZero() throws Exception {
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Files.copy(ROOT.resolve("examples/custom-driver/target/file-driver.jar"), plugins.resolve("file-driver.jar"));
        Files.writeString(dir.resolve("rules.json"),
                "{\"rules\": [{\"from\": {\"in\": {\"topic\": \"t\"}}, \"to\": {\"out\": {}}}]}");
        Path logFile = dir.resolve("bridge.log");
        int[] port = new int[1];
        Process bridge = startHealthy(dir, Map.of(), logFile, () -> {
            port[0] = Ports.freePort();
            Files.writeString(dir.resolve("config.json"), """
                    {"global": {"database": {"path": "data/bridge.db"}, "http": {"host": "127.0.0.1"}},
                     "file": {"in": {"path": "in.jsonl", "listen_port": %d}, "out": {"path": "out.jsonl"}}}
                    """.formatted(port[0]));
            return port;
        }, "--plugins", "plugins");
        try {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> posted = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port[0] + "/file/in?topic=t")).header("x-user", "Ann")
                    .POST(HttpRequest.BodyPublishers.ofString("hello plugin")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).isEqualTo(202);
            Path out = dir.resolve("out.jsonl");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((!Files.exists(out) || Files.readString(out).isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.readString(out)).contains("Ann: hello plugin");
        } finally {
            bridge.destroy(); // SIGTERM
        }
        assertThat(bridge.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(logFile);
        assertThat(bridge.exitValue()).as(log).isZero();
        assertThat(log).contains("bridge stopped");
    }

    private static boolean healthy(HttpClient client, int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }
}
