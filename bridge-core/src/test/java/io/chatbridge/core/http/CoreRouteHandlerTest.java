package io.chatbridge.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.HttpRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The common POST to a route is served by {@link CoreRouteHandler} in front of the servlet layer, and answers
 * exactly as the servlet path does; everything it does not serve reaches the servlet path untouched. Raw sockets,
 * so the test sees every byte of each answer.
 */
class CoreRouteHandlerTest {

    private final List<HttpServers> started = new ArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger guardCalls = new AtomicInteger();
    private final List<StackTraceElement[]> handlerStacks = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        started.forEach(HttpServers::stop);
    }

    /** A server with the test's routes; {@code coreRoutes} false serves everything through Javalin. */
    private int start(boolean coreRoutes, Duration bodyTimeout) {
        HttpServers servers = new HttpServers("127.0.0.1", bodyTimeout, coreRoutes);
        HttpRoutes routes = servers.routes(0, "test");
        routes.routeAsync("POST", "/echo", request -> {
            handlerStacks.add(Thread.currentThread().getStackTrace());
            return CompletableFuture.completedFuture(HttpResponse.json(200, describe(request)));
        });
        routes.routeAsync("POST", "/items/{id}/send", request -> CompletableFuture.supplyAsync(
                () -> HttpResponse.json(202, describe(request))));
        routes.route("POST", "/fail", request -> {
            throw new IllegalStateException("boom at line 3");
        });
        routes.routeAsync("POST", "/unavailable", request -> CompletableFuture.failedFuture(
                new BridgeUnavailableException("commit failed (test)", null)));
        routes.route("POST", "/headers", request -> new HttpResponse(201, "text/plain; charset=utf-8",
                "made".getBytes(StandardCharsets.UTF_8), Map.of("Location", "/items/7", "X-Trace", "t1")));
        routes.route("PUT", "/guarded", request -> {
            guardCalls.incrementAndGet();
            return "let-me-in".equals(request.header("authorization")) ? null : HttpResponse.error(401, "no token");
        }, request -> HttpResponse.json(200, describe(request)));
        servers.start();
        servers.markReady();
        started.add(servers);
        return servers.boundPort(0);
    }

    /** What a handler saw of its request, as JSON-ish text both paths must agree on. */
    private static String describe(HttpRequest request) {
        Map<String, List<String>> headers = new TreeMap<>(request.headers());
        headers.remove("host");
        return "{\"method\":\"" + request.method() + "\",\"path\":\"" + request.path() + "\",\"headers\":\""
                + headers + "\",\"query\":\"" + new TreeMap<>(request.query()) + "\",\"peer\":\""
                + request.remoteAddress() + "\",\"body\":\"" + request.bodyText().replace("\"", "'") + "\"}";
    }

    private Socket send(int port, String raw) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        sockets.add(socket);
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String post(String method, String target, String extraHeaders, String body) {
        return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + extraHeaders + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n"
                + body;
    }

    /**
     * The status line, the headers (sorted, lower-case names, without Date, a content type's parameters without
     * spaces) and the body of one answer.
     */
    private static String answer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String l = line.toString().trim();
                if (l.isEmpty()) {
                    break;
                }
                lines.add(l);
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        int length = 0;
        List<String> headers = new ArrayList<>();
        for (String header : lines.subList(1, lines.size())) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Integer.parseInt(value);
            }
            if (name.equals("content-type")) {
                value = value.replace("; ", ";"); // the servlet layer drops the space; the core path keeps the driver's
            }
            if (!name.equals("date")) {
                headers.add(name + ": " + value);
            }
        }
        headers.sort(null);
        byte[] body = in.readNBytes(length);
        return lines.get(0) + "\n" + String.join("\n", headers) + "\n\n" + new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void aPostWithItsBodyIsServedWithoutTheServletLayerOrJavalin() throws Exception {
        int port = start(true, HttpServers.BODY_TIMEOUT);

        String answer = answer(send(port, post("POST", "/echo", "", "{\"text\":\"hi\"}")));

        assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("\"body\":\"{'text':'hi'}\"");
        assertThat(handlerStacks).hasSize(1);
        assertThat(Arrays.stream(handlerStacks.get(0)).map(StackTraceElement::getClassName))
                .anyMatch(name -> name.equals(CoreRouteHandler.class.getName()))
                .noneMatch(name -> name.startsWith("io.javalin.") || name.startsWith("org.eclipse.jetty.ee10."));
    }

    @Test
    void everyKindOfRequestIsAnsweredAsTheServletPathAnswersIt() throws Exception {
        int core = start(true, HttpServers.BODY_TIMEOUT);
        int servlet = start(false, HttpServers.BODY_TIMEOUT);
        String longBody = "{\"text\":\"" + "x".repeat(40_000) + "\"}";
        List<String> requests = List.of(
                post("POST", "/echo", "", "{\"text\":\"hi\"}"),
                post("POST", "/echo/", "X-Multi: a\r\nX-Multi: b\r\nX-Empty:\r\n", "{}"),
                post("POST", "/echo", "", longBody),
                post("POST", "/echo?token=a%20b&token=c&flag", "", "{}"),
                post("POST", "/items/abc/send", "", "{\"n\":1}"),
                post("POST", "/items//send", "", "{}"),
                post("POST", "/items/%61bc/send", "", "{}"),
                post("POST", "/echo/../echo", "", "{}"),
                post("POST", "/nope", "", "{}"),
                post("PUT", "/echo", "", "{}"),
                "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                post("POST", "/fail", "", "{}"),
                post("POST", "/unavailable", "", "{}"),
                post("POST", "/headers", "", "{}"),
                post("PUT", "/guarded", "Authorization: let-me-in\r\n", "{\"ok\":true}"),
                post("PUT", "/guarded", "Authorization: wrong\r\n", "{\"ok\":true}"),
                "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (HttpServers.MAX_BODY_BYTES + 1)
                        + "\r\n\r\n");

        for (String request : requests) {
            String viaCore = answer(send(core, request));
            String viaServlet = answer(send(servlet, request));
            assertThat(viaCore).as(request.lines().findFirst().orElseThrow()).isEqualTo(viaServlet);
        }
        assertThat(guardCalls).hasValue(4); // once per guarded request on each server, never twice
    }

    @Test
    void aGuardsRefusalIsAnsweredBeforeTheBodyIsSentAndTheConnectionCloses() throws Exception {
        int port = start(true, HttpServers.BODY_TIMEOUT);
        Socket socket = send(port, "PUT /guarded HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n");

        String answer = answer(socket);

        assertThat(answer).startsWith("HTTP/1.1 401").contains("connection: close").endsWith("{\"error\":\"no token\"}");
        assertThat(guardCalls).hasValue(1);
    }

    @Test
    void aBodyArrivingInPiecesIsHandedToTheHandlerWhole() throws Exception {
        int port = start(true, HttpServers.BODY_TIMEOUT);
        // larger than the buffer a request starts with, so that it grows while pieces arrive
        String body = "{\"text\":\"" + "y".repeat(50_000) + "\"}";
        Socket socket = send(port, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body.substring(0, 10));
        for (int from = 10; from < body.length(); from += 7000) {
            Thread.sleep(50);
            socket.getOutputStream().write(body.substring(from, Math.min(body.length(), from + 7000))
                    .getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        }

        assertThat(answer(socket)).startsWith("HTTP/1.1 200").endsWith("\"body\":\"" + body.replace("\"", "'")
                + "\"}");
        assertThat(handlerStacks).hasSize(1);
    }

    @Test
    void aBodyNotCompleteWithinTheTimeIsAnswered408AndTheConnectionCloses() throws Exception {
        int port = start(true, Duration.ofSeconds(1));
        Socket socket = send(port, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"te");

        String answer = answer(socket);

        assertThat(answer).startsWith("HTTP/1.1 408").contains("connection: close")
                .endsWith("{\"error\":\"request body not received within 1 s\"}");
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        assertThat(handlerStacks).isEmpty();
    }

    @Test
    void aClientGoneMidBodyLeavesNoHandlerCallAndTheServerServesTheNext() throws Exception {
        int port = start(true, HttpServers.BODY_TIMEOUT);
        Socket gone = send(port, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"te");
        Thread.sleep(100);
        gone.close();

        assertThat(answer(send(port, post("POST", "/echo", "", "{}")))).startsWith("HTTP/1.1 200");
        assertThat(handlerStacks).hasSize(1);
    }

    @Test
    void whileStoppingAPostIsAnswered503() throws Exception {
        HttpServers servers = new HttpServers("127.0.0.1");
        servers.routes(0).post("/echo", request -> HttpResponse.json(200, "{}"));
        servers.start();
        started.add(servers);
        servers.markReady();
        servers.stopAccepting();

        assertThat(answer(send(servers.boundPort(0), post("POST", "/echo", "", "{}"))))
                .startsWith("HTTP/1.1 503").endsWith("{\"error\":\"shutting down\"}");
    }

    @Test
    void twoAnswersOnOneKeptAliveConnectionBothArrive() throws Exception {
        int port = start(true, HttpServers.BODY_TIMEOUT);
        Socket socket = send(port, post("POST", "/echo", "", "{\"n\":1}") + post("POST", "/echo", "", "{\"n\":2}"));

        assertThat(answer(socket)).contains("{'n':1}");
        assertThat(answer(socket)).contains("{'n':2}");
    }
}
