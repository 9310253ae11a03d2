package io.chatbridge.dingtalk.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.spi.AsyncHttpHandler;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RequestGuard;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives HTTP-mode callbacks: verifies the signature (when a signing secret is configured), normalises text
 * messages and publishes them. Answers as soon as the bridge has recorded the message; never calls DingTalk. The
 * server thread is not held meanwhile: the answer is written when the outbox commit completes.
 */
public final class CallbackHandler implements AsyncHttpHandler, RequestGuard {

    private static final Logger LOG = LoggerFactory.getLogger(CallbackHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DriverContext context;
    private final CallbackSignature signature;
    /** The unsupported msgtypes already logged by this instance (once each). */
    private final Set<String> unsupportedSeen = ConcurrentHashMap.newKeySet();

    /**
     * @param signature the verifier, or {@code null} to accept unsigned callbacks
     */
    public CallbackHandler(DriverContext context, CallbackSignature signature) {
        this.context = context;
        this.signature = signature;
    }

    /**
     * Logs what is routed in a degraded form: an unsupported {@code msgtype} (once per type and instance, as
     * DingTalk adds types) and attachments DingTalk gave no {@code downloadCode} for (each time).
     */
    private void noteUnusual(InboundMessage message) {
        String msgtype = message.extensions().get(CallbackMessage.MSGTYPE);
        if (!CallbackMessage.supported(msgtype) && unsupportedSeen.add(String.valueOf(msgtype))) {
            LOG.warn("[{}] DingTalk msgtype '{}' is not supported; routed as the line \"{}\" (msgId={}; logged once "
                    + "per type)", context.instanceId(), msgtype, CallbackMessage.unsupported(msgtype), message.id());
        }
        if (message.attachments().isEmpty()) {
            return;
        }
        message.attachments().stream().filter(a -> !a.retrievable()).forEach(a -> LOG.warn(
                "[{}] {} callback msgId={} has a {} without downloadCode; routed as a line naming it",
                context.instanceId(), msgtype, message.id(), a.type()));
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
    public CompletionStage<HttpResponse> handle(HttpRequest request) {
        // the signature was checked by check() before the body was read: the handler is routed with itself as its
        // guard, and a request the guard refuses never reaches the handler (HttpRoutes.routeAsync)
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            LOG.warn("[{}] callback from {} is not valid JSON", context.instanceId(), request.remoteAddress());
            return CompletableFuture.completedFuture(HttpResponse.error(400, "body is not valid JSON"));
        }
        if (body == null || !body.isObject()) {
            return CompletableFuture.completedFuture(HttpResponse.error(400, "body must be a JSON object"));
        }
        InboundMessage message = CallbackMessage.fromJson(body);
        noteUnusual(message);
        return context.publishAsync(message).handle((result, failure) -> {
            if (failure == null) {
                if (!result.accepted()) {
                    LOG.debug("[{}] duplicate callback msgId={} not routed again", context.instanceId(),
                            message.id());
                }
                return HttpResponse.empty(200);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof BridgeUnavailableException) {
                LOG.warn("[{}] could not record callback msgId={}: {}", context.instanceId(), message.id(),
                        cause.getMessage());
                return HttpResponse.error(503, "bridge unavailable, try again later");
            }
            throw failure instanceof CompletionException ce ? ce : new CompletionException(cause);
        });
    }
}
