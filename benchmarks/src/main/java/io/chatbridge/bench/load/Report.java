package io.chatbridge.bench.load;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The figures of one load run, rendered as Markdown with the targets of issue 8 checked. */
final class Report {

    /** A window in which the hypervisor gave more than this share of the CPUs to other guests is flagged. */
    private static final double STEAL_WARNING = 0.05;

    Instant startedAt;
    double startupMillis;
    LoadRun.Window bridgeWarmup;
    double warmupDrainSeconds;
    final List<LoadRun.Window> bare = new ArrayList<>();
    final List<LoadRun.Window> bridge = new ArrayList<>();
    final List<Double> drainSeconds = new ArrayList<>();
    LoadRun.Window fixed;
    double fixedDrainSeconds;
    Histogram endToEnd;
    long peakRssKib;
    long rssAtEndKib;
    long lost;
    long accepted;
    long standInUnique;
    long duplicates;
    long standInBad;
    int tokenRequests;
    Path bridgeLog;
    long logWarnings;
    long logErrors;
    String loadBefore;
    String storeInUse;
    String loadAfter;

    String render(LoadRun.Options o) {
        StringBuilder s = new StringBuilder();
        line(s, "### Load run %s", startedAt);
        line(s, "");
        line(s, "Options: seconds=%d warmup=%d rounds=%d concurrency=%d rate=%d groups=%d%s store=%s jvm-args=%s",
                o.seconds, o.warmup, o.rounds, o.concurrency, o.rate, o.groups, o.ingressOnly ? " ingress-only" : "",
                storeInUse, o.jvmArgs.isEmpty() ? "(none)" : o.jvmArgs);
        if (o.profile != null || o.asyncProfiler != null) {
            line(s, "Profiling on (%s): the bridge's figures include the profiler's own cost",
                    o.asyncProfiler != null ? "async-profiler during the bridge windows" : "JFR");
        }
        line(s, "Load average before / after: %s / %s", loadBefore, loadAfter);
        line(s, "");
        if (bridge.isEmpty()) {
            line(s, "Saturation: skipped (--skip-saturation); warm-up at the fixed rate.");
        }
        line(s, "Saturation (closed loop, concurrency %d, %d s windows, alternating):", o.concurrency, o.seconds);
        line(s, "");
        line(s, "| round | bare Javalin req/s | bridge req/s | ratio | CPU µs/req bare / bridge | generator CPU µs/req "
                + "bare / bridge | bridge p50 / p99 / p999 ms | delivered during the window /s | backlog drained s |");
        line(s, "|---|---|---|---|---|---|---|---|---|");
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < bridge.size(); i++) {
            LoadRun.Window b = bare.get(i);
            LoadRun.Window w = bridge.get(i);
            double ratio = w.throughput() / b.throughput();
            ratios.add(ratio);
            line(s, "| %d | %.0f | %.0f | %.2f | %.0f / %.0f | %.0f / %.0f | %s | %.0f | %.1f |", i + 1,
                    b.throughput(), w.throughput(), ratio, b.cpuMicrosPerRequest(), w.cpuMicrosPerRequest(),
                    b.generatorCpuMicrosPerRequest(), w.generatorCpuMicrosPerRequest(),
                    percentiles(w.latency, 50, 99, 99.9), w.deliveredPerSecond(), drainSeconds.get(i));
        }
        double medianRatio = median(ratios);
        double bareMedian = median(bare.stream().map(LoadRun.Window::throughput).toList());
        double bridgeMedian = median(bridge.stream().map(LoadRun.Window::throughput).toList());
        line(s, "| median | %.0f | %.0f | **%.2f** | | | | | |", bareMedian, bridgeMedian, medianRatio);
        line(s, "");
        line(s, "Bridge CPU µs per accepted callback by thread group, per round (includes delivering it when rules match):");
        line(s, "");
        for (int i = 0; i < bridge.size(); i++) {
            line(s, "- round %d: %s; Jetty threads after the window: bridge %d, bare Javalin %d", i + 1,
                    bridge.get(i).threadCpu, bridge.get(i).jettyThreads, bare.get(i).jettyThreads);
        }
        if (bridge.stream().anyMatch(w -> !w.threadWaits.isEmpty())) {
            line(s, "");
            line(s, "Bridge threads ready to run but waiting for a CPU, on average over the window, by group (for one"
                    + " thread: the share of the window it lost waiting):");
            line(s, "");
            for (int i = 0; i < bridge.size(); i++) {
                double stolen = Math.max(bridge.get(i).machineStolen, bare.get(i).machineStolen);
                line(s, "- round %d: %s; the machine's CPUs idle %.0f%% of the window; stolen by the hypervisor"
                                + " %.1f%% (bare window %.1f%%)%s", i + 1, bridge.get(i).threadWaits,
                        100 * bridge.get(i).machineIdle, 100 * bridge.get(i).machineStolen,
                        100 * bare.get(i).machineStolen, stolen > STEAL_WARNING ? ": **other guests took more"
                                + " than 5% of the CPUs, this round's ratio is not comparable**" : "");
            }
        }
        line(s, "");
        line(s, "Fixed rate %d req/s, open loop, %d s (achieved %.0f req/s):", o.rate, o.seconds,
                fixed.ok / fixed.seconds);
        line(s, "");
        line(s, "| what | p50 ms | p99 ms | p999 ms | max ms | count |");
        line(s, "|---|---|---|---|---|---|");
        line(s, "| callback latency (from intended send time) | %s | %d |", row(fixed.latency), fixed.latency
                .getTotalCount());
        line(s, "| callback service time (from actual send) | %s | %d |", row(fixed.service), fixed.service
                .getTotalCount());
        line(s, "| end to end (callback sent → stand-in got the send) | %s | %d |", row(endToEnd),
                endToEnd.getTotalCount());
        line(s, "");
        long errors = errors();
        line(s, "Totals: %d callbacks accepted by the bridge, %d distinct messages seen by the stand-in, **%s lost**, "
                + "%d duplicate sends, %d bad requests at the stand-in, **%d callback errors** (non-200 or I/O), "
                + "**%d token request(s)**; bridge log: %d WARN, %d ERROR lines.", accepted, standInUnique,
                o.ingressOnly ? "n/a" : Long.toString(lost), duplicates, standInBad, errors, tokenRequests,
                logWarnings, logErrors);
        line(s, "Bridge: **start-up to healthy %.0f ms**, **peak RSS (VmHWM) %.1f MiB**, RSS at the end %.1f MiB; "
                + "fixed-rate backlog drained %.1f s after the last callback.", startupMillis, peakRssKib / 1024.0,
                rssAtEndKib / 1024.0, fixedDrainSeconds);
        line(s, "");
        line(s, "| target | measured | met |");
        line(s, "|---|---|---|");
        if (bridge.isEmpty()) {
            line(s, "| ingress ≥ 50%% of bare Javalin | n/a: --skip-saturation | |");
        } else {
            target(s, "ingress ≥ 50% of bare Javalin", String.format(Locale.ROOT, "%.0f%%", medianRatio * 100),
                    medianRatio >= 0.5);
        }
        target(s, "callback p99 < 20 ms at " + o.rate + " req/s", ms(fixed.latency.getValueAtPercentile(99)),
                fixed.latency.getValueAtPercentile(99) < 20_000);
        if (o.ingressOnly) {
            line(s, "| end-to-end, lost messages, token requests | n/a: --ingress-only delivers nothing | |");
        } else {
            target(s, "end-to-end p99 < 50 ms at " + o.rate + " req/s", ms(endToEnd.getValueAtPercentile(99)),
                    endToEnd.getTotalCount() > 0 && endToEnd.getValueAtPercentile(99) < 50_000);
            target(s, "zero messages lost", Long.toString(lost), lost == 0 && accepted > 0);
            target(s, "one token request per token lifetime (7200 s)", Integer.toString(tokenRequests),
                    tokenRequests == 1);
        }
        target(s, "bridge RSS < 256 MiB", String.format(Locale.ROOT, "%.1f MiB", peakRssKib / 1024.0),
                peakRssKib > 0 && peakRssKib < 256 * 1024);
        target(s, "start-up to healthy < 2 s", String.format(Locale.ROOT, "%.0f ms", startupMillis),
                startupMillis < 2000);
        target(s, "no callback errors", Long.toString(errors), errors == 0);
        return s.toString();
    }

    private long errors() {
        long n = bridgeWarmup.failed + bridgeWarmup.ioErrors + fixed.failed + fixed.ioErrors;
        for (LoadRun.Window w : bridge) {
            n += w.failed + w.ioErrors;
        }
        for (LoadRun.Window w : bare) {
            n += w.failed + w.ioErrors;
        }
        return n;
    }

    private static void target(StringBuilder s, String what, String measured, boolean met) {
        line(s, "| %s | %s | %s |", what, measured, met ? "yes" : "**no**");
    }

    private static String row(Histogram h) {
        return percentiles(h, 50, 99, 99.9).replace(" / ", " | ") + " | " + ms(h.getMaxValue());
    }

    private static String percentiles(Histogram h, double... ps) {
        List<String> parts = new ArrayList<>();
        for (double p : ps) {
            parts.add(ms(h.getValueAtPercentile(p)));
        }
        return String.join(" / ", parts);
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void line(StringBuilder s, String format, Object... args) {
        s.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
