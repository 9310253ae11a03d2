package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsMessageContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's Stream-mode gateway (protocol §6), for bridges that receive with {@code receive_mode: "stream"}:
 * <ul>
 *   <li>{@code POST /v1.0/gateway/connections/open}: checks {@code clientId}/{@code clientSecret} against the
 *       sandbox's credentials (401 {@code authFailed} when they differ, like DingTalk) and answers
 *       {@code {"endpoint": "ws://…/connect", "ticket"}}, a ticket for one connection within 90 s;</li>
 *   <li>{@code ws://…/connect?ticket=…}: refuses the upgrade with 401 for an unknown or used ticket; pushes members'
 *       messages as CALLBACK frames to one open connection (chosen at random, like DingTalk), sends SYSTEM
 *       {@code ping} frames and checks their echo; a message that is not acknowledged before its connection closes
 *       is pushed again on another one, and one answered with an error code again 2 s later for 60 s, as DingTalk
 *       re-sends unacknowledged pushes;</li>
 *   <li>controls for the page and tests: {@link #disconnect(Duration)} (SYSTEM {@code disconnect}, then the server
 *       closes the socket after a grace period, 10 s like DingTalk by default) and {@link #drop()} (the socket is cut
 *       without a close frame).</li>
 * </ul>
 */
public final class StreamGateway {

    public static final String OPEN_PATH = "/v1.0/gateway/connections/open";
    public static final String CONNECT_PATH = "/connect";
    public static final String BOT_TOPIC = "/v1.0/im/bot/messages/get";
    public static final Duration DISCONNECT_GRACE = Duration.ofSeconds(10);
    static final Duration TICKET_LIFETIME = Duration.ofSeconds(90);
    /** How long a push the bridge answered with an error is pushed again (DingTalk re-sends for about 60 s). */
    static final Duration REDELIVERY_WINDOW = Duration.ofSeconds(60);
    static final Duration REDELIVERY_WAIT = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(StreamGateway.class);

    private final SandboxSettings settings;
    private final Clock clock;
    private final ObjectMapper json;
    private final Supplier<String> baseUrl;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    private final Map<WsContext, Link> links = new ConcurrentHashMap<>();
    private final Deque<Push> waiting = new ArrayDeque<>();
    private final AtomicInteger openCalls = new AtomicInteger();
    private final AtomicInteger connectionNumbers = new AtomicInteger();
    private final AtomicInteger pingsEchoed = new AtomicInteger();
    private final List<String> replies = new CopyOnWriteArrayList<>();
    private final List<String> pushedIds = new CopyOnWriteArrayList<>();
    private final List<Integer> closeStatuses = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "dingtalk-sandbox-stream");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Duration pingInterval = Duration.ofSeconds(20);

    /** @param baseUrl the sandbox's {@code http://host:port}, once it listens */
    StreamGateway(SandboxSettings settings, Clock clock, ObjectMapper json, Supplier<String> baseUrl) {
        this.settings = settings;
        this.clock = clock;
        this.json = json;
        this.baseUrl = baseUrl;
        timer.scheduleWithFixedDelay(this::pingAll, 1, 1, TimeUnit.SECONDS);
    }

    void routes(RoutesConfig routes) {
        routes.post(OPEN_PATH, this::open);
        routes.wsBeforeUpgrade(CONNECT_PATH, this::beforeUpgrade);
        routes.ws(CONNECT_PATH, ws -> {
            ws.onConnect(this::connected);
            ws.onMessage(this::message);
            ws.onClose(this::closed);
            ws.onError(ctx -> LOG.debug("stream connection error: {}", String.valueOf(ctx.error())));
        });
    }

    void close() {
        timer.shutdownNow();
    }

    // ---- the open call and the upgrade ----

    private void open(Context ctx) {
        openCalls.incrementAndGet();
        JsonNode body;
        try {
            body = json.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            error(ctx, 400, "invalidParameter", "the request body must be a JSON object");
            return;
        }
        String clientId = body.path("clientId").asText("");
        String clientSecret = body.path("clientSecret").asText("");
        boolean idOk = settings.appKey() == null ? !clientId.isEmpty() : settings.appKey().equals(clientId);
        boolean secretOk = settings.appSecret() == null ? !clientSecret.isEmpty()
                : settings.appSecret().equals(clientSecret);
        if (!idOk || !secretOk) {
            // DingTalk's answer to wrong credentials, as users report it: 401 {"code":"authFailed","message":"鉴权失败"}
            error(ctx, 401, "authFailed", "鉴权失败 (clientId or clientSecret is invalid)");
            return;
        }
        boolean bot = false;
        for (JsonNode subscription : body.path("subscriptions")) {
            bot |= "CALLBACK".equals(subscription.path("type").asText())
                    && BOT_TOPIC.equals(subscription.path("topic").asText());
        }
        String ticket = randomId();
        tickets.put(ticket, new Ticket(clock.millis() + TICKET_LIFETIME.toMillis(), bot));
        String endpoint = baseUrl.get().replaceFirst("^http", "ws") + CONNECT_PATH;
        ctx.contentType("application/json")
                .result(json.createObjectNode().put("endpoint", endpoint).put("ticket", ticket).toString());
    }

    private void beforeUpgrade(Context ctx) {
        Ticket ticket = tickets.get(String.valueOf(ctx.queryParam("ticket")));
        if (ticket == null || ticket.expiresAt() <= clock.millis()) {
            throw new UnauthorizedResponse("unknown, used or expired ticket");
        }
    }

    private void connected(WsConnectContext ctx) {
        Ticket ticket = tickets.remove(String.valueOf(ctx.queryParam("ticket")));
        if (ticket == null) {
            ctx.closeSession(4001, "ticket already used");
            return;
        }
        ctx.session.setIdleTimeout(Duration.ofMinutes(10));
        Link link = new Link(connectionNumbers.incrementAndGet(), ctx, clock.millis(), ticket.bot());
        links.put(ctx, link);
        LOG.info("sandbox stream: bridge connected (connection {})", link.number);
        dispatch();
    }

    private void closed(WsCloseContext ctx) {
        Link link = links.remove(ctx);
        if (link == null) {
            return;
        }
        closeStatuses.add(ctx.status());
        List<Push> unacknowledged;
        synchronized (this) {
            link.open = false;
            unacknowledged = new ArrayList<>(link.pending.values());
            link.pending.clear();
            // DingTalk pushes what was not acknowledged again; first in line, in their order
            for (int i = unacknowledged.size() - 1; i >= 0; i--) {
                waiting.addFirst(unacknowledged.get(i));
            }
        }
        LOG.info("sandbox stream: connection {} closed ({}{}){}", link.number, ctx.status(),
                ctx.reason() == null || ctx.reason().isBlank() ? "" : " " + ctx.reason(), unacknowledged.isEmpty() ? ""
                        : "; pushing " + unacknowledged.size() + " unacknowledged message(s) again");
        dispatch();
    }

    // ---- frames ----

    /**
     * Pushes a robot message (the callback body) as a CALLBACK frame to one open connection, or once one opens.
     * Completes when the bridge answered: delivered for code 200, failed with the code otherwise.
     */
    CompletableFuture<SandboxMessage.Delivery> push(ObjectNode body) {
        String messageId = UUID.randomUUID().toString();
        ObjectNode frame = json.createObjectNode();
        frame.put("specVersion", "1.0");
        frame.put("type", "CALLBACK");
        ObjectNode headers = frame.putObject("headers");
        headers.put("appId", settings.appKey() == null ? "sandbox-app" : settings.appKey());
        headers.put("contentType", "application/json");
        headers.put("messageId", messageId);
        headers.put("time", Long.toString(clock.millis()));
        headers.put("topic", BOT_TOPIC);
        frame.put("data", body.toString());
        Push push = new Push(messageId, frame.toString(), new CompletableFuture<>(), clock.millis());
        pushedIds.add(messageId);
        synchronized (this) {
            waiting.addLast(push);
        }
        dispatch();
        return push.done;
    }

    private void dispatch() {
        List<Runnable> sends = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty()) {
                List<Link> candidates = links.values().stream().filter(l -> l.open && !l.draining && l.bot).toList();
                if (candidates.isEmpty()) {
                    break;
                }
                Link link = candidates.get(random.nextInt(candidates.size()));
                Push push = waiting.pollFirst();
                link.pending.put(push.messageId, push);
                sends.add(() -> link.send(push.frame));
            }
        }
        sends.forEach(Runnable::run);
    }

    private void message(WsMessageContext ctx) {
        String text = ctx.message();
        replies.add(text);
        Link link = links.get(ctx);
        JsonNode reply;
        try {
            reply = json.readTree(text);
        } catch (JsonProcessingException e) {
            reply = null;
        }
        if (link == null || reply == null || !reply.isObject()) {
            LOG.warn("sandbox stream: the bridge sent a frame that is not a JSON reply");
            return;
        }
        String messageId = reply.path("headers").path("messageId").asText("");
        int code = reply.path("code").asInt(0);
        Push push = link.pending.remove(messageId);
        if (push != null) {
            if (code == 200) {
                push.done.complete(new SandboxMessage.Delivery(SandboxMessage.Delivery.State.DELIVERED,
                        "acknowledged over Stream (code 200)"));
            } else if (clock.millis() - push.firstPushed < REDELIVERY_WINDOW.toMillis()) {
                // not acknowledged: pushed again shortly, like DingTalk does with unacknowledged pushes
                LOG.info("sandbox stream: the bridge answered code {} to {}; pushing it again in {} s", code,
                        messageId, REDELIVERY_WAIT.toSeconds());
                timer.schedule(() -> {
                    synchronized (this) {
                        waiting.addLast(push);
                    }
                    dispatch();
                }, REDELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                push.done.complete(new SandboxMessage.Delivery(SandboxMessage.Delivery.State.FAILED,
                        "bridge answered code " + code + ": " + reply.path("message").asText("") + " (gave up after "
                                + REDELIVERY_WINDOW.toSeconds() + " s)"));
            }
            return;
        }
        String pingData = link.pings.remove(messageId);
        if (pingData != null) {
            if (code == 200 && pingData.equals(reply.path("data").asText())) {
                pingsEchoed.incrementAndGet();
            } else {
                LOG.warn("sandbox stream: the bridge answered ping {} without echoing its data", messageId);
            }
        }
    }

    private void pingAll() {
        long now = clock.millis();
        for (Link link : links.values()) {
            if (link.open && now - link.lastPing >= pingInterval.toMillis()) {
                ping(link);
            }
        }
    }

    private void ping(Link link) {
        link.lastPing = clock.millis();
        String messageId = UUID.randomUUID().toString();
        String data = json.createObjectNode().put("opaque", randomId()).toString();
        link.pings.put(messageId, data);
        link.send(system("ping", messageId, data));
    }

    private String system(String topic, String messageId, String data) {
        ObjectNode frame = json.createObjectNode();
        frame.put("specVersion", "1.0");
        frame.put("type", "SYSTEM");
        ObjectNode headers = frame.putObject("headers");
        headers.put("contentType", "application/json");
        headers.put("messageId", messageId);
        headers.put("time", Long.toString(clock.millis()));
        headers.put("topic", topic);
        frame.put("data", data);
        return frame.toString();
    }

    // ---- controls ----

    /**
     * Sends SYSTEM {@code disconnect} on every connection and closes each {@code grace} later; messages typed in
     * between go to the bridge's new connection (or wait for it).
     *
     * @return how many connections were told
     */
    public int disconnect(Duration grace) {
        int told = 0;
        for (Link link : links.values()) {
            if (!link.open || link.draining) {
                continue;
            }
            link.draining = true;
            told++;
            link.send(system("disconnect", UUID.randomUUID().toString(),
                    json.createObjectNode().put("reason", "sandbox: disconnect requested").toString()));
            timer.schedule(() -> link.ctx.closeSession(1000, "disconnect"), grace.toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("sandbox stream: told {} connection(s) to disconnect, closing them in {} s", told,
                grace.toSeconds());
        return told;
    }

    /** Cuts every connection without a close frame, as a network failure would. @return how many */
    public int drop() {
        int dropped = 0;
        for (Link link : links.values()) {
            dropped++;
            link.ctx.session.disconnect();
        }
        LOG.info("sandbox stream: dropped {} connection(s)", dropped);
        return dropped;
    }

    /** Sends a SYSTEM ping on every connection now. */
    public void pingNow() {
        links.values().forEach(this::ping);
    }

    /** Sends {@code text} as it is on every connection (tests: malformed or unusual frames). */
    public void sendRaw(String text) {
        links.values().forEach(link -> link.send(text));
    }

    /** How often SYSTEM pings go out (20 s by default). */
    public void pingInterval(Duration interval) {
        this.pingInterval = interval;
    }

    /** Open calls so far, accepted or not. */
    public int openCalls() {
        return openCalls.get();
    }

    /** Connections open now, including ones told to disconnect. */
    public int connections() {
        return (int) links.values().stream().filter(l -> l.open).count();
    }

    /** Connections opened since the start. */
    public int connectionsOpened() {
        return connectionNumbers.get();
    }

    /** Pings answered with their data echoed. */
    public int pingsEchoed() {
        return pingsEchoed.get();
    }

    /** The {@code messageId} of every CALLBACK frame pushed (each once, however often it was re-sent). */
    public List<String> pushedMessageIds() {
        return List.copyOf(pushedIds);
    }

    /** The WebSocket close status of every connection that ended, in order (1000: closed cleanly). */
    public List<Integer> closeStatuses() {
        return List.copyOf(closeStatuses);
    }

    /** Every text frame the bridge sent, in order. */
    public List<String> replies() {
        return List.copyOf(replies);
    }

    /** Waits until {@code n} connections have been opened since the start and one is open. */
    public void awaitConnectionsOpened(int n, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (connectionsOpened() < n || connections() == 0) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("expected " + n + " stream connection(s), saw " + connectionsOpened());
            }
            Thread.sleep(10);
        }
    }

    /** The page's view: whether the bridge is connected and since when. */
    ObjectNode state() {
        ObjectNode state = json.createObjectNode();
        long since = links.values().stream().filter(l -> l.open && !l.draining).mapToLong(l -> l.since).min()
                .orElse(0);
        state.put("connections", connections());
        state.put("connected", since > 0);
        if (since > 0) {
            state.put("connectedSince", since);
        }
        synchronized (this) {
            state.put("waiting", waiting.size());
        }
        return state;
    }

    private void error(Context ctx, int status, String code, String message) {
        ctx.status(status).contentType("application/json").result(json.createObjectNode().put("code", code)
                .put("message", message).put("requestid", UUID.randomUUID().toString()).toString());
    }

    private String randomId() {
        byte[] buffer = new byte[24];
        random.nextBytes(buffer);
        // a ticket with + and / in it, so clients that forget to URL-encode it fail here and not only in production
        return Base64.getEncoder().encodeToString(buffer);
    }

    private record Ticket(long expiresAt, boolean bot) {}

    private record Push(String messageId, String frame, CompletableFuture<SandboxMessage.Delivery> done,
                        long firstPushed) {}

    private static final class Link {
        final int number;
        final WsContext ctx;
        final long since;
        final boolean bot;
        final Map<String, Push> pending = new ConcurrentHashMap<>();
        final Map<String, String> pings = new ConcurrentHashMap<>();
        volatile boolean open = true;
        volatile boolean draining;
        volatile long lastPing;

        Link(int number, WsContext ctx, long since, boolean bot) {
            this.number = number;
            this.ctx = ctx;
            this.since = since;
            this.bot = bot;
            this.lastPing = since;
        }

        synchronized void send(String text) {
            if (open && ctx.session.isOpen()) {
                ctx.send(text);
            }
        }
    }
}
