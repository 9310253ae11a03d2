package io.chatbridge.bench;

import io.chatbridge.bench.load.BareServer;
import io.chatbridge.bench.load.LoadRun;
import io.chatbridge.bench.load.ProfileSummary;
import java.util.Arrays;

/**
 * {@code java -jar benchmarks.jar jmh [JMH options]} runs the microbenchmarks;
 * {@code java -jar benchmarks.jar load [options]} runs the loopback load run against bridge.jar;
 * {@code java -jar benchmarks.jar profile FILE.jfr} summarises a recording made with {@code load --profile FILE};
 * {@code bare-server PORT} is the bare Javalin endpoint the load run starts as its baseline.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: benchmarks.jar jmh [JMH options] | load [--help] | pacing [--help] | profile FILE.jfr"
                    + " | bare-server PORT");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "load" -> System.exit(LoadRun.run(rest));
            case "pacing" -> System.exit(io.chatbridge.bench.load.PacingRun.run(rest));
            case "bare-server" -> BareServer.main(rest);
            case "profile" -> ProfileSummary.main(rest);
            default -> {
                System.err.println("unknown command " + args[0] + "; use jmh, load, pacing or bare-server");
                System.exit(2);
            }
        }
    }
}
