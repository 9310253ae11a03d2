package io.chatbridge.core.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.BridgeStartException;
import io.chatbridge.core.logging.LogFormat;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code run}: starts the bridge and runs until SIGTERM or Ctrl-C. */
@Command(name = "run", description = "Start the bridge (the default command).", mixinStandardHelpOptions = true)
public class RunCommand implements Callable<Integer> {

    /** Set when this process itself decided to exit, so the shutdown hook does not override the exit code. */
    static final AtomicBoolean EXIT_REQUESTED = new AtomicBoolean();

    @Mixin
    FileOptions files;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "TRACE, DEBUG, INFO, WARN or ERROR (default: INFO)")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "text (readable lines, the default) or json (one JSON object per line);"
                    + " default from BRIDGE_LOG_FORMAT")
    String logFormat;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (logLevel != null) {
            Level level = Level.toLevel(logLevel, null);
            if (level == null) {
                err.println("error: --log-level: unknown level \"" + logLevel
                        + "\"; use TRACE, DEBUG, INFO, WARN or ERROR");
                return 2;
            }
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(level);
        }
        String formatName = logFormat != null ? logFormat : System.getenv("BRIDGE_LOG_FORMAT");
        if (formatName != null && !formatName.isBlank()) {
            LogFormat format = LogFormat.parse(formatName);
            if (format == null) {
                err.println("error: " + (logFormat != null ? "--log-format" : "BRIDGE_LOG_FORMAT")
                        + ": unknown format \"" + formatName + "\"; use text or json");
                return 2;
            }
            format.apply();
        }
        FileOptions.Result loaded = files.load(err);
        if (loaded.exitCode() != 0) {
            return loaded.exitCode();
        }
        Bridge bridge;
        try {
            bridge = Bridge.start(loaded.setup(), new Bridge.Options().reloadFrom(files.reloader()));
        } catch (BridgeStartException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean signalled = !EXIT_REQUESTED.get();
            bridge.close();
            if (signalled) {
                // SIGTERM / Ctrl-C after a clean shutdown is a normal end: exit 0 rather than the JVM's 143/130
                Runtime.getRuntime().halt(0);
            }
        }, "bridge-shutdown"));
        ReloadTriggers.onSighup(bridge);
        if (loaded.setup().global().watchFiles()) {
            ReloadTriggers.watch(bridge, files.files());
        }
        bridge.awaitStopped();
        return 0;
    }
}
