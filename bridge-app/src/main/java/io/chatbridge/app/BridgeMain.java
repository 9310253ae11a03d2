package io.chatbridge.app;

import io.chatbridge.core.cli.Main;
import io.chatbridge.dingtalk.sandbox.SandboxCommand;

/** Entry point of bridge.jar: the core commands plus the DingTalk tools. */
public final class BridgeMain {

    private BridgeMain() {
    }

    public static void main(String[] args) {
        Main.configureLoggingInBackground();
        Main.run(Main.commandLine(new SimulateCommand(), new SandboxCommand()), args);
    }
}
