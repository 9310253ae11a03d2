package io.chatbridge.dingtalk.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.HttpHandler;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import io.chatbridge.spi.RequestGuard;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives HTTP-mode callbacks: verifies the signature (when a signing secret is configured), normalises text
 * messages and publishes them. Answers as soon as the bridge has recorded the message; never calls DingTalk.
 */
public final class CallbackHandler implements HttpHandler, RequestGuard {

    private static final Logger LOG = LoggerFactory.getLogger(CallbackHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DriverContext context;
    private final CallbackSignature signature;

    /**
     * @param signature the verifier, or {@code null} to accept unsigned callbacks
     */
    public CallbackHandler(DriverContext context, CallbackSignature signature) {
        this.context = context;
        this.signature = signature;
    }

    /**
     * The signature headers ({@code timestamp}, {@code sign}) sign no body byte, so they are checked before the
     * body is read: an unsigned caller is answered 403 at once and cannot hold the connection with a slow body.
     */
    @Override
    public HttpResponse check(HttpRequest head) {
        if (signature != null) {
            String reason = signature.check(head.header("timestamp"), head.header("sign"));
            if (reason != null) {
                LOG.warn("[{}] rejected callback from {}: {}", context.instanceId(), head.remoteAddress(), reason);
                return HttpResponse.error(403, reason);
            }
        }
        return null;
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        HttpResponse refused = check(request); // again: harmless, and right on a server that ignores guards
        if (refused != null) {
            return refused;
        }
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            LOG.warn("[{}] callback from {} is not valid JSON", context.instanceId(), request.remoteAddress());
            return HttpResponse.error(400, "body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            return HttpResponse.error(400, "body must be a JSON object");
        }
        InboundMessage message = CallbackMessage.fromJson(body);
        if (message == null) {
            LOG.debug("[{}] ignored callback msgtype={} msgId={}", context.instanceId(),
                    body.path("msgtype").asText(""), body.path("msgId").asText(""));
            return HttpResponse.empty(200);
        }
        try {
            PublishResult result = context.publish(message);
            if (!result.accepted()) {
                LOG.debug("[{}] duplicate callback msgId={} not routed again", context.instanceId(), message.id());
            }
        } catch (BridgeUnavailableException e) {
            LOG.warn("[{}] could not record callback msgId={}: {}", context.instanceId(), message.id(),
                    e.getMessage());
            return HttpResponse.error(503, "bridge unavailable, try again later");
        }
        return HttpResponse.empty(200);
    }
}
