package io.chatbridge.core.cli;

import io.chatbridge.core.delivery.DeliveryStore.OutboxStats;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code outbox stats}: how much waits, is in flight, was delivered and failed. */
@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = {"Look at the outbox in the database global.database in --config names.",
            "Exit codes: 0 done, 1 the database cannot be used, 2 usage or config error."},
        subcommands = OutboxCommand.Stats.class)
public class OutboxCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("error: outbox needs a command: stats (see outbox --help)");
        return DatabaseOptions.EXIT_USAGE;
    }

    /** {@code outbox stats}. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Print pending, in-flight, delivered and dead-letter counts.")
    static class Stats implements Callable<Integer> {
        @Mixin
        DatabaseOptions db;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return DlqCommand.withStore(db, spec, store -> {
                Instant now = Clock.systemUTC().instant();
                OutboxStats s = store.stats(now);
                PrintWriter out = spec.commandLine().getOut();
                out.println("pending:      " + s.pending());
                out.println("in flight:    " + s.inFlight());
                out.println("delivered:    " + s.delivered());
                out.println("dead letters: " + s.dead());
                if (s.oldestPending() != null) {
                    Duration age = Duration.between(s.oldestPending(), now);
                    out.println("oldest pending: " + s.oldestPending() + " (" + Math.max(0, age.toSeconds())
                            + " s ago)");
                }
                return DatabaseOptions.EXIT_OK;
            });
        }
    }
}
