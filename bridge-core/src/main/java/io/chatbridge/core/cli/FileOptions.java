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

    @Option(names = {"-r", "--rules"}, paramLabel = "FILE", defaultValue = "rules.json",
            description = "routing rules (JSON or YAML; default: ${DEFAULT-VALUE})")
    Path rules;

    @Option(names = {"-p", "--plugins"}, paramLabel = "DIR",
            description = "directory of driver plugin jars to load")
    Path plugins;

    private DriverRegistry registry;

    /** The loaded setup, or an exit code when files are missing or invalid (problems already printed). */
    Result load(PrintWriter err) {
        for (Path file : new Path[] {config, rules}) {
            String problem = notAFile(file);
            if (problem != null) {
                err.println("error: " + file + ": " + problem);
                return new Result(null, EXIT_MISSING);
            }
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
