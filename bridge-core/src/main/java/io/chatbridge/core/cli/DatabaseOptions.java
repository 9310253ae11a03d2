package io.chatbridge.core.cli;

import io.chatbridge.core.config.GlobalSettings;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStores;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.core.logging.Secrets;
import io.chatbridge.core.plugins.DriverRegistry;
import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --config} for the tools that work on the outbox ({@code dlq}, {@code outbox}): they run with the bridge's
 * own config.json without its rules. Most read only the {@code global} block; those printing stored messages load
 * it all, to mask its secrets ({@link #openMaskingAllSecrets}).
 */
public class DatabaseOptions {

    /** Exit code: done. */
    static final int EXIT_OK = 0;
    /** Exit code: no such dead letter, or the database could not be used. */
    static final int EXIT_FAILED = 1;
    /** Exit code: bad usage, or config.json is missing or its {@code global} block invalid. */
    static final int EXIT_USAGE = 2;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "config.json",
            description = "the bridge's config.json; its global.database names the outbox (default: ${DEFAULT-VALUE})")
    Path config;

    /** The opened store, or the exit code after printing why not. Reads only the {@code global} block. */
    Opened open(PrintWriter err) {
        return open(err, false, null);
    }

    /**
     * Like {@link #open(PrintWriter)}, for tools that print stored messages and errors: all of config.json is loaded
     * through its drivers first, so that every secret of every instance, also those only a driver knows (webhook
     * URLs), is masked in what they print. A config.json that does not load is an error rather than a risk.
     *
     * @param plugins the plugins directory the config's platforms need, or {@code null}
     */
    Opened openMaskingAllSecrets(PrintWriter err, Path plugins) {
        return open(err, true, plugins);
    }

    private Opened open(PrintWriter err, boolean allSecrets, Path plugins) {
        // the tools print their own results; the store's INFO lines (schema version, counts) would only clutter them
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.WARN);
        String notAFile = FileOptions.notAFile(config);
        if (notAFile != null) {
            err.println("error: " + config.toAbsolutePath() + ": " + notAFile + (Files.exists(config) ? ""
                    : " (name the bridge's config with --config FILE)"));
            return new Opened(null, EXIT_USAGE);
        }
        if (plugins != null && !Files.isDirectory(plugins)) {
            err.println("error: " + plugins + ": plugins directory does not exist");
            return new Opened(null, EXIT_USAGE);
        }
        Setup setup = allSecrets
                ? Setup.loadWithoutRules(config, DriverRegistry.discover(plugins), System::getenv)
                : Setup.loadGlobal(config, System::getenv);
        Secrets.register(setup.sensitiveValues());
        if (!setup.valid()) {
            err.print(Setup.render(setup.errors()));
            if (allSecrets) {
                err.println("error: " + config + " must load in full (as for run, with --plugins DIR when it uses"
                        + " plugin platforms) so that its secrets can be masked in what this command prints");
            }
            return new Opened(null, EXIT_USAGE);
        }
        GlobalSettings global = setup.global();
        if (global.inMemory()) {
            err.println("error: " + config + ": global.database.path is \":memory:\", so the bridge keeps no outbox "
                    + "between runs; there is nothing to inspect");
            return new Opened(null, EXIT_USAGE);
        }
        if (global.databaseUrl() == null && !Files.exists(global.databasePath())) {
            err.println("error: global.database.path: no database at " + global.databasePath()
                    + " (the bridge creates it on its first start; is --config the bridge's config.json?)");
            return new Opened(null, EXIT_FAILED);
        }
        try {
            return new Opened(DeliveryStores.openForTools(global), EXIT_OK);
        } catch (StoreException e) {
            err.println("error: " + Secrets.redact(e.getMessage()));
            return new Opened(null, EXIT_FAILED);
        }
    }

    record Opened(DeliveryStore store, int exitCode) {
    }
}
