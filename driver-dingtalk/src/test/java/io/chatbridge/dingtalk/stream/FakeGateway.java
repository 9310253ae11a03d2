package io.chatbridge.dingtalk.stream;

import io.javalin.Javalin;
import io.javalin.http.ForbiddenResponse;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * A Stream gateway that misbehaves on demand, on loopback: the open call answers what the test sets, the upgrade
 * can be refused, and the test decides what goes over the socket.
 */
final class FakeGateway implements AutoCloseable {

    /** How the open call answers. */
    enum Open { TICKET, STATUS, GARBAGE, NEVER }

    private final Javalin app;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicInteger openCalls = new AtomicInteger();
    private final AtomicInteger upgrades = new AtomicInteger();
    private final List<String> openBodies = new CopyOnWriteArrayList<>();
    private final List<String> tickets = new CopyOnWriteArrayList<>();
    private final List<WsContext> sockets = new CopyOnWriteArrayList<>();
    private final List<String> replies = new CopyOnWriteArrayList<>();
    private volatile Open open = Open.TICKET;
    private volatile int status = 200;
    private volatile String answer = "";
    private volatile boolean refuseUpgrade;
    private volatile String ticket = "tick+et/with=specials";
    private volatile Consumer<WsConnectContext> onConnect = ctx -> { };
    private volatile URI endpointOverride;

    FakeGateway() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/gateway/connections/open", ctx -> {
                openCalls.incrementAndGet();
                openBodies.add(ctx.body());
                switch (open) {
                    case TICKET -> ctx.contentType("application/json").result("{\"endpoint\":\""
                            + (endpointOverride != null ? endpointOverride : "ws://127.0.0.1:" + ctx.port() + "/connect")
                            + "\",\"ticket\":\"" + ticket + "\"}");
                    case STATUS -> ctx.status(status).contentType("application/json").result(answer);
                    case GARBAGE -> ctx.status(200).contentType("text/html").result("<html>gateway</html>");
                    case NEVER -> stopping.await(20, TimeUnit.SECONDS);
                    default -> throw new IllegalStateException();
                }
            });
            config.routes.wsBeforeUpgrade("/connect", ctx -> {
                upgrades.incrementAndGet();
                tickets.add(ctx.queryParam("ticket"));
                if (refuseUpgrade) {
                    throw new ForbiddenResponse("upgrade refused");
                }
            });
            config.routes.ws("/connect", ws -> {
                ws.onConnect(ctx -> {
                    ctx.session.setIdleTimeout(Duration.ofMinutes(5));
                    sockets.add(ctx);
                    onConnect.accept(ctx);
                });
                ws.onMessage(ctx -> replies.add(ctx.message()));
                ws.onClose(ctx -> sockets.remove(ctx));
            });
        }).start("127.0.0.1", 0);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    void answerOpen(Open mode) {
        this.open = mode;
    }

    void answerOpen(int status, String body) {
        this.open = Open.STATUS;
        this.status = status;
        this.answer = body;
    }

    /** Makes the open call answer another WebSocket endpoint. */
    void endpoint(URI endpoint) {
        this.endpointOverride = endpoint;
    }

    void refuseUpgrade(boolean refuse) {
        this.refuseUpgrade = refuse;
    }

    void onConnect(Consumer<WsConnectContext> action) {
        this.onConnect = action;
    }

    int openCalls() {
        return openCalls.get();
    }

    int upgrades() {
        return upgrades.get();
    }

    List<String> openBodies() {
        return List.copyOf(openBodies);
    }

    /** The ticket query parameter of every upgrade, as the server decoded it. */
    List<String> tickets() {
        return List.copyOf(tickets);
    }

    List<String> replies() {
        return List.copyOf(replies);
    }

    int sockets() {
        return sockets.size();
    }

    void send(String text) {
        sockets.forEach(s -> s.send(text));
    }

    /** Sends the first fragment of a text frame, never the rest. */
    static void sendHalfAFrame(WsContext ctx, String text) {
        ctx.session.sendPartialText(text.substring(0, text.length() / 2), false, Callback.NOOP);
    }

    void awaitReplies(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (replies.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    void awaitSockets(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sockets.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        stopping.countDown();
        app.stop();
    }
}
