package io.chatbridge.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end load run on loopback. Starts the packaged bridge.jar (config generated here: one DingTalk instance
 * with a signing secret, its API endpoint pointing at an in-process {@link StandIn}, one forward rule per group) and
 * a {@link BareServer}, both as child JVMs with the same options, then:
 * <ol>
 *   <li>start-up: process fork to first 200 from the bridge's {@code /healthz};</li>
 *   <li>warm-up of both servers at the fixed concurrency;</li>
 *   <li>saturation: alternating windows against the bare server and the bridge, same generator, same
 *       concurrency; the bridge's delivery backlog is drained before the next window so it does not steal CPU from
 *       the next measurement;</li>
 *   <li>fixed rate, open loop: callback latency measured from each request's intended send time (no coordinated
 *       omission) and end-to-end latency from callback sent to the stand-in seeing the group send;</li>
 *   <li>drain, then lost messages (accepted by the bridge, never seen by the stand-in), duplicates, token requests,
 *       the bridge's peak RSS ({@code VmHWM}).</li>
 * </ol>
 */
public final class LoadRun {

    static final String CALLBACK_PATH = "/dingtalk/event";
    private static final String SIGNING_SECRET = "bench-signing-secret-0123456789abcdef";
    private static final String APP_KEY = "dingbenchappkey";
    private static final String APP_SECRET = "bench-app-secret-XYZ";
    private static final String MARKER = "seq=";
    private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(120);

    private final Options options;
    private final PrintStream out;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicInteger nextSeq = new AtomicInteger(1);
    private final AtomicInteger bareSeq = new AtomicInteger(1);
    /** Per seq: when the generator started sending a callback the bridge accepted (nanoTime), else 0. */
    private final AtomicLongArray acceptedAt;
    private final StandIn standIn;

    private LoadRun(Options options, PrintStream out) throws java.io.IOException {
        this.options = options;
        this.out = out;
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8L,
                (options.warmup + (long) options.rounds * options.seconds) * 60_000L
                        + (long) options.rate * options.seconds * 2 + 100_000);
        this.acceptedAt = new AtomicLongArray(capacity);
        this.standIn = new StandIn(capacity, APP_KEY, APP_SECRET);
    }

    /** Runs with command-line arguments; returns the exit code. */
    public static int run(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(Options.USAGE);
            return 2;
        }
        if (options.help) {
            System.out.println(Options.USAGE);
            return 0;
        }
        if (options.startupRuns > 0) {
            return startupOnly(options);
        }
        LoadRun run = new LoadRun(options, System.out);
        try {
            return run.execute();
        } finally {
            run.standIn.close();
        }
    }

    /** Starts the bridge {@code startupRuns} times, one after the other, and prints fork-to-healthy times. */
    private static int startupOnly(Options options) throws Exception {
        List<Double> millis = new ArrayList<>();
        try (StandIn standIn = new StandIn(16, APP_KEY, APP_SECRET)) {
            for (int i = 0; i < options.startupRuns; i++) {
                Path dir = Files.createTempDirectory("chatbridge-startup-");
                int port = freePort();
                Files.writeString(dir.resolve("config.json"), configJson(options, dir, port, standIn.port()));
                Files.writeString(dir.resolve("rules.json"), rulesJson(options.groups, false));
                try (Child bridge = Child.start("bridge", options.jvmArgs, List.of("-jar",
                        options.bridgeJar.toString(), "--config", dir.resolve("config.json").toString(), "--rules",
                        dir.resolve("rules.json").toString()), dir.resolve("bridge.log"))) {
                    millis.add(bridge.awaitHealthy(port, 30_000) / 1e6);
                }
            }
        }
        List<Double> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        System.out.printf(Locale.ROOT, "start-up to healthy, %d runs, jvm-args=%s: min %.0f ms, median %.0f ms, "
                        + "max %.0f ms; all: %s; load average now %s%n", millis.size(), options.jvmArgs,
                sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                millis.stream().map(m -> String.format(Locale.ROOT, "%.0f", m)).toList(), loadAverage());
        return 0;
    }

    private int execute() throws Exception {
        Path dir = Files.createTempDirectory("chatbridge-bench-");
        int bridgePort = freePort();
        int barePort = freePort();
        Path config = dir.resolve("config.json");
        Path rules = dir.resolve("rules.json");
        Files.writeString(config, configJson(options, dir, bridgePort, standIn.port()));
        Files.writeString(rules, rulesJson(options.groups, options.ingressOnly));
        String loadBefore = loadAverage();
        Report report = new Report();
        report.startedAt = Instant.now();
        progress("work dir " + dir + "; bridge port " + bridgePort + ", bare port " + barePort + ", stand-in port "
                + standIn.port());

        List<String> bridgeJvm = new ArrayList<>(options.jvmArgs);
        if (options.profile != null) {
            bridgeJvm.add("-XX:StartFlightRecording=name=bench,settings=profile,jdk.ExecutionSample#period=2ms");
        }
        List<String> bridgeArgs = List.of("-jar", options.bridgeJar.toString(), "--config", config.toString(),
                "--rules", rules.toString());
        try (Child bridge = Child.start("bridge", bridgeJvm, bridgeArgs, dir.resolve("bridge.log"))) {
            report.startupMillis = bridge.awaitHealthy(bridgePort, 30_000) / 1e6;
            progress(String.format(Locale.ROOT, "bridge healthy %.0f ms after fork", report.startupMillis));
            String benchJar = Path.of(LoadRun.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            if (options.skipSaturation) {
                progress("warm-up " + options.warmup + " s at " + options.rate + " req/s (no saturation phase)");
                report.bridgeWarmup = openLoop(bridgePort, options.rate, options.warmup);
                report.warmupDrainSeconds = drain(60);
            }
            if (!options.skipSaturation) {
            try (Child bare = Child.start("bare", options.jvmArgs, List.of("-cp", benchJar,
                    "io.chatbridge.bench.BenchMain", "bare-server", Integer.toString(barePort)),
                    dir.resolve("bare.log"))) {
                bare.awaitHealthy(barePort, 30_000);

                progress("warm-up " + options.warmup + " s each (concurrency " + options.concurrency + ")");
                closedLoop(barePort, false, options.warmup);
                report.bridgeWarmup = closedLoop(bridgePort, true, options.warmup);
                report.warmupDrainSeconds = drain(180);

                for (int round = 1; round <= options.rounds; round++) {
                    long self = ProcessHandle.current().pid();
                    long bareCpu = cpuTicks(bare.pid());
                    long genCpu = cpuTicks(self);
                    long[] bareMachineBefore = ThreadCpu.machine();
                    Window b = closedLoop(barePort, false, options.seconds);
                    b.machineStolen = ThreadCpu.idleAndStolen(bareMachineBefore, ThreadCpu.machine())[1];
                    b.cpuSeconds = (cpuTicks(bare.pid()) - bareCpu) / 100.0;
                    b.generatorCpuSeconds = (cpuTicks(self) - genCpu) / 100.0;
                    b.jettyThreads = ThreadCpu.jettyThreads(ThreadCpu.snapshot(bare.pid()));
                    long bridgeCpu = cpuTicks(bridge.pid());
                    Map<String, long[]> threadsBefore = ThreadCpu.snapshot(bridge.pid());
                    long[] machineBefore = ThreadCpu.machine();
                    genCpu = cpuTicks(self);
                    long deliveredBefore = standIn.unique();
                    asyncProfiler(bridge.pid(), "start,event=itimer,interval=1ms,threads");
                    Window w = closedLoop(bridgePort, true, options.seconds);
                    w.delivered = standIn.unique() - deliveredBefore;
                    w.cpuSeconds = (cpuTicks(bridge.pid()) - bridgeCpu) / 100.0;
                    Map<String, long[]> threadsAfter = ThreadCpu.snapshot(bridge.pid());
                    w.threadCpu = ThreadCpu.perRequest(ThreadCpu.delta(threadsBefore, threadsAfter), w.ok);
                    w.threadWaits = ThreadCpu.waiting(ThreadCpu.waitDelta(threadsBefore, threadsAfter), w.seconds);
                    double[] idleAndStolen = ThreadCpu.idleAndStolen(machineBefore, ThreadCpu.machine());
                    w.machineIdle = idleAndStolen[0];
                    w.machineStolen = idleAndStolen[1];
                    w.jettyThreads = ThreadCpu.jettyThreads(threadsAfter);
                    w.generatorCpuSeconds = (cpuTicks(self) - genCpu) / 100.0;
                    // after the CPU readings: writing the recording costs the bridge CPU of its own
                    asyncProfiler(bridge.pid(), "stop,collapsed,file=" + dir.resolve("window-" + round + ".collapsed"));
                    double drained = drain(180);
                    report.bare.add(b);
                    report.bridge.add(w);
                    report.drainSeconds.add(drained);
                    progress(String.format(Locale.ROOT,
                            "round %d: bare %.0f req/s, bridge %.0f req/s (ratio %.2f); CPU per request bare %.0f µs "
                                    + "(generator %.0f), bridge %.0f µs (generator + stand-in %.0f); backlog drained "
                                    + "in %.1f s", round, b.throughput(), w.throughput(), w.throughput() / b.throughput(),
                            b.cpuMicrosPerRequest(), b.generatorCpuMicrosPerRequest(), w.cpuMicrosPerRequest(),
                            w.generatorCpuMicrosPerRequest(), drained));
                }
            }
            }

            progress("fixed rate " + options.rate + " req/s for " + options.seconds + " s");
            int firstSeq = nextSeq.get();
            report.fixed = openLoop(bridgePort, options.rate, options.seconds);
            int lastSeq = nextSeq.get() - 1;
            report.fixedDrainSeconds = drain(60);
            report.endToEnd = endToEnd(firstSeq, lastSeq);

            report.peakRssKib = bridge.procStatusKib("VmHWM");
            report.rssAtEndKib = bridge.procStatusKib("VmRSS");
            report.lost = lost();
            report.accepted = countAccepted();
            report.standInUnique = standIn.unique();
            report.duplicates = standIn.duplicates();
            report.standInBad = standIn.badRequests();
            report.tokenRequests = standIn.tokenRequests();
            report.bridgeLog = bridge.log();
            if (options.profile != null) {
                // the bridge halts the JVM after its shutdown hook, so the recording is dumped while it runs
                Process dump = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(bridge.pid()), "JFR.dump", "name=bench",
                        "filename=" + options.profile.toAbsolutePath()).inheritIO().start();
                dump.waitFor(60, TimeUnit.SECONDS);
            }
        }
        report.logWarnings = countLogLines(report.bridgeLog, " WARN ");
        report.logErrors = countLogLines(report.bridgeLog, " ERROR ");
        report.storeInUse = countLogLines(report.bridgeLog, "durable delivery store not available") > 0
                ? "in-memory (this bridge.jar has no durable store)"
                : options.memoryStore ? "in-memory (:memory:)" : "durable, database.path file";
        report.loadBefore = loadBefore;
        report.loadAfter = loadAverage();
        String text = report.render(options);
        out.println(text);
        if (options.out != null) {
            Files.writeString(options.out, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        return 0;
    }

    // ---------------------------------------------------------------- load

    /** One measured window of one server. */
    static final class Window {
        final Histogram latency = new Histogram(HIGHEST_MICROS, 3);
        final Histogram service = new Histogram(HIGHEST_MICROS, 3);
        long ok;
        long failed;
        long ioErrors;
        double seconds;
        long sent;
        /** CPU time the server process used during the window (from /proc, 10 ms resolution). */
        double cpuSeconds;
        /** The bridge's CPU µs per accepted request by thread group (bridge windows only). */
        String threadCpu = "";
        /** Per thread group: threads ready to run but waiting for a CPU, on average over the window. */
        String threadWaits = "";
        /** The share of the machine's CPU time that was idle (or waiting for I/O) during the window. */
        double machineIdle = Double.NaN;
        /** The share the hypervisor gave to other guests (steal time) during the window (bare and bridge). */
        double machineStolen = Double.NaN;
        /**
         * The server's Jetty threads right after the window: Jetty keeps an idle thread 60 s, so this is how many
         * the saturation made it start.
         */
        int jettyThreads;
        /** CPU time of this process (load generator and stand-in) during the window. */
        double generatorCpuSeconds;
        /** Messages the stand-in saw for the first time during the window (bridge windows only). */
        long delivered;

        double deliveredPerSecond() {
            return delivered / seconds;
        }

        double throughput() {
            return ok / seconds;
        }

        double cpuMicrosPerRequest() {
            return ok == 0 ? Double.NaN : cpuSeconds * 1e6 / ok;
        }

        double generatorCpuMicrosPerRequest() {
            return ok == 0 ? Double.NaN : generatorCpuSeconds * 1e6 / ok;
        }

        synchronized void merge(Window w) {
            latency.add(w.latency);
            service.add(w.service);
            ok += w.ok;
            failed += w.failed;
            ioErrors += w.ioErrors;
            sent += w.sent;
        }
    }

    /** {@code concurrency} connections, each sending its next callback as soon as the previous one is answered. */
    private Window closedLoop(int port, boolean track, int seconds) throws InterruptedException {
        Window total = new Window();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.concurrency; i++) {
            Thread t = new Thread(() -> {
                Window mine = new Window();
                Signer signer = new Signer();
                try (RawHttpConnection http = new RawHttpConnection("127.0.0.1", port)) {
                    while (System.nanoTime() < deadline) {
                        // the bare server's callbacks are not tracked: their numbers are not taken from the bridge's
                        int seq = track ? nextSeq.getAndIncrement() : bareSeq.getAndIncrement() & Integer.MAX_VALUE;
                        if (track && seq >= acceptedAt.length()) {
                            progress("message capacity reached; stopping this window early");
                            break;
                        }
                        long t0 = System.nanoTime();
                        send(http, signer, seq, t0, t0, track, mine);
                    }
                }
                total.merge(mine);
            }, "load-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        total.seconds = (System.nanoTime() - start) / 1e9;
        return total;
    }

    /**
     * Open loop: request {@code i} is due at {@code start + i / rate}; workers pick up due requests in order, and
     * latency counts from the due time, so a stalled server is charged for the requests it held up.
     */
    private Window openLoop(int port, int rate, int seconds) throws InterruptedException {
        Window total = new Window();
        long count = (long) rate * seconds;
        double period = 1e9 / rate;
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.concurrency; i++) {
            Thread t = new Thread(() -> {
                Window mine = new Window();
                Signer signer = new Signer();
                try (RawHttpConnection http = new RawHttpConnection("127.0.0.1", port)) {
                    for (long n = next.getAndIncrement(); n < count; n = next.getAndIncrement()) {
                        long due = start + (long) (n * period);
                        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                            LockSupport.parkNanos(wait);
                        }
                        int seq = nextSeq.getAndIncrement();
                        if (seq >= acceptedAt.length()) {
                            break;
                        }
                        send(http, signer, seq, due, System.nanoTime(), true, mine);
                    }
                }
                total.merge(mine);
            }, "rate-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        total.seconds = (System.nanoTime() - start) / 1e9;
        return total;
    }

    private void send(RawHttpConnection http, Signer signer, int seq, long due, long t0, boolean track, Window w) {
        String timestamp = Long.toString(System.currentTimeMillis());
        String extra = "Content-Type: application/json; charset=utf-8\r\ntimestamp: " + timestamp + "\r\nsign: "
                + signer.sign(timestamp) + "\r\n";
        byte[] body = callbackBody(seq);
        w.sent++;
        int status;
        try {
            status = http.exchange("POST", CALLBACK_PATH, extra, body);
        } catch (IOException e) {
            w.ioErrors++;
            return;
        }
        long t1 = System.nanoTime();
        if (status != 200) {
            w.failed++;
            return;
        }
        w.ok++;
        w.latency.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (t1 - due) / 1000)));
        w.service.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (t1 - t0) / 1000)));
        if (track) {
            acceptedAt.set(seq, t0);
        }
    }

    private byte[] callbackBody(int seq) {
        int group = seq % options.groups;
        long now = System.currentTimeMillis();
        String json = "{\"conversationId\":\"cidBenchIn" + group + "\",\"atUsers\":[],"
                + "\"chatbotCorpId\":\"dingbenchcorp\",\"chatbotUserId\":\"$:LWCP_v1:$benchbot\","
                + "\"msgId\":\"msg" + runId + "-" + seq + "\",\"senderNick\":\"Bench User\",\"isAdmin\":false,"
                + "\"senderStaffId\":\"bench" + (seq % 97) + "\",\"sessionWebhookExpiredTime\":" + (now + 5_400_000)
                + ",\"createAt\":" + now + ",\"senderCorpId\":\"dingbenchcorp\",\"conversationType\":\"2\","
                + "\"senderId\":\"$:LWCP_v1:$sender" + (seq % 97) + "\",\"conversationTitle\":\"Bench group " + group
                + "\",\"isInAtList\":true,\"sessionWebhook\":\"http://127.0.0.1:1/robot/sendBySession?session=x\","
                + "\"text\":{\"content\":\" " + MARKER + seq + "; a message of ordinary length for the load run\"},"
                + "\"msgtype\":\"text\",\"robotCode\":\"dingbenchrobot\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** The sequence number in a group send's body, or -1. */
    static int seqOf(String body) {
        int at = body.indexOf(MARKER);
        if (at < 0) {
            return -1;
        }
        int value = 0;
        int digits = 0;
        for (int i = at + MARKER.length(); i < body.length() && Character.isDigit(body.charAt(i)); i++) {
            value = value * 10 + (body.charAt(i) - '0');
            digits++;
        }
        return digits == 0 || digits > 9 ? -1 : value;
    }

    /** Waits until the stand-in has seen every accepted message (or {@code maxSeconds}); returns the wait. */
    private double drain(int maxSeconds) throws InterruptedException {
        if (options.ingressOnly) {
            return 0;
        }
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(maxSeconds);
        long accepted = countAccepted();
        while (standIn.unique() < accepted && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private long countAccepted() {
        long n = 0;
        int last = Math.min(nextSeq.get(), acceptedAt.length());
        for (int i = 0; i < last; i++) {
            if (acceptedAt.get(i) != 0) {
                n++;
            }
        }
        return n;
    }

    private long lost() {
        long n = 0;
        int last = Math.min(nextSeq.get(), acceptedAt.length());
        for (int i = 0; i < last; i++) {
            if (acceptedAt.get(i) != 0 && standIn.arrival(i) == 0) {
                n++;
            }
        }
        return n;
    }

    private Histogram endToEnd(int firstSeq, int lastSeq) {
        Histogram h = new Histogram(HIGHEST_MICROS, 3);
        for (int seq = firstSeq; seq <= lastSeq && seq < acceptedAt.length(); seq++) {
            long sent = acceptedAt.get(seq);
            long seen = standIn.arrival(seq);
            if (sent != 0 && seen != 0) {
                h.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (seen - sent) / 1000)));
            }
        }
        return h;
    }

    /** Signs callbacks the way DingTalk does; one per thread. */
    private static final class Signer {
        private final Mac mac;

        Signer() {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(SIGNING_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String sign(String timestamp) {
            byte[] raw = mac.doFinal((timestamp + "\n" + SIGNING_SECRET).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(raw);
        }
    }

    // ---------------------------------------------------------------- setup

    /**
     * The bridge's configuration. {@code api_rate_per_second} is 0 (no pacing): the run measures what the bridge
     * can deliver to a stand-in, not DingTalk's per-app limit (paced at the default 15 calls/s, every delivery of a
     * saturated window waits in the outbox for its slot, postponed once, and the backlog cannot drain).
     */
    static String configJson(Options options, Path dir, int port, int standInPort) {
        String database = options.memoryStore ? ":memory:" : dir.resolve("bench.db").toString();
        return "{\n"
                + "  \"global\": {\"database\": {\"path\": \"" + database + "\"}, \"strict_echo_match\": true,\n"
                + (options.workers > 0 ? "             \"delivery\": {\"workers\": " + options.workers + "},\n" : "")
                + "             \"http\": {\"host\": \"127.0.0.1\"}},\n"
                + "  \"dingtalk\": {\n"
                + "    \"dt_bench\": {\"app_key\": \"" + APP_KEY + "\", \"app_secret\": \"" + APP_SECRET + "\",\n"
                + "                 \"robot_code\": \"dingbenchrobot\", \"signing_secret\": \"" + SIGNING_SECRET
                + "\",\n"
                + "                 \"listen_port\": " + port + ", \"listen_path\": \"" + CALLBACK_PATH + "\",\n"
                + "                 \"api_endpoint\": \"http://127.0.0.1:" + standInPort + "\",\n"
                + "                 \"api_rate_per_second\": 0}\n"
                + "  }\n"
                + "}\n";
    }

    /** One rule per group; with {@code ingressOnly} the rules name groups no callback comes from. */
    static String rulesJson(int groups, boolean ingressOnly) {
        String source = ingressOnly ? "cidNeverSent" : "cidBenchIn";
        StringBuilder s = new StringBuilder("{\"rules\": [\n");
        for (int g = 0; g < groups; g++) {
            s.append("  {\"id\": \"bench-").append(g).append("\", \"from\": {\"dt_bench\": {\"open_conversation_id\": ")
                    .append("\"").append(source).append(g).append("\"}}, \"to\": {\"dt_bench\": {\"open_conversation_id\": ")
                    .append("\"cidBenchOut").append(g).append("\"}}}").append(g + 1 < groups ? ",\n" : "\n");
        }
        return s.append("]}\n").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * With {@code --async-profiler LIB}: runs an async-profiler command in the bridge ({@code jcmd
     * JVMTI.agent_load}), e.g. to record one window only; the stacks include native frames (SQLite, the kernel's
     * share), which JFR's execution samples do not.
     */
    private void asyncProfiler(long pid, String command) throws IOException, InterruptedException {
        if (options.asyncProfiler == null) {
            return;
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                // quoted: jcmd would split the command at its commas
                Long.toString(pid), "JVMTI.agent_load", options.asyncProfiler.toAbsolutePath().toString(),
                '"' + command + '"')
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // jcmd exits 0 also when the agent refused the command; the agent's own result is "return code: N"
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !output.contains("return code: 0")) {
            progress("async-profiler command failed: " + command + ": " + output.strip());
        } else if (command.startsWith("stop")) {
            progress("async-profiler: " + command.substring(command.indexOf("file=") + 5));
        }
    }

    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static long countLogLines(Path log, String needle) {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(needle)).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    private void progress(String line) {
        System.err.println("[load] " + line);
    }

    // ---------------------------------------------------------------- options

    static final class Options {
        static final String USAGE = """
                usage: benchmarks.jar load [options]
                  --bridge-jar PATH   the packaged bridge (default bridge-app/target/bridge.jar)
                  --seconds N         length of each measured window (default 20)
                  --warmup N          warm-up per server before measuring (default 10)
                  --rounds N          alternating bare/bridge saturation windows (default 3)
                  --concurrency N     connections for saturation, workers for the fixed rate (default 32)
                  --rate N            fixed-rate phase, requests per second (default 500)
                  --groups N          source groups, each forwarded by its own rule to its own target group (default 16)
                  --jvm-args "..."    JVM options for the bridge and the bare server alike (default none)
                  --ingress-only      rules match no callback: measures receive, verify, parse, route and record
                                      without any delivery (lost/end-to-end figures do not apply)
                  --memory-store      use database.path ":memory:" instead of a file in the work dir
                  --workers N         global.delivery.workers of the bridge (default: the bridge's own, 8)
                  --skip-saturation   no bare server, no saturation: warm up and measure at --rate only (the
                                      bridge's footprint in steady operation, without a delivery backlog)
                  --startup-only N    only start the bridge N times and print fork-to-healthy times
                  --out FILE          also append the report (Markdown) to FILE
                  --profile FILE      record the bridge with JFR into FILE (summarise: benchmarks.jar profile FILE)
                  --async-profiler LIB  record each bridge saturation window with async-profiler's
                                      libasyncProfiler.so (collapsed stacks with native frames, one file per
                                      window in the work dir)""";

        Path bridgeJar = Path.of("bridge-app/target/bridge.jar");
        int seconds = 20;
        int warmup = 10;
        int rounds = 3;
        int concurrency = 32;
        int rate = 500;
        int groups = 16;
        List<String> jvmArgs = List.of();
        boolean memoryStore;
        /** {@code global.delivery.workers}; 0 leaves the bridge's default. */
        int workers;
        boolean ingressOnly;
        boolean skipSaturation;
        int startupRuns;
        Path out;
        Path profile;
        Path asyncProfiler;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--memory-store" -> o.memoryStore = true;
                    case "--workers" -> o.workers = positive(args, ++i, a);
                    case "--ingress-only" -> o.ingressOnly = true;
                    case "--skip-saturation" -> o.skipSaturation = true;
                    case "--startup-only" -> o.startupRuns = positive(args, ++i, a);
                    case "--bridge-jar" -> o.bridgeJar = Path.of(value(args, ++i, a));
                    case "--seconds" -> o.seconds = positive(args, ++i, a);
                    case "--warmup" -> o.warmup = positive(args, ++i, a);
                    case "--rounds" -> o.rounds = positive(args, ++i, a);
                    case "--concurrency" -> o.concurrency = positive(args, ++i, a);
                    case "--rate" -> o.rate = positive(args, ++i, a);
                    case "--groups" -> o.groups = positive(args, ++i, a);
                    case "--jvm-args" -> o.jvmArgs = Arrays.stream(value(args, ++i, a).trim().split("\\s+"))
                            .filter(s -> !s.isEmpty()).toList();
                    case "--out" -> o.out = Path.of(value(args, ++i, a));
                    case "--profile" -> o.profile = Path.of(value(args, ++i, a));
                    case "--async-profiler" -> o.asyncProfiler = Path.of(value(args, ++i, a));
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (!o.help && !Files.isRegularFile(o.bridgeJar)) {
                throw new IllegalArgumentException(o.bridgeJar + " not found: build it with "
                        + "mvn -B -q -Pbenchmarks package -DskipTests, or pass --bridge-jar");
            }
            return o;
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static int positive(String[] args, int i, String name) {
            try {
                int v = Integer.parseInt(value(args, i, name));
                if (v <= 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a positive integer");
            }
        }
    }
}
