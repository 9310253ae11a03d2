package io.chatbridge.dingtalk;

import static io.chatbridge.dingtalk.DingTalkConfig.DEFAULT_LISTEN_PORT;

import io.chatbridge.dingtalk.DingTalkConfig.Sandbox;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.spi.ConfigNode;
import java.util.List;
import java.util.Set;

/** Reads {@code "sandbox": true} and {@code sandbox_port}, and checks the keys that mean something else with it. */
final class SandboxModeSettings {

    private SandboxModeSettings() {
    }

    /** The sandbox to start, or {@code null} when {@code sandbox} is not true (or not a boolean). */
    static Sandbox read(ConfigNode s, Set<String> conversations) {
        Object flag = s.has("sandbox") ? s.get("sandbox").value() : null;
        if (flag != null && !(flag instanceof Boolean)) {
            s.get("sandbox").problem("expected true or false, got " + ConfigNode.describe(flag));
            return null;
        }
        if (!Boolean.TRUE.equals(flag)) {
            if (s.has("sandbox_port")) {
                s.get("sandbox_port").warning("ignored: \"sandbox\" is not true");
            }
            return null;
        }
        int port = s.integer("sandbox_port", SandboxSettings.DEFAULT_PORT, 0, 65535);
        Object listen = s.has("listen_port") ? s.get("listen_port").value() : DEFAULT_LISTEN_PORT;
        if (port != 0 && listen instanceof Number n && n.intValue() == port) {
            s.get("sandbox_port").problem("must differ from listen_port (" + port + "): the sandbox and the"
                    + " instance's callbacks each need a port");
        }
        for (String key : List.of("app_key", "app_secret", "robot_code", "signing_secret")) {
            if (s.has(key) && s.get(key).value() instanceof String text && text.isBlank()) {
                s.get(key).problem("must not be blank; remove the key to use the sandbox's default");
            }
        }
        if (s.has("api_endpoint")) {
            s.get("api_endpoint").warning("ignored: with \"sandbox\": true every call goes to the local sandbox");
        }
        if (s.has("listen_port") && s.get("listen_port").value() instanceof Number n && n.intValue() == 0) {
            s.get("listen_port").problem("must be a fixed port with \"sandbox\": true (the sandbox posts members'"
                    + " messages to it)");
        }
        return new Sandbox(port, List.copyOf(conversations));
    }
}
