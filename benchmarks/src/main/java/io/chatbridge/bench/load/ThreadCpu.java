package io.chatbridge.bench.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU ticks (1/100 s) of a process's threads from {@code /proc/<pid>/task}, grouped by what the thread does, so a
 * window's CPU can be split into ingress (Jetty), delivery, JIT and GC; and from each thread's {@code schedstat} the
 * time it was runnable but waited for a CPU, which shows whether a thread everyone waits on (the outbox committer)
 * is starved by the others.
 */
final class ThreadCpu {

    private static final String JETTY = "jetty (ingress)";

    private ThreadCpu() {
    }

    /** Per thread id with the thread's group: CPU ticks, then ns waited on a run queue (0 without schedstat). */
    static Map<String, long[]> snapshot(long pid) {
        Map<String, long[]> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    out.put(task.getFileName() + " " + group(comm), new long[] {ticks, runQueueWaitNanos(task)});
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Ticks per group between two snapshots (threads started in between count from zero). */
    static Map<String, Long> delta(Map<String, long[]> before, Map<String, long[]> after) {
        return delta(before, after, 0);
    }

    /** Nanoseconds waited for a CPU per group between two snapshots. */
    static Map<String, Long> waitDelta(Map<String, long[]> before, Map<String, long[]> after) {
        return delta(before, after, 1);
    }

    private static Map<String, Long> delta(Map<String, long[]> before, Map<String, long[]> after, int field) {
        Map<String, Long> groups = new TreeMap<>();
        after.forEach((key, values) -> {
            long[] was = before.get(key);
            long d = values[field] - (was == null ? 0 : was[field]);
            groups.merge(key.substring(key.indexOf(' ') + 1), d, Long::sum);
        });
        return groups;
    }

    /**
     * "outbox committer 0.31, jetty 1.20, …": how many threads of each group were, on average over the window, ready
     * to run but waiting for a CPU (a single thread's figure is the share of the window it lost that way).
     */
    static String waiting(Map<String, Long> waitNanos, double seconds) {
        StringBuilder s = new StringBuilder();
        waitNanos.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> e.getValue() > 0)
                .forEach(e -> s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f",
                        e.getKey(), e.getValue() / 1e9 / seconds)));
        return s.toString();
    }

    /**
     * The machine's CPU time from {@code /proc/stat}: all jiffies (user to steal; guest time is already in user),
     * those idle or waiting for I/O, and those the hypervisor gave to other guests (steal).
     */
    static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long all = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                all += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {all, idle, f.length > 8 ? Long.parseLong(f[8]) : 0};
        } catch (IOException | RuntimeException unavailable) {
            return new long[] {0, 0, 0};
        }
    }

    /** The share of the machine's CPU time between two {@link #machine} readings that was idle, then stolen. */
    static double[] idleAndStolen(long[] before, long[] after) {
        long all = after[0] - before[0];
        return all <= 0 ? new double[] {Double.NaN, Double.NaN}
                : new double[] {(after[1] - before[1]) / (double) all, (after[2] - before[2]) / (double) all};
    }

    private static long runQueueWaitNanos(Path task) {
        try {
            String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException unavailable) {
            return 0; // a kernel without schedstats
        }
    }

    /** How many of the threads in {@code snapshot} are Jetty's. */
    static int jettyThreads(Map<String, long[]> snapshot) {
        return (int) snapshot.keySet().stream().filter(k -> k.endsWith(" " + JETTY)).count();
    }

    /** "jetty 61 µs, delivery 40 µs, …" per request. */
    static String perRequest(Map<String, Long> groups, long requests) {
        StringBuilder s = new StringBuilder();
        groups.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> e.getValue() > 0)
                .forEach(e -> s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.0f",
                        e.getKey(), e.getValue() * 10_000.0 / Math.max(1, requests))));
        return s.toString();
    }

    private static String group(String comm) {
        String c = comm.toLowerCase(Locale.ROOT);
        if (c.startsWith("jettyserverthre") || c.startsWith("qtp")) {
            return JETTY;
        }
        if (c.startsWith("dingtalk-")) {
            return "dingtalk api calls";
        }
        if (c.startsWith("httpclient-")) {
            return "jdk http client";
        }
        if (c.startsWith("delivery-")) {
            return "delivery engine";
        }
        if (c.startsWith("c1 compiler") || c.startsWith("c2 compiler")) {
            return "jit";
        }
        if (c.startsWith("vm thread") || c.startsWith("gc ") || c.contains("g1 ")) {
            return "gc/vm";
        }
        if (c.startsWith("okhttp")) {
            return "okhttp (sdk)";
        }
        if (c.startsWith("outbox-committ")) {
            return "outbox committer";
        }
        return "other";
    }
}
