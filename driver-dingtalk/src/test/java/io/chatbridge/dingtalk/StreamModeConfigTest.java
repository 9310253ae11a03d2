package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ChannelUse.Role;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code receive_mode}: "http" (default) or "stream", and what stream mode requires and ignores. */
class StreamModeConfigTest {

    @TempDir
    Path dir;

    private final List<ConfigProblem> problems = new ArrayList<>();

    private DingTalkConfig read(Map<String, Object> settings) {
        List<ChannelUse> uses = List.of(TestDriverContext.use("r1", Role.SOURCE, "dt",
                Map.of("open_conversation_id", "cidA"), problems));
        DriverConfig config = TestDriverContext.config("dingtalk", "dt", settings, problems, uses);
        return DingTalkConfig.read(config);
    }

    private List<String> errors() {
        return problems.stream().filter(p -> !p.warning()).map(ConfigProblem::toString).toList();
    }

    private List<String> warnings() {
        return problems.stream().filter(ConfigProblem::warning).map(ConfigProblem::toString).toList();
    }

    private static Map<String, Object> app() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", "dingkey");
        settings.put("app_secret", "app-secret-0123456789");
        return settings;
    }

    @Test
    void httpIsTheDefaultAndServesCallbacks() {
        Map<String, Object> settings = app();
        settings.put("robot_code", "dingrobot");
        DingTalkConfig config = read(settings);
        assertThat(config.receiveMode()).isEqualTo(ReceiveMode.HTTP);
        assertThat(config.callbacks()).isTrue();
        assertThat(config.stream()).isFalse();
        assertThat(errors()).isEmpty();
    }

    @Test
    void streamModeNeedsNoRobotCodeToReceiveAndOpensNoPort() {
        Map<String, Object> settings = app();
        settings.put("receive_mode", "stream");
        DingTalkConfig config = read(settings);
        assertThat(errors()).isEmpty();
        assertThat(config.stream()).isTrue();
        assertThat(config.callbacks()).isFalse();
        assertThat(new DingTalkDriver(config, null, null).portClaims()).isEmpty();
    }

    @Test
    void streamModeRequiresAppKeyAndSecret() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("receive_mode", "stream");
        read(settings);
        assertThat(errors()).containsExactly(
                "config.json: dingtalk.dt.app_key: required with receive_mode \"stream\" (the open call of the "
                        + "Stream connection)",
                "config.json: dingtalk.dt.app_secret: required with receive_mode \"stream\" (the open call of the "
                        + "Stream connection)");
    }

    @Test
    void httpModeKeysAreWarnedAsNotUsedInStreamMode() {
        Map<String, Object> settings = app();
        settings.put("receive_mode", "stream");
        settings.put("listen_port", 8082);
        settings.put("listen_path", "/dingtalk/event");
        settings.put("signing_secret", "sign-secret");
        DingTalkConfig config = read(settings);
        assertThat(errors()).isEmpty();
        assertThat(config.callbacks()).isFalse();
        assertThat(warnings()).containsExactly(
                "config.json: dingtalk.dt.listen_port: not used with receive_mode \"stream\": robot messages arrive"
                        + " over the outgoing Stream connection, no port is opened; remove the key",
                "config.json: dingtalk.dt.listen_path: not used with receive_mode \"stream\": robot messages arrive"
                        + " over the outgoing Stream connection, no port is opened; remove the key",
                "config.json: dingtalk.dt.signing_secret: not used with receive_mode \"stream\": robot messages"
                        + " arrive over the outgoing Stream connection, no port is opened; remove the key");
    }

    @Test
    void anUnknownModeIsAnErrorWithASuggestion() {
        Map<String, Object> settings = app();
        settings.put("robot_code", "dingrobot");
        settings.put("receive_mode", "steam");
        read(settings);
        assertThat(errors()).containsExactly("config.json: dingtalk.dt.receive_mode: unknown receive mode \"steam\":"
                + " did you mean \"stream\"? (expected \"http\" or \"stream\")");

        problems.clear();
        settings.put("receive_mode", "Websocket");
        read(settings);
        assertThat(errors()).containsExactly("config.json: dingtalk.dt.receive_mode: unknown receive mode"
                + " \"Websocket\" (expected \"http\" or \"stream\")");

        problems.clear();
        settings.put("receive_mode", true);
        read(settings);
        assertThat(errors()).containsExactly("config.json: dingtalk.dt.receive_mode: expected \"http\" or"
                + " \"stream\", got a boolean");
    }

    @Test
    void theInProcessSandboxInStreamModeClaimsOnlyItsOwnPortAndNeedsNoCredentials() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sandbox", true);
        settings.put("sandbox_port", 18071);
        settings.put("receive_mode", "stream");
        DingTalkConfig config = read(settings);
        assertThat(errors()).isEmpty();
        assertThat(config.stream()).isTrue();
        assertThat(config.callbacks()).isFalse();
        assertThat(new DingTalkDriver(config, null, null).portClaims()).extracting(c -> c.port())
                .containsExactly(18071);
    }

    @Test
    void twoStreamInstancesClaimNoPortSoTheyNeverCollide() throws Exception {
        Path c = Files.writeString(dir.resolve("config.json"), """
                {"dingtalk": {
                  "a": {"receive_mode": "stream", "app_key": "k1", "app_secret": "app-secret-1", "robot_code": "r"},
                  "b": {"receive_mode": "stream", "app_key": "k2", "app_secret": "app-secret-2", "robot_code": "r"}}}
                """);
        Path r = Files.writeString(dir.resolve("rules.json"), """
                {"rules": [{"from": {"a": {}}, "to": {"b": {"open_conversation_id": "cid1"}}},
                           {"from": {"b": {}}, "to": {"a": {"open_conversation_id": "cid2"}}}]}
                """);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null);
        assertThat(setup.errors()).isEmpty();
    }
}
