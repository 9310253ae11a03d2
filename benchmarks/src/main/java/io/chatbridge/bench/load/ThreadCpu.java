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
 * window's CPU can be split into ingress (Jetty), delivery, JIT and GC.
 */
final class ThreadCpu {

    private static final String JETTY = "jetty (ingress)";

    private ThreadCpu() {
    }

    /** Ticks per thread id, with the thread's group. */
    static Map<String, long[]> snapshot(long pid) {
        Map<String, long[]> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    out.put(task.getFileName() + " " + group(comm), new long[] {ticks});
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
        Map<String, Long> groups = new TreeMap<>();
        after.forEach((key, ticks) -> {
            long[] was = before.get(key);
            long d = ticks[0] - (was == null ? 0 : was[0]);
            groups.merge(key.substring(key.indexOf(' ') + 1), d, Long::sum);
        });
        return groups;
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
        return "other";
    }
}
