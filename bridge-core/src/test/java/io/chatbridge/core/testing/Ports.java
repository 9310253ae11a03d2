package io.chatbridge.core.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Ports for tests whose server cannot bind port 0 and tell its port: a port that must be known before the server
 * starts (written into a config file, a {@code listen_port} that may not be 0, another program's command line).
 *
 * <p>{@link #freePort()} only says a port was free a moment ago; on a busy machine another process may take it
 * before the server binds it. So every start on such ports goes through {@link #retryingBindFailures}: the whole
 * start runs again, choosing new ports, when it failed because a port was taken ("address already in use"), and
 * any other failure is thrown at once.
 */
public final class Ports {

    /** How often a start is tried before its last bind failure is thrown. */
    public static final int ATTEMPTS = 5;

    private Ports() {
    }

    /** A start that chooses its ports with {@link #freePort()} each time it runs. */
    @FunctionalInterface
    public interface Start<T> {
        T start() throws Exception;
    }

    /** A loopback port that was free a moment ago; start the server on it through {@link #retryingBindFailures}. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * A loopback port nothing answers on, for a test of "connection refused", held until closed: a socket bound to
     * it that does not listen refuses every connection and keeps any other process from listening there (a port
     * that was merely free a moment ago may be taken by then, and answer).
     */
    public static ClosedPort closedPort() throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new ClosedPort(socket);
    }

    /** See {@link #closedPort()}. */
    public static final class ClosedPort implements AutoCloseable {
        private final Socket socket;

        private ClosedPort(Socket socket) {
            this.socket = socket;
        }

        /** The port. */
        public int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Runs {@code start} until it does not fail with a bind failure ({@link #isBindFailure(Throwable)}), at most
     * {@link #ATTEMPTS} times. {@code start} must choose new ports each time and leave nothing running when it
     * fails.
     */
    public static <T> T retryingBindFailures(Start<T> start) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return start.start();
            } catch (Exception | AssertionError e) {
                if (attempt >= ATTEMPTS || !isBindFailure(e)) {
                    throw e;
                }
            }
        }
    }

    /** Whether {@code e} (or one of its causes) says a port was taken. */
    public static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t.getMessage() != null && isBindFailure(t.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a program's output says a port was taken: Java's and Jetty's "Address already in use", Javalin's
     * "Port already in use", PostgreSQL's "could not bind IPv4 address".
     */
    public static boolean isBindFailure(String output) {
        String text = output.toLowerCase(Locale.ROOT);
        return text.contains("address already in use") || text.contains("port already in use")
                || text.contains("could not bind");
    }

    /**
     * Waits until {@code up} answers {@code true} (an exception from it counts as not yet) for {@code process},
     * whose output goes to {@code output}. When the process exits first, throws an {@link IllegalStateException}
     * with its output, which {@link #retryingBindFailures} takes as a bind failure when the output says a port was
     * taken; after {@code timeout}, an {@link AssertionError}.
     */
    public static void awaitUp(Process process, Path output, Callable<Boolean> up, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (up.call()) {
                    return;
                }
            } catch (Exception notYet) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with code " + process.exitValue() + " before it was up:\n"
                        + (Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : ""));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not up after " + timeout + ":\n"
                + (Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : ""));
    }
}
