package io.chatbridge.dingtalk.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A send on a keep-alive connection that the server closed while it was idle (a load balancer or proxy closing idle
 * connections sooner than the SDK drops them) arrives whole on a new connection. The SDK's request body is a one-use
 * stream: an HTTP client that sends on the dead connection and then retries by itself sends an empty body, which
 * DingTalk refuses, and the message would be lost (this is what OkHttp 4 does under the SDK; see the root pom).
 */
class RobotApiStaleConnectionTest {

    /** The stand-in closes a connection idle for this long (DingTalk's own is longer; proxies' often shorter). */
    private static final int SERVER_IDLE_CLOSE_MS = 300;

    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSendAfterTheServerClosedTheIdleConnectionArrivesWholeOnANewOne() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "stand-in");
        acceptor.setDaemon(true);
        acceptor.start();
        RobotApi api = new RobotApi(URI.create("http://127.0.0.1:" + server.getLocalPort()), "key", "secret",
                "dingrobot");

        assertThat(api.groupSend("token", "cidA", AppRobotMessage.image("https://img.example/1.png")))
                .isEqualTo("pqk-1");
        Thread.sleep(SERVER_IDLE_CLOSE_MS * 3L); // the server has closed the pooled connection meanwhile
        assertThat(api.groupSend("token", "cidA", AppRobotMessage.image("https://img.example/2.png")))
                .isEqualTo("pqk-2");

        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(0)).contains("\"openConversationId\":\"cidA\"", "1.png");
        assertThat(bodies.get(1)).contains("\"openConversationId\":\"cidA\"", "2.png");
        assertThat(connections.get()).isEqualTo(2);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(socket), "stand-in-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Keep-alive HTTP/1.1: answers requests until the connection has been idle for a moment, then closes it. */
    private void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream());
             OutputStream out = socket.getOutputStream()) {
            socket.setSoTimeout(SERVER_IDLE_CLOSE_MS);
            while (true) {
                String requestLine;
                try {
                    requestLine = line(in);
                } catch (SocketTimeoutException idle) {
                    return; // idle too long: closed, as a keep-alive timeout does
                }
                if (requestLine == null) {
                    return;
                }
                socket.setSoTimeout(5_000);
                int length = -1;
                boolean chunked = false;
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    String h = header.toLowerCase(Locale.ROOT);
                    if (h.startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                        chunked = true;
                    }
                }
                String body = chunked ? chunkedBody(in) : new String(in.readNBytes(Math.max(0, length)),
                        StandardCharsets.UTF_8);
                String answer;
                int status;
                if (requestLine.contains("/v1.0/robot/groupMessages/send") && body.contains("robotCode")) {
                    bodies.add(body);
                    status = 200;
                    answer = "{\"processQueryKey\":\"pqk-" + bodies.size() + "\"}";
                } else {
                    status = 400;
                    answer = "{\"code\":\"MissingrobotCode\",\"message\":\"robotCode is mandatory\"}";
                }
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Bad Request")
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                        + "\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.flush();
                socket.setSoTimeout(SERVER_IDLE_CLOSE_MS);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String chunkedBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int n = size == null ? 0 : Integer.parseInt(size.trim().split(";")[0], 16);
            if (n == 0) {
                line(in); // the empty line after the last chunk
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(n));
            line(in);
        }
    }

    /** One CRLF-terminated line, or {@code null} at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = s.length();
                return end > 0 && s.charAt(end - 1) == '\r' ? s.substring(0, end - 1) : s.toString();
            }
            s.append((char) c);
        }
        return s.length() == 0 ? null : s.toString();
    }
}
