package io.chatbridge.core.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code java -jar bridge.jar [run] --config FILE --rules FILE [--plugins DIR] [--log-level LEVEL]}, plus
 * {@code validate}, {@code version}, {@code dlq}, {@code outbox} and the commands other modules add with {@link #commandLine(Object...)}.
 */
@Command(name = "bridge.jar", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A durable chat bridge for DingTalk. Without a command, runs the bridge.",
        subcommands = {RunCommand.class, ValidateCommand.class, VersionCommand.class, DlqCommand.class,
            OutboxCommand.class,
            CommandLine.HelpCommand.class})
public class Main implements Callable<Integer> {

    @Mixin
    FileOptions files;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "TRACE, DEBUG, INFO, WARN or ERROR (default: INFO)")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "text (default) or json: one JSON object per line")
    String logFormat;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunCommand run = new RunCommand();
        run.files = files;
        run.logLevel = logLevel;
        run.logFormat = logFormat;
        run.spec = spec;
        return run.call();
    }

    /** The command line with core commands and {@code extra} subcommands (picocli {@code @Command} objects). */
    public static CommandLine commandLine(Object... extra) {
        CommandLine cli = new CommandLine(new Main());
        for (Object command : extra) {
            cli.addSubcommand(command);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(Main::execute);
        return cli;
    }

    /**
     * Runs the parsed command line. Options written before a command ({@code bridge.jar --plugins DIR validate})
     * are parsed as this top command's own; rather than dropping them silently, they are handed to the command that
     * runs when it has an option of that name, and are a usage error otherwise.
     */
    private static int execute(ParseResult top) {
        awaitLogging();
        ParseResult leaf = top;
        boolean helpRequested = top.isUsageHelpRequested() || top.isVersionHelpRequested();
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
            helpRequested |= leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested();
        }
        if (leaf != top && !helpRequested) {
            CommandLine command = leaf.commandSpec().commandLine();
            String name = leaf.commandSpec().qualifiedName(" ").substring(top.commandSpec().name().length() + 1);
            for (OptionSpec given : top.matchedOptions()) {
                OptionSpec target = leaf.commandSpec().findOption(given.longestName());
                if (target == null || target.type() != given.type()) {
                    throw new ParameterException(command, "Option " + given.longestName() + " given before the"
                            + " command does not apply to \"" + name + "\" (see " + name + " --help)");
                }
                if (leaf.hasMatchedOption(target)) {
                    throw new ParameterException(command, "Option " + given.longestName()
                            + " given both before and after the command \"" + name + "\"; give it once");
                }
                target.setValue(given.getValue());
            }
        }
        return new CommandLine.RunLast().execute(top);
    }

    /** Runs the command line and exits with its code. */
    public static void run(CommandLine cli, String[] args) {
        int code = cli.execute(args);
        RunCommand.EXIT_REQUESTED.set(true);
        System.exit(code);
    }

    public static void main(String[] args) {
        configureLoggingInBackground();
        run(commandLine(), args);
    }

    /** The thread configuring logging, while the command line is built and parsed; {@code null} when none. */
    private static volatile Thread loggingSetUp;

    /**
     * Configures logging (Logback's first logger loads and configures it: a tenth of a second of class loading at
     * start-up) on a thread of its own, so that it runs while the command line is built and parsed. A process's
     * {@code main} calls it first; every command then waits for it before it runs ({@link #execute}), so no
     * command logs, or looks up a logger, before Logback is configured. Nothing before a command runs logs.
     */
    public static void configureLoggingInBackground() {
        Thread t = new Thread(org.slf4j.LoggerFactory::getILoggerFactory, "logging-setup");
        t.setDaemon(true);
        loggingSetUp = t;
        t.start();
    }

    private static void awaitLogging() {
        Thread t = loggingSetUp;
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The version from the jar manifest, or {@code dev} when run from classes. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Version provider for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chatbridge " + version()};
        }
    }
}
