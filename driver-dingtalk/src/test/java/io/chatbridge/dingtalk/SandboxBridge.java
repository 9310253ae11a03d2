package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Ports;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntFunction;

/**
 * A real bridge for end-to-end tests, started from config.json and rules.json texts, with the DingTalk instance
 * {@code dt} in sandbox mode; and a webhook receiver collecting what the bridge's webhook egress posts.
 */
final class SandboxBridge implements AutoCloseable {

    final Bridge bridge;
    final DingTalkSandbox sandbox;

    private SandboxBridge(Bridge bridge, DingTalkSandbox sandbox) {
        this.bridge = bridge;
        this.sandbox = sandbox;
    }

    /**
     * Loads the config {@code config} gives for {@code dt}'s {@code listen_port} (which may not be 0 in sandbox
     * mode) and {@code rules} (written into {@code dir}), which must be valid, and starts them; with another port
     * when that one was taken before the bridge bound it.
     */
    static SandboxBridge start(Path dir, IntFunction<String> config, String rules) throws Exception {
        return Ports.retryingBindFailures(() -> {
            Setup setup = Setup.load(Files.writeString(dir.resolve("config.json"), config.apply(Ports.freePort())),
                    Files.writeString(dir.resolve("rules.json"), rules), DriverRegistry.discover(null), k -> null,
                    new Setup.Options().allowRandomPorts());
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
            Bridge bridge = Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1")
                    .retryBase(Duration.ofMillis(10)));
            return new SandboxBridge(bridge, ((DingTalkDriver) setup.drivers().get("dt")).sandbox());
        });
    }

    @Override
    public void close() {
        bridge.close();
    }

    /** A loopback server whose {@code POST /hook} collects JSON bodies and answers 204. */
    static final class Receiver implements AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();

        final LinkedBlockingQueue<JsonNode> bodies = new LinkedBlockingQueue<>();
        private final HttpServer server;

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/hook", exchange -> {
                bodies.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
        }

        /** {@code http://127.0.0.1:PORT/hook}. */
        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
