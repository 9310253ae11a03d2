package io.chatbridge.core.cli;

import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.DeliveryStore.DeadLetter;
import io.chatbridge.core.delivery.StoreException;
import io.chatbridge.core.logging.Secrets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dlq list | retry ID | retry --all | drop ID}: dead letters in the database that config.json names. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Inspect and resend dead letters (deliveries that failed for good).",
            "Works on the database global.database in --config names, also while the bridge runs.",
            "list loads all of --config (with --plugins when needed) to mask its secrets in what it prints.",
            "Exit codes: 0 done, 1 no such dead letter or the database cannot be used, 2 usage or config error."},
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Retry.class, DlqCommand.Drop.class})
public class DlqCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("error: dlq needs a command: list, retry or drop (see dlq --help)");
        return DatabaseOptions.EXIT_USAGE;
    }

    /** Runs {@code action} on the opened store; store failures become exit code 1 with a one-line message. */
    static int withStore(DatabaseOptions db, CommandSpec spec, Function<DeliveryStore, Integer> action) {
        return withStore(db::open, spec, action);
    }

    private static int withStore(Function<PrintWriter, DatabaseOptions.Opened> open, CommandSpec spec,
                                 Function<DeliveryStore, Integer> action) {
        PrintWriter err = spec.commandLine().getErr();
        DatabaseOptions.Opened opened = open.apply(err);
        if (opened.store() == null) {
            err.flush();
            return opened.exitCode();
        }
        try (DeliveryStore store = opened.store()) {
            return action.apply(store);
        } catch (StoreException e) {
            err.println("error: " + Secrets.redact(e.getMessage()));
            return DatabaseOptions.EXIT_FAILED;
        } finally {
            err.flush();
            spec.commandLine().getOut().flush();
        }
    }

    /** {@code dlq list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, oldest first.")
    static class ListLetters implements Callable<Integer> {
        @Mixin
        DatabaseOptions db;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
                description = "show at most N (default: ${DEFAULT-VALUE})")
        int limit;

        @Option(names = {"-p", "--plugins"}, paramLabel = "DIR",
                description = "the plugins directory the bridge runs with, when config.json uses plugin platforms")
        Path plugins;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1) {
                spec.commandLine().getErr().println("error: --limit: must be at least 1");
                return DatabaseOptions.EXIT_USAGE;
            }
            // stored texts and errors may hold any instance's secret (a blocked delivery holds it by definition)
            return withStore(err -> db.openMaskingAllSecrets(err, plugins), spec, store -> {
                PrintWriter out = spec.commandLine().getOut();
                List<DeadLetter> letters = store.deadLetters(limit);
                if (letters.isEmpty()) {
                    out.println("no dead letters");
                    return DatabaseOptions.EXIT_OK;
                }
                for (DeadLetter l : letters) {
                    out.printf("%d  failed %s  attempts %d  rule %s  to %s %s%n    error: %s%n    text: %s%n",
                            l.id(), l.failedAt(), l.attempts(), l.message().ruleId(), l.message().instanceId(),
                            Secrets.redact(String.valueOf(l.message().channel())), Secrets.redact(l.error()),
                            excerpt(l.message().renderedText()));
                }
                long total = store.stats(Clock.systemUTC().instant()).dead();
                if (total > letters.size()) {
                    out.println("(" + letters.size() + " of " + total + " shown; use --limit)");
                }
                return DatabaseOptions.EXIT_OK;
            });
        }

        private static String excerpt(String text) {
            String oneLine = Secrets.redact(text).replace('\n', ' ');
            return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
        }
    }

    /** {@code dlq retry ID | --all}. */
    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Send a dead letter (or all of them) again: it goes back to the end of its target's queue",
                "with a fresh attempt count. A running bridge picks it up within global.delivery.poll_interval."})
    static class Retry implements Callable<Integer> {
        @Mixin
        DatabaseOptions db;

        @ArgGroup(multiplicity = "1")
        Which which;

        static class Which {
            @Parameters(paramLabel = "ID", description = "the id dlq list shows")
            Long id;

            @Option(names = "--all", required = true, description = "every dead letter")
            boolean all;
        }

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return withStore(db, spec, store -> {
                if (which.all) {
                    int n = store.retryAllDeadLetters(Clock.systemUTC().instant());
                    spec.commandLine().getOut().println(n + " dead letter(s) queued for delivery again");
                    return DatabaseOptions.EXIT_OK;
                }
                if (!store.retryDeadLetter(which.id, Clock.systemUTC().instant())) {
                    spec.commandLine().getErr().println("error: no dead letter with id " + which.id);
                    return DatabaseOptions.EXIT_FAILED;
                }
                spec.commandLine().getOut().println("dead letter " + which.id + " queued for delivery again");
                return DatabaseOptions.EXIT_OK;
            });
        }
    }

    /** {@code dlq drop ID}. */
    @Command(name = "drop", mixinStandardHelpOptions = true, description = "Delete a dead letter for good.")
    static class Drop implements Callable<Integer> {
        @Mixin
        DatabaseOptions db;

        @Parameters(paramLabel = "ID", description = "the id dlq list shows")
        long id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return withStore(db, spec, store -> {
                if (!store.dropDeadLetter(id)) {
                    spec.commandLine().getErr().println("error: no dead letter with id " + id);
                    return DatabaseOptions.EXIT_FAILED;
                }
                spec.commandLine().getOut().println("dead letter " + id + " dropped");
                return DatabaseOptions.EXIT_OK;
            });
        }
    }
}
