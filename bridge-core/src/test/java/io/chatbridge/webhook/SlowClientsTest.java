package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.http.HttpServers;
import io.chatbridge.spi.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that send their body slowly, or never, cannot take a port down: credentials are checked before the body
 * is read, an oversized declared body is refused at once, a body has a total time limit, and a legitimate client
 * is served while hundreds of slow connections are open. Raw sockets, so the test controls every byte.
 */
class SlowClientsTest {

    private IngressFixture ingress;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        ingress = new IngressFixture(BridgeServedContext::new); // the bridge's servers, not the kit's
    }

    @AfterEach
    void stop() {
        drip.shutdownNow();
        sockets.forEach(SlowClientsTest::close);
        ingress.close();
    }

    private Socket open(int port, String headers) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(15_000);
        sockets.add(socket);
        socket.getOutputStream().write(headers.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String head(String path, long contentLength, String authorization) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    /** The status line's code of the answer, read without sending more of the body. */
    private static int status(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        String[] parts = line.toString().trim().split(" ");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    }

    private int port() {
        return ingress.context.url(0, "/").getPort();
    }

    @Test
    void aRequestWithoutTokenIsAnswered401BeforeItsBodyIsSent() throws Exception {
        Socket socket = open(port(), head(IngressFixture.PATH, 100_000, null));

        assertThat(status(socket)).isEqualTo(401);
        Socket wrong = open(port(), head(IngressFixture.PATH, 100_000, "Bearer wrong-token-0123456789"));
        assertThat(status(wrong)).isEqualTo(401);
    }

    @Test
    void aDeclaredBodyOverTheLimitIsAnswered413BeforeItIsSent() throws Exception {
        Socket socket = open(port(), head(IngressFixture.PATH, 100L * 1024 * 1024, "Bearer " + IngressFixture.TOKEN));

        assertThat(status(socket)).isEqualTo(413);
    }

    @Test
    void aBodyNotCompleteWithinTheTotalTimeIsAnswered408EvenWhenBytesKeepComing() throws Exception {
        HttpServers servers = new HttpServers("127.0.0.1", Duration.ofMillis(600));
        servers.routes(0).post("/slow", request -> HttpResponse.empty(204));
        servers.start();
        try {
            Socket socket = open(servers.boundPort(0), head("/slow", 100, null));
            // one byte every 100 ms: never idle, yet the whole body would take 10 s
            drip.scheduleAtFixedRate(() -> write(socket, "x"), 0, 100, TimeUnit.MILLISECONDS);

            long begin = System.nanoTime();
            assertThat(status(socket)).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        } finally {
            drip.shutdownNow();
            sockets.forEach(SlowClientsTest::close);
            servers.stop();
        }
    }

    @Test
    void aLegitimateClientIsServedWhileHundredsOfSlowBodiesAreOpen() throws Exception {
        int port = port();
        // the legitimate client's first request (class loading, connection set-up) before the flood
        assertThat(ingress.post("application/json", "{\"text\": \"warm-up\"}").statusCode()).isEqualTo(202);
        // half without credentials (answered at once, their rest dropped), half with the token, dripping bodies
        for (int i = 0; i < Integer.getInteger("slowClients", 200); i++) {
            open(port, head(IngressFixture.PATH, 100_000, null));
            open(port, head(IngressFixture.PATH, 100_000, "Bearer " + IngressFixture.TOKEN));
        }
        drip.scheduleAtFixedRate(() -> sockets.forEach(s -> write(s, " ")), 0, 500, TimeUnit.MILLISECONDS);

        List<Long> millis = new ArrayList<>();
        List<Integer> statuses = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        int n = 0;
        while (System.nanoTime() < until || n < 20) {
            long begin = System.nanoTime();
            CompletableFuture<java.net.http.HttpResponse<String>> answer = ingress.postAsync(
                    "{\"text\": \"legit " + n++ + "\"}", "Content-Type", "application/json",
                    "Authorization", "Bearer " + IngressFixture.TOKEN);
            statuses.add(answer.get(10, TimeUnit.SECONDS).statusCode());
            millis.add((System.nanoTime() - begin) / 1_000_000);
        }

        System.err.println("legitimate requests: " + millis.size() + ", latencies (ms) sorted: "
                + millis.stream().sorted().toList());
        assertThat(statuses).as("latencies (ms) " + millis).isNotEmpty().allMatch(s -> s == 202);
        assertThat(ingress.context.published()).hasSize(statuses.size() + 1);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // the server closed it (answered, timed out): expected for slow clients
        }
    }

}
