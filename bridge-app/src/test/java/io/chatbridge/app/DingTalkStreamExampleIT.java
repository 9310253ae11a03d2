package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.dingtalk.sandbox.StreamGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/dingtalk-stream} run from the packaged bridge.jar against the sandbox's Stream gateway, as its
 * README has a new user run it: no port is forwarded or opened, messages flow both ways, a cut socket loses
 * nothing, and SIGTERM closes the socket cleanly with exit code 0.
 */
class DingTalkStreamExampleIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private DingTalkSandbox sandbox;
    private Process bridge;

    @AfterEach
    void tearDown() throws Exception {
        if (bridge != null && bridge.isAlive()) {
            bridge.destroyForcibly();
        }
        if (sandbox != null) {
            sandbox.stop();
        }
    }

    @Test
    void messagesFlowBothWaysThroughStreamModeASocketCutLosesNothingAndSigtermClosesCleanly() throws Exception {
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null)).useStreamMode()
                .start();
        StreamGateway gateway = sandbox.streamGateway();
        Path example = BridgeJarIT.ROOT.resolve("examples/dingtalk-stream");
        Files.copy(example.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        Map<String, String> env = Map.of("DINGTALK_API_ENDPOINT", sandbox.baseUrl());

        BridgeJarIT.Result validate = BridgeJarIT.run(dir, env, "validate");
        assertThat(validate.exitCode()).as(validate.out()).isZero();
        assertThat(validate.out()).doesNotContain("warning");

        Path log = dir.resolve("bridge.log");
        bridge = BridgeJarIT.start(dir, env, log, "--config", "config.json", "--rules", "rules.json");
        gateway.awaitConnectionsOpened(1, WAIT);

        sandbox.postAsMember("cidGroupA", "Alice", "hello B");
        sandbox.awaitMessage("cidGroupB", m -> m.shows("[Group A] Alice: hello B"), WAIT);
        sandbox.postAsMember("cidGroupB", "Bob", "hello A");
        sandbox.awaitMessage("cidGroupA", m -> m.shows("[Group B] Bob: hello A"), WAIT);

        // the socket is cut mid-run; what is typed meanwhile still arrives once
        gateway.drop();
        sandbox.postAsMember("cidGroupA", "Alice", "while cut");
        sandbox.awaitMessage("cidGroupB", m -> m.shows("[Group A] Alice: while cut"), WAIT);
        gateway.awaitConnectionsOpened(2, WAIT);
        assertThat(sandbox.conversation("cidGroupB")).filteredOn(m -> m.shows("while cut")).hasSize(1);
        assertThat(sandbox.conversation("cidGroupA")).filteredOn(m -> SandboxMessage.VIA_MEMBER.equals(m.via()))
                .allMatch(m -> m.delivery().state() == SandboxMessage.Delivery.State.DELIVERED);

        bridge.destroy(); // SIGTERM
        assertThat(bridge.waitFor(30, TimeUnit.SECONDS)).as("bridge exited after SIGTERM").isTrue();
        String output = Files.readString(log);
        assertThat(bridge.exitValue()).as(output).isZero();
        assertThat(output).contains("instance dt_stream (dingtalk) connected: Stream mode, ws://",
                "instance dt_stream (dingtalk) reconnecting: ", "; next attempt in",
                "[dt_stream] Stream mode: connection closed", "bridge stopped")
                .doesNotContain("sandbox-app-secret").doesNotContain("\tat ");
        assertThat(output).doesNotContain("listening on").as("no port opened");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.connections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(gateway.connections()).as("the socket was closed").isZero();
        assertThat(gateway.closeStatuses()).last().isEqualTo(1000);
    }
}
