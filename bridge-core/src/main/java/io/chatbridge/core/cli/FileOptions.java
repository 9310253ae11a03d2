package io.chatbridge.core.cli;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options naming the user's files, shared by {@code run} and {@code validate}. */
public class FileOptions {

    /** Exit code: the files are invalid. */
    public static final int EXIT_INVALID = 1;
    /** Exit code: a named file or directory does not exist (or is a directory where a file is expected). */
    public static final int EXIT_MISSING = 2;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "config.json",
            description = "instances per platform (JSON or YAML; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = {"-r", "--rules"}, paramLabel = "FILE",
            description = "routing rules (JSON or YAML; default: rules.json next to --config)")
    Path rules;

    @Option(names = {"-p", "--plugins"}, paramLabel = "DIR",
            description = "directory of driver plugin jars to load")
    Path plugins;

    private DriverRegistry registry;

    /** The loaded setup, or an exit code when files are missing or invalid (problems already printed). */
    Result load(PrintWriter err) {
        boolean rulesDefaulted = rules == null;
        if (rulesDefaulted) {
            rules = defaultRules(config);
        }
        String configProblem = notAFile(config);
        if (configProblem != null) {
            err.println("error: " + config.toAbsolutePath() + ": " + configProblem + (Files.exists(config) ? ""
                    : " (name the bridge's config with --config FILE)"));
            return new Result(null, EXIT_MISSING);
        }
        String rulesProblem = notAFile(rules);
        if (rulesProblem != null) {
            err.println("error: " + rules.toAbsolutePath() + ": " + rulesProblem + (Files.exists(rules) ? ""
                    : rulesDefaulted
                    ? " (without --rules the rules are read from rules.json next to --config; name them with"
                            + " --rules FILE)"
                    : " (--rules)"));
            return new Result(null, EXIT_MISSING);
        }
        if (plugins != null && !Files.isDirectory(plugins)) {
            err.println("error: " + plugins + ": " + (Files.exists(plugins)
                    ? "is a file, not a directory; --plugins names a directory of plugin jars"
                    : "plugins directory does not exist"));
            return new Result(null, EXIT_MISSING);
        }
        DriverRegistry registry = DriverRegistry.discover(plugins);
        this.registry = registry;
        Setup setup = Setup.load(config, rules, registry, System::getenv);
        if (!setup.problems().isEmpty()) {
            err.print(Setup.render(setup.problems()));
            err.flush();
        }
        return new Result(setup, setup.valid() ? 0 : EXIT_INVALID);
    }

    /** Reads the same files again, with the plugins found by {@link #load}: what a reload runs. */
    java.util.function.Supplier<Setup> reloader() {
        DriverRegistry found = registry;
        return () -> Setup.load(config, rules, found, System::getenv);
    }

    /** The files to watch for {@code global.watch_files}. */
    java.util.List<Path> files() {
        return java.util.List.of(config, rules);
    }

    /** {@code rules.json} in the directory of {@code config}. */
    static Path defaultRules(Path config) {
        Path dir = config.getParent();
        return dir == null ? Path.of("rules.json") : dir.resolve("rules.json");
    }

    /** Why {@code file} cannot be read as the user's file, or {@code null} when it can. */
    static String notAFile(Path file) {
        if (Files.isRegularFile(file)) {
            return null;
        }
        return Files.isDirectory(file) ? "is a directory, not a file" : "file does not exist";
    }

    record Result(Setup setup, int exitCode) {
    }
}
