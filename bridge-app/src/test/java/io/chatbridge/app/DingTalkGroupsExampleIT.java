package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/dingtalk-groups} as docs/ngrok.md has a new user run it: the robot's credentials are set but the
 * two conversation ids are not known yet. The bridge must start anyway and log the id of a callback's group, which
 * is how the user finds the ids to put into {@code DT_MAIN_CONVERSATION} / {@code DT_OTHER_CONVERSATION}.
 */
class DingTalkGroupsExampleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP_SECRET = "example-app-secret";
    private static final Map<String, String> CREDENTIALS_ONLY = Map.of(
            "DINGTALK_APP_KEY", "dingexamplekey",
            "DINGTALK_APP_SECRET", APP_SECRET,
            "DINGTALK_ROBOT_CODE", "dingexamplerobot");

    @TempDir
    Path dir;

    @Test
    void startsWithoutConversationIdsAndLogsTheConversationIdOfACallback() throws Exception {
        Path example = BridgeJarIT.ROOT.resolve("examples/dingtalk-groups");
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        int[] ports = new int[1];
        BridgeJarIT.Prepare prepare = () -> {
            ports[0] = Ports.freePort();
            ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
            ObjectNode robot = (ObjectNode) config.path("dingtalk").path("dt_main");
            assertThat(robot.path("listen_path").asText()).isEqualTo("/dingtalk/event");
            robot.put("listen_port", ports[0]); // only the port moves, so the test never collides with a running bridge
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));

            Process validate = start(dir.resolve("validate.log"), "validate", "--config", "config.json",
                    "--rules", "rules.json");
            assertThat(validate.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(validate.exitValue()).as(Files.readString(dir.resolve("validate.log"))).isZero();
            return ports;
        };

        Path log = dir.resolve("bridge.log");
        Process bridge = BridgeJarIT.startHealthy(log, prepare,
                () -> start(log, "--log-level", "DEBUG", "--config", "config.json", "--rules", "rules.json"));
        int port = ports[0];
        try {
            BridgeJarIT.Result simulated = BridgeJarIT.run(dir, Map.of(), "simulate",
                    "--url", "http://127.0.0.1:" + port + "/dingtalk/event", "--secret", APP_SECRET,
                    "--conversation", "cidTheRealGroup42==", "--text", "hi");
            assertThat(simulated.exitCode()).as(simulated.out()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(log).contains("routed to") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.readString(log))
                    .contains("from dt_main {open_conversation_id=cidTheRealGroup42==} routed to 0 target(s)");
        } finally {
            BridgeJarIT.stop(bridge);
        }
        assertThat(Files.readString(log)).doesNotContain(APP_SECRET);
    }

    /** bridge.jar with the robot's credentials and without the conversation ids, even if the caller has them set. */
    private Process start(Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                BridgeJarIT.JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("DT_MAIN_CONVERSATION");
        pb.environment().remove("DT_OTHER_CONVERSATION");
        pb.environment().putAll(CREDENTIALS_ONLY);
        return pb.start();
    }
}
