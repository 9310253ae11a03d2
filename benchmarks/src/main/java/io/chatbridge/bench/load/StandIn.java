package io.chatbridge.bench.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A minimal DingTalk stand-in that answers at once: issues one access token per request to
 * {@code /v1.0/oauth2/accessToken}, accepts {@code /v1.0/robot/groupMessages/send} with the issued token, and records
 * when each benchmark message first arrived ({@link System#nanoTime()}, keyed by the {@code seq=N;} marker the load
 * generator puts in the callback text).
 *
 * <p>It is a plain HTTP/1.1 keep-alive server on blocking sockets (a thread per connection; the bridge's SDK keeps a
 * few), not a web framework: DingTalk's servers are not on the bridge's machine, so what they cost here should be as
 * little as possible of the 2 cores the bridge is measured on. (It was a Javalin server until 2026-12-01, which cost
 * about what the bare Javalin under comparison costs per request.) Request bodies with {@code Content-Length} or
 * chunked, as OkHttp sends them.
 */
final class StandIn implements AutoCloseable {

    static final String TOKEN = "bench-access-token-0001";

    private static final String TOKEN_PATH = "/v1.0/oauth2/accessToken";
    private static final String SEND_PATH = "/v1.0/robot/groupMessages/send";
    private static final int MAX_LINE = 8192;

    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLongArray arrival;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicLong sends = new AtomicLong();
    private final AtomicLong unique = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final String appKey;
    private final String appSecret;
    private volatile boolean closed;

    StandIn(int capacity, String appKey, String appSecret) throws IOException {
        this.arrival = new AtomicLongArray(capacity);
        this.appKey = appKey;
        this.appSecret = appSecret;
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "stand-in-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                connections.add(socket);
                Thread t = new Thread(() -> serve(socket), "stand-in-" + socket.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[stand-in] accept failed: " + e);
                }
            }
        }
    }

    /** One keep-alive connection: requests one after another until the client closes it. */
    private void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
             OutputStream out = socket.getOutputStream()) {
            StringBuilder line = new StringBuilder(256);
            while (true) {
                String requestLine = readLine(in, line);
                if (requestLine == null) {
                    return; // the client closed the connection
                }
                if (requestLine.isEmpty()) {
                    continue;
                }
                String token = null;
                long contentLength = -1;
                boolean chunked = false;
                boolean close = false;
                for (String header = readLine(in, line); header != null && !header.isEmpty();
                     header = readLine(in, line)) {
                    int colon = header.indexOf(':');
                    if (colon <= 0) {
                        continue;
                    }
                    String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = header.substring(colon + 1).trim();
                    switch (name) {
                        case "content-length" -> contentLength = Long.parseLong(value);
                        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                        case "x-acs-dingtalk-access-token" -> token = value;
                        case "connection" -> close = value.equalsIgnoreCase("close");
                        default -> {
                        }
                    }
                }
                byte[] body = chunked ? readChunked(in, line) : readFixed(in, Math.max(0, contentLength));
                String[] parts = requestLine.split(" ", 3);
                String path = parts.length > 1 ? parts[1] : "";
                int query = path.indexOf('?');
                if (query >= 0) {
                    path = path.substring(0, query);
                }
                String[] answer = parts[0].equals("POST") ? handle(path, token, body)
                        : new String[] {"405 Method Not Allowed", "{\"code\":\"methodNotAllowed\"}"};
                byte[] payload = answer[1].getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + answer[0] + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + payload.length + (close ? "\r\nConnection: close" : "") + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(payload);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (SocketException | EOFException e) {
            // the client went away mid-request (the bridge stopped): nothing to answer
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("[stand-in] connection failed: " + e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    /** {status line, JSON body} for a POST. */
    private String[] handle(String path, String token, byte[] raw) {
        long now = System.nanoTime();
        String body = new String(raw, StandardCharsets.UTF_8);
        if (path.equals(TOKEN_PATH)) {
            tokenRequests.incrementAndGet();
            if (!body.contains("\"" + appKey + "\"") || !body.contains("\"" + appSecret + "\"")) {
                badRequests.incrementAndGet();
                return new String[] {"400 Bad Request",
                        "{\"code\":\"invalidClientIdOrSecret\",\"message\":\"bad app key or secret\"}"};
            }
            return new String[] {"200 OK", "{\"accessToken\":\"" + TOKEN + "\",\"expireIn\":7200}"};
        }
        if (!path.equals(SEND_PATH)) {
            badRequests.incrementAndGet();
            return new String[] {"404 Not Found", "{\"code\":\"notFound\",\"message\":\"no such API\"}"};
        }
        if (!TOKEN.equals(token)) {
            badRequests.incrementAndGet();
            return new String[] {"400 Bad Request", "{\"code\":\"InvalidAuthentication\",\"message\":\"token invalid\"}"};
        }
        sends.incrementAndGet();
        int seq = LoadRun.seqOf(body);
        if (seq < 0 || seq >= arrival.length()) {
            badRequests.incrementAndGet();
        } else if (arrival.compareAndSet(seq, 0, now)) {
            unique.incrementAndGet();
        } else {
            duplicates.incrementAndGet();
        }
        return new String[] {"200 OK", "{\"processQueryKey\":\"pqk-" + seq + "\"}"};
    }

    /** A header line without its CRLF, or {@code null} at the end of the stream before any byte of it. */
    private static String readLine(InputStream in, StringBuilder line) throws IOException {
        line.setLength(0);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("header line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) c);
        }
        if (line.length() == 0) {
            return null;
        }
        throw new EOFException("connection closed inside a header line");
    }

    private static byte[] readFixed(InputStream in, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 16) {
            throw new IOException("body too large: " + length);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("connection closed inside a body");
        }
        return body;
    }

    private static byte[] readChunked(InputStream in, StringBuilder line) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            String size = readLine(in, line);
            if (size == null) {
                throw new EOFException("connection closed inside a chunked body");
            }
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
            if (n == 0) {
                for (String trailer = readLine(in, line); trailer != null && !trailer.isEmpty();
                     trailer = readLine(in, line)) {
                    // trailers are ignored
                }
                return body.toByteArray();
            }
            body.write(readFixed(in, n));
            readLine(in, line); // the CRLF after the chunk
        }
    }

    /** When message {@code seq} first arrived, or 0 when it has not. */
    long arrival(int seq) {
        return arrival.get(seq);
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    long sends() {
        return sends.get();
    }

    long unique() {
        return unique.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long badRequests() {
        return badRequests.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
