package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.cli.Main;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Ports;
import java.io.PrintWriter;
import java.io.StringWriter;
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
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        Path configFile = dir.resolve("config.json");
        int[] ports = new int[2]; // the example's ports moved to free ones (chosen again when taken meanwhile)
        bridge = Ports.retryingBindFailures(() -> {
            ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
            ports[0] = Ports.freePort();
            ports[1] = Ports.freePort();
            ((ObjectNode) config.path("dingtalk").path("sandbox_robot")).put("sandbox_port", ports[0])
                    .put("listen_port", ports[1]);
            ((ObjectNode) config.path("webhook").path("events")).put("listen_port", Ports.freePort());
            ((ObjectNode) config.path("global").path("database")).put("path", ":memory:");
            Files.writeString(configFile, JSON.writeValueAsString(config));
            Setup setup = Setup.load(configFile, dir.resolve("rules.json"), DriverRegistry.discover(null), k -> null);
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            return Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1"));
        });
        int sandboxPort = ports[0];
        int callbackPort = ports[1];

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
}
