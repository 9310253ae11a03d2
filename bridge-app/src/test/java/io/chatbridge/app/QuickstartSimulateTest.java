package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.cli.Main;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The quickstart README's {@code simulate --config examples/quickstart/config.json --instance sandbox_robot} against
 * a running quickstart bridge (in-process, its ports moved to free ones): the callback is signed with the sandbox's
 * secret, accepted, and routed from Group A into Group B.
 */
class QuickstartSimulateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path dir;
    private Bridge bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void simulateReadsTheQuickstartConfigAndItsMessageReachesGroupB() throws Exception {
        Path example = BridgeJarIT.ROOT.resolve("examples/quickstart");
        ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
        int sandboxPort = freePort();
        int callbackPort = freePort();
        ((ObjectNode) config.path("dingtalk").path("sandbox_robot")).put("sandbox_port", sandboxPort)
                .put("listen_port", callbackPort);
        ((ObjectNode) config.path("webhook").path("events")).put("listen_port", freePort());
        ((ObjectNode) config.path("global").path("database")).put("path", ":memory:");
        Path configFile = Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        Setup setup = Setup.load(configFile, dir.resolve("rules.json"), DriverRegistry.discover(null), k -> null);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(new SimulateCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("simulate", "--config", configFile.toString(), "--instance", "sandbox_robot",
                "--conversation", "cidGroupA", "--text", "hello from simulate");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("using dingtalk.sandbox_robot from " + configFile + ": http://127.0.0.1:"
                + callbackPort + "/dingtalk/event, signed with the sandbox's signing secret")
                .contains("accepted (HTTP 200)");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String state;
        do {
            Thread.sleep(20);
            state = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sandboxPort
                    + "/sandbox/api/state")).build(), HttpResponse.BodyHandlers.ofString()).body();
        } while (!state.contains("[Group A] Simulated User: hello from simulate") && System.nanoTime() < deadline);
        assertThat(state).contains("[Group A] Simulated User: hello from simulate");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
