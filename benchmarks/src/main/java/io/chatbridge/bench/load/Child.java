package io.chatbridge.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A server under test running as a child JVM, with its output in a log file. */
final class Child implements AutoCloseable {

    private final String name;
    private final Process process;
    private final long startNanos;
    private final Path log;

    private Child(String name, Process process, long startNanos, Path log) {
        this.name = name;
        this.process = process;
        this.startNanos = startNanos;
        this.log = log;
    }

    /** Starts {@code java [jvmArgs] [args]}; the clock for {@link #awaitHealthy} starts just before the fork. */
    static Child start(String name, List<String> jvmArgs, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        return new Child(name, process, start, log);
    }

    /**
     * Polls {@code GET /healthz} every 5 ms until it answers 200.
     *
     * @return nanoseconds from just before the process was forked to the first 200
     */
    long awaitHealthy(int port, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (RawHttpConnection http = new RawHttpConnection("127.0.0.1", port)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException(name + " exited with " + process.exitValue() + "; see " + log);
                }
                try {
                    if (http.exchange("GET", "/healthz", null, null) == 200) {
                        return System.nanoTime() - startNanos;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(5);
            }
        }
        throw new IOException(name + " not healthy after " + timeoutMillis + " ms; see " + log);
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** A field of {@code /proc/<pid>/status} in KiB (e.g. {@code VmHWM}, {@code VmRSS}), or -1. */
    long procStatusKib(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
