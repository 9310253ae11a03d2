package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ConfigProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ports and routes DingTalk instances take, checked against other instances' when the files load. */
class DingTalkPortClaimsTest {

    @TempDir
    Path dir;

    private static final String APP = "\"app_key\": \"k\", \"app_secret\": \"app-secret-1\", \"robot_code\": \"r\"";

    private List<String> errors(String config, String rules) {
        try {
            Path c = Files.writeString(dir.resolve("config.json"), config);
            Path r = Files.writeString(dir.resolve("rules.json"), rules);
            Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null,
                    new Setup.Options().allowRandomPorts()); // sandboxPortZeroNeverCollides
            return setup.errors().stream().map(ConfigProblem::toString)
                    .map(s -> s.replace(dir + "/", "")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void twoInstancesWithTheDefaultCallbackPortAndPathCollide() {
        assertThat(errors("""
                {"dingtalk": {"a": {%s}, "b": {%s}}}
                """.formatted(APP, APP), """
                {"rules": [{"from": {"a": {}}, "to": {"b": {"open_conversation_id": "cid1"}}},
                           {"from": {"b": {}}, "to": {"a": {"open_conversation_id": "cid2"}}}]}
                """)).containsExactly("config.json: dingtalk.b.listen_path: POST /dingtalk/event on port 8082 is"
                + " already used by dingtalk.a");
    }

    @Test
    void callbackPathOfAWebhookOnTheSamePortCollides() {
        assertThat(errors("""
                {"webhook": {"w": {"listen_port": 18290, "token": "tok-w-0123456789abcdef"}},
                 "dingtalk": {"dt": {%s, "listen_port": 18290, "listen_path": "/events"}}}
                """.formatted(APP), "{\"rules\": []}"))
                .containsExactly("config.json: dingtalk.dt.listen_path: POST /events on port 18290 is already used"
                        + " by webhook.w");
    }

    @Test
    void sandboxPortOnAnotherInstancesListenPortCollides() {
        assertThat(errors("""
                {"webhook": {"w": {"listen_port": 18290, "token": "tok-w-0123456789abcdef"}},
                 "dingtalk": {"dt": {"sandbox": true, "sandbox_port": 18290, "listen_port": 18291}}}
                """, "{\"rules\": []}"))
                .containsExactly("config.json: dingtalk.dt.sandbox_port: port 18290 is already used by webhook.w");
        assertThat(errors("""
                {"dingtalk": {"dt": {"sandbox": true, "sandbox_port": 18290, "listen_port": 18291}},
                 "webhook": {"w": {"listen_port": 18290, "token": "tok-w-0123456789abcdef"}}}
                """, "{\"rules\": []}"))
                .containsExactly("config.json: webhook.w.listen_port: port 18290 is already used by dingtalk.dt");
    }

    @Test
    void sandboxPortZeroNeverCollides() {
        assertThat(errors("""
                {"dingtalk": {"a": {"sandbox": true, "sandbox_port": 0, "listen_port": 18291},
                              "b": {"sandbox": true, "sandbox_port": 0, "listen_port": 18292}}}
                """, "{\"rules\": []}")).isEmpty();
    }
}
