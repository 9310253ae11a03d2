package io.chatbridge.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PublishResult;
import io.chatbridge.spi.SendResult;
import io.chatbridge.spi.Sender;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test platform "memory": receives JSON {@code {"channel": {...}, "user": "...", "text": "...", "id": "..."}} on
 * {@code POST /memory/<instance>} when {@code listen_port} is set, and records what it is asked to send.
 * {@code fail_first: N} with {@code fail_mode: retryable|permanent} makes the first N sends fail.
 */
public final class MemoryDriverFactory implements DriverFactory {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, List<OutboundMessage>> SENT = new ConcurrentHashMap<>();
    private static final Map<String, DriverContext> CONTEXTS = new ConcurrentHashMap<>();
    private static final java.util.Set<String> STOPPED = ConcurrentHashMap.newKeySet();

    /** Whether the bridge stopped instance {@code instanceId} (since the last {@link #reset}). */
    public static boolean stopped(String instanceId) {
        return STOPPED.contains(instanceId);
    }

    /** The context the bridge started instance {@code instanceId} with, or {@code null}. */
    public static DriverContext context(String instanceId) {
        return CONTEXTS.get(instanceId);
    }

    /** Messages sent to {@code instanceId} so far. */
    public static List<OutboundMessage> sent(String instanceId) {
        return SENT.computeIfAbsent(instanceId, k -> new CopyOnWriteArrayList<>());
    }

    /** Forgets every recorded send. */
    public static void reset() {
        SENT.clear();
        CONTEXTS.clear();
        STOPPED.clear();
    }

    @Override
    public String platform() {
        return "memory";
    }

    @Override
    public Driver create(DriverConfig config) {
        ConfigNode s = config.settings();
        s.warnUnknownKeys(Set.of("listen_port", "fail_first", "fail_mode", "api_key"));
        int port = s.integer("listen_port", -1, 0, 65535);
        int failFirst = s.integer("fail_first", 0, 0, 1000);
        String mode = s.string("fail_mode", "retryable");
        if (!mode.equals("retryable") && !mode.equals("permanent")) {
            s.get("fail_mode").problem("expected \"retryable\" or \"permanent\"");
        }
        s.string("api_key", null);
        return new MemoryDriver(config.instanceId(), port, failFirst, mode);
    }

    private static final class MemoryDriver implements Driver {
        private final String id;
        private final int port;
        private final AtomicInteger failuresLeft;
        private final String mode;

        MemoryDriver(String id, int port, int failFirst, String mode) {
            this.id = id;
            this.port = port;
            this.failuresLeft = new AtomicInteger(failFirst);
            this.mode = mode;
        }

        @Override
        public List<io.chatbridge.spi.PortClaim> portClaims() {
            // port 0 (tests) claims nothing: a random port cannot collide, and validate refuses 0 outside tests
            return port <= 0 ? List.of()
                    : List.of(io.chatbridge.spi.PortClaim.route(port, "listen_port", "POST", "/memory/" + id, "listen_port"));
        }

        @Override
        public void start(DriverContext context) {
            CONTEXTS.put(id, context);
            if (port < 0) {
                return;
            }
            context.http(port).post("/memory/" + id, request -> {
                JsonNode body;
                try {
                    body = JSON.readTree(request.body());
                } catch (java.io.IOException e) {
                    return HttpResponse.error(400, "malformed JSON");
                }
                InboundMessage.Builder b = InboundMessage.builder()
                        .text(body.path("text").asText(""))
                        .sender(Sender.of(body.path("user_id").asText(null), body.path("user").asText(null)))
                        .id(body.hasNonNull("id") ? body.get("id").asText() : null);
                body.path("channel").properties().forEach(e -> b.channel(e.getKey(), e.getValue().asText()));
                PublishResult result = context.publish(b.build());
                return HttpResponse.json(202, "{\"status\":\"" + result.status() + "\"}");
            });
        }

        @Override
        public SendResult send(OutboundMessage message) throws DeliveryException {
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw mode.equals("permanent")
                        ? DeliveryException.permanent(DeliveryException.Reason.BAD_REQUEST, "memory target refuses")
                        : DeliveryException.retryable(DeliveryException.Reason.SERVER_ERROR, "memory target down");
            }
            sent(id).add(message);
            return new SendResult(id + "-" + sent(id).size());
        }

        @Override
        public void stop() {
            STOPPED.add(id);
        }
    }
}
