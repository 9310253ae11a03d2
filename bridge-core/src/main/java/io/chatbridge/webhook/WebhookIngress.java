package io.chatbridge.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.AsyncHttpHandler;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.MessageRefusedException;
import io.chatbridge.spi.PublishResult;
import io.chatbridge.spi.RequestGuard;
import io.cloudevents.CloudEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress endpoint of one webhook instance: checks the bearer token, reads the body in whichever format its
 * content type names, publishes the messages and answers 202 once they are recorded.
 *
 * <p>Accepted: {@code application/json} (the bridge's message JSON, a native DingTalk body at top level or under
 * {@code data}, or a structured CloudEvent), {@code application/cloudevents+json},
 * {@code application/cloudevents-batch+json}, and binary-mode CloudEvents (any content type with {@code ce-*}
 * headers). A batch is all-or-nothing: if one event is bad, none is routed.
 */
final class WebhookIngress implements AsyncHttpHandler, RequestGuard {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookIngress.class);

    private static final String SUPPORTED_TYPES = "application/json, " + CloudEventDecoder.STRUCTURED + ", "
            + CloudEventDecoder.BATCH + " or a binary-mode CloudEvent with ce-* headers";

    private final DriverContext context;
    private final byte[] token;
    private final CloudEventDecoder cloudEvents = new CloudEventDecoder();

    WebhookIngress(DriverContext context, String token) {
        this.context = context;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** The bearer token, checked before the body is read. */
    @Override
    public HttpResponse check(HttpRequest head) {
        try {
            authenticate(head);
            return null;
        } catch (RejectedRequest e) {
            return rejected(head, e);
        }
    }

    @Override
    public CompletionStage<HttpResponse> handle(HttpRequest request) {
        List<InboundMessage> messages;
        try {
            authenticate(request); // again: harmless, and right when served by a server that ignores guards
            messages = read(request);
            checkTargets(messages);
        } catch (RejectedRequest e) {
            return CompletableFuture.completedFuture(rejected(request, e));
        }
        return publish(messages);
    }

    /**
     * Asks the target drivers first whether they would refuse a message (a CloudEvent's {@code xvchatgroup} naming
     * no chat group of the target, an {@code xvmsgtype} it does not support), so a batch stays all-or-nothing.
     */
    private void checkTargets(List<InboundMessage> messages) throws RejectedRequest {
        for (int i = 0; i < messages.size(); i++) {
            String problem = context.refusal(messages.get(i));
            if (problem != null) {
                throw RejectedRequest.badRequest((messages.size() > 1 ? "batch[" + i + "]: " : "") + problem);
            }
        }
    }

    private HttpResponse rejected(HttpRequest request, RejectedRequest e) {
        LOG.debug("webhook {}: rejected request from {}: {} {}", context.instanceId(), request.remoteAddress(),
                e.status(), e.getMessage());
        return e.toResponse();
    }

    private void authenticate(HttpRequest request) throws RejectedRequest {
        if (token == null) {
            return; // allow_unauthenticated: true
        }
        String authorization = request.header("authorization");
        if (authorization == null || authorization.isBlank()) {
            throw new RejectedRequest(401, "missing bearer token: send Authorization: Bearer <token>",
                    Map.of("WWW-Authenticate", "Bearer realm=\"chatbridge\""));
        }
        String given = authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (given == null) {
            throw new RejectedRequest(401, "unsupported authorization scheme: send Authorization: Bearer <token>",
                    Map.of("WWW-Authenticate", "Bearer realm=\"chatbridge\""));
        }
        // constant time, so the token cannot be guessed byte by byte from response timings
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new RejectedRequest(401, "invalid bearer token",
                    Map.of("WWW-Authenticate", "Bearer realm=\"chatbridge\", error=\"invalid_token\""));
        }
    }

    private List<InboundMessage> read(HttpRequest request) throws RejectedRequest {
        String type = request.mediaType();
        Instant now = context.clock().instant();
        if (type.equals(CloudEventDecoder.STRUCTURED)) {
            return List.of(CloudEventMessages.toMessage(cloudEvents.structured(request.body()), now, ""));
        }
        if (type.equals(CloudEventDecoder.BATCH)) {
            List<CloudEvent> events = cloudEvents.batch(request.body());
            List<InboundMessage> messages = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                messages.add(CloudEventMessages.toMessage(events.get(i), now, "batch[" + i + "]: "));
            }
            return messages;
        }
        if (type.startsWith("application/cloudevents")) {
            throw new RejectedRequest(415, "unsupported CloudEvents format " + type + "; send "
                    + CloudEventDecoder.STRUCTURED + " or " + CloudEventDecoder.BATCH);
        }
        if (request.header("ce-specversion") != null) {
            return List.of(CloudEventMessages.toMessage(cloudEvents.binary(request), now, ""));
        }
        if (type.isEmpty()) {
            throw new RejectedRequest(415, "missing Content-Type; send " + SUPPORTED_TYPES);
        }
        if (!isJson(type)) {
            throw new RejectedRequest(415, "unsupported content type " + type + "; send " + SUPPORTED_TYPES);
        }
        JsonNode body = JsonBodies.parse(request.body(), "body");
        if (body.isObject() && body.has("specversion")) {
            // a structured CloudEvent sent as plain JSON, as some HTTP clients do
            return List.of(CloudEventMessages.toMessage(cloudEvents.structured(body), now, ""));
        }
        return List.of(PlainJsonMessages.read(body, blankToNull(request.header("idempotency-key")), now));
    }

    /** Publishes without waiting; the answer is 202 once every message is recorded, 503 when one could not be. */
    private CompletionStage<HttpResponse> publish(List<InboundMessage> messages) {
        CompletionStage<List<PublishResult>> results;
        try {
            results = messages.size() == 1 ? context.publishAsync(messages.get(0)).thenApply(List::of)
                    : context.publishAllAsync(messages);
        } catch (RuntimeException e) {
            results = CompletableFuture.failedFuture(e);
        }
        return results.handle((done, failure) -> {
            if (failure == null) {
                long duplicates = done.stream().filter(r -> !r.accepted()).count();
                return HttpResponse.json(202, "{\"accepted\":" + (done.size() - duplicates)
                        + ",\"duplicates\":" + duplicates + "}");
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof MessageRefusedException refused) {
                return HttpResponse.error(400, refused.getMessage());
            }
            if (cause instanceof BridgeUnavailableException e) {
                LOG.warn("webhook {}: cannot accept {} message(s): {}", context.instanceId(), messages.size(),
                        e.getMessage());
                HttpResponse error = HttpResponse.error(503, "bridge unavailable: " + e.getMessage());
                return new HttpResponse(503, error.contentType(), error.body(), Map.of("Retry-After", "5"));
            }
            throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
        });
    }

    private static boolean isJson(String type) {
        return type.equals("application/json") || type.equals("text/json")
                || (type.endsWith("+json") && !type.startsWith("application/cloudevents"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
