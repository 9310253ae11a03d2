package io.chatbridge.core.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunCommand run = new RunCommand();
        run.files = files;
        run.logLevel = logLevel;
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
        return cli;
    }

    /** Runs the command line and exits with its code. */
    public static void run(CommandLine cli, String[] args) {
        int code = cli.execute(args);
        RunCommand.EXIT_REQUESTED.set(true);
        System.exit(code);
    }

    public static void main(String[] args) {
        run(commandLine(), args);
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
