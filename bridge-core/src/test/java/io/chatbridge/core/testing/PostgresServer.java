package io.chatbridge.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away PostgreSQL server for tests, started from the Debian binaries ({@code /usr/lib/postgresql/N/bin},
 * installed by {@code .ci/run} with the Debian package {@code postgresql}) without Docker: {@code initdb} into a
 * temporary directory, then {@code pg_ctl start} on a free loopback port, trust authentication, fsync off. One
 * server per test JVM, stopped by a shutdown hook; each caller gets a fresh database from {@link #newDatabase()}.
 *
 * <p>PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the data directory is given
 * to the {@code postgres} user the package creates and the server commands run through {@code runuser}.
 *
 * <p>When the binaries are missing the tests using it are skipped with a message saying so; any other problem
 * (initdb or start-up failing) fails them.
 */
public final class PostgresServer {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer instance;

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path bin) throws Exception {
        this.bin = bin;
        this.dir = Files.createTempDirectory("chatbridge-pg-");
        this.asPostgresUser = ((Integer) Files.getAttribute(dir, "unix:uid")) == 0;
        if (asPostgresUser) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
        }
        Path data = dir.resolve("data");
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--no-sync"), true);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "postgres-test-stop"));
        // the port must be on pg_ctl's command line: another process may take it first, then start again
        this.port = Ports.retryingBindFailures(() -> {
            int chosen = Ports.freePort();
            Path log = dir.resolve("log");
            Files.deleteIfExists(log);
            try {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(), "-w",
                        "-t", "60", "-o", "-p " + chosen + " -k " + dir + " -c listen_addresses=127.0.0.1"
                                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                                + " -c max_connections=200", "start"), true);
            } catch (IllegalStateException e) {
                // why the server did not start is in its own log (a taken port: "could not bind IPv4 address")
                String serverLog = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                throw new IllegalStateException(e.getMessage() + "\nserver log:\n" + serverLog, e);
            }
            return chosen;
        });
    }

    /** The running server, started on first use; skips the calling test when the binaries are absent. */
    public static synchronized PostgresServer get() {
        if (instance == null) {
            Path bin = findBinaries();
            if (bin == null) {
                Assumptions.abort("skipped: PostgreSQL server binaries (initdb, pg_ctl) not found under "
                        + "/usr/lib/postgresql/*/bin; install the Debian package postgresql (.ci/run does) to run "
                        + "this test");
            }
            try {
                instance = new PostgresServer(bin);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** Creates an empty database and returns its JDBC URL (user {@code postgres}, no password). */
    public String newDatabase() {
        String name = "bridge_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
        }
        return url(name);
    }

    public int port() {
        return port;
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void stop() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), true);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the test PostgreSQL server: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static Path findBinaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent())))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void run(List<String> command, boolean postgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (postgres && asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Path out = Files.createTempFile("pg-cmd-", ".log");
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", full));
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", full) + "\n" + log);
        }
    }

}
