package io.chatbridge.spi;

import io.chatbridge.spi.DeliveryException.Reason;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge offers a running driver. Handed to {@link Driver#start}; valid until {@link Driver#stop} returns.
 * Implemented by the bridge (and by the driver kit's {@code TestDriverContext}); every method may be called from any
 * thread. New methods are only ever added with a default implementation, so old drivers and old implementations
 * keep working.
 */
public interface DriverContext {

    /** The instance id, e.g. {@code "dt_main"}. Constant for the context's life. */
    String instanceId();

    /** The platform key, e.g. {@code "dingtalk"}. Constant for the context's life. */
    String platform();

    /** The instance's validated configuration. Constant for the context's life. */
    DriverConfig config();

    /**
     * The logger for everything this instance logs, named {@code io.chatbridge.driver.<platform>.<instanceId>} so
     * that one instance's level can be set alone. Call it from {@link Driver#start} or any later thread and keep the
     * result. The bridge masks configured secrets in what reaches its log output, but a driver still must not log
     * credentials, tokens or webhook URLs. The default builds that logger from {@link #platform()} and
     * {@link #instanceId()}.
     */
    default Logger logger() {
        return LoggerFactory.getLogger("io.chatbridge.driver." + platform() + "." + instanceId());
    }

    /**
     * The address the bridge's HTTP servers bind to ({@code global.http.host}, or what the command line chose
     * instead), e.g. {@code "0.0.0.0"} or {@code "127.0.0.1"}: a driver that opens a server of its own binds it
     * there too, and one that must reach the bridge's own port connects to it (a wildcard address means loopback).
     * Drivers call this instead of reading {@code global.http.host} from {@link DriverConfig#global()}. Constant
     * for the context's life. The default reads {@code global.http.host} and falls back to {@code "0.0.0.0"}.
     */
    default String bindHost() {
        ConfigNode global = config().global();
        Object host = global == null ? null : global.get("http").get("host").value();
        return host instanceof String text && !text.isBlank() ? text.strip() : "0.0.0.0";
    }

    /**
     * Hands an inbound message to the router without waiting. The returned stage completes once every delivery the
     * rules produce for it is recorded (durably, when the bridge has a store), so an ingress may acknowledge its
     * caller then; the calling thread is never parked for the commit. Never waits for a target platform. The bridge
     * sets the message's platform and instance id to this instance's. The stage may complete on a bridge thread:
     * do only short work in its continuations (write the answer, acknowledge a frame).
     *
     * <p>A message with an {@link InboundMessage#id()} already published by this instance within the
     * de-duplication window (10 minutes by default, kept across restarts) is not routed again and yields
     * {@link PublishResult.Status#DUPLICATE}.
     *
     * <p>The stage completes exceptionally with {@link BridgeUnavailableException} when the message could not be
     * recorded (the caller should answer 503, or not acknowledge).
     */
    CompletionStage<PublishResult> publishAsync(InboundMessage message);

    /**
     * Hands an inbound message to the router and waits until it is recorded; see {@link #publishAsync}. Parks the
     * calling thread until the commit: prefer {@link #publishAsync} on server threads.
     *
     * @throws BridgeUnavailableException when the message could not be recorded (the caller should answer 503)
     */
    default PublishResult publish(InboundMessage message) {
        return join(publishAsync(message));
    }

    /**
     * Publishes several messages received in one request (e.g. a CloudEvents batch), in order. When it throws
     * part of the batch may already be recorded; a caller that retries the whole batch is safe as long as the
     * messages carry ids, because recorded ones are then de-duplicated.
     */
    default List<PublishResult> publishAll(List<InboundMessage> messages) {
        return join(publishAllAsync(messages));
    }

    /**
     * Publishes several messages received in one request without waiting; the stage completes when all are
     * recorded, or exceptionally with {@link BridgeUnavailableException} (part of the batch may be recorded, see
     * {@link #publishAll}). The default publishes them one after the other.
     */
    default CompletionStage<List<PublishResult>> publishAllAsync(List<InboundMessage> messages) {
        CompletionStage<List<PublishResult>> chain = CompletableFuture.completedFuture(new ArrayList<>());
        for (InboundMessage message : messages) {
            chain = chain.thenCompose(results -> publishAsync(message).thenApply(result -> {
                results.add(result);
                return results;
            }));
        }
        return chain.thenApply(List::copyOf);
    }

    /**
     * Routes {@code message} without recording it and asks each target driver whether it would refuse it (see
     * {@link Driver#refusal(OutboundMessage)}), so that an ingress receiving several messages in one request can
     * refuse them all before publishing any (a batch stays all-or-nothing). Called from any thread; quick, no I/O.
     * {@link #publishAsync} checks the same on its own. The default refuses nothing.
     *
     * @return {@code null} when every target accepts it, else the first refusal
     */
    default String refusal(InboundMessage message) {
        return null;
    }

    /**
     * The HTTP routes of the bridge's shared server on {@code port}. Instances naming the same port share one
     * server. Routes must be added during {@link Driver#start}; the server opens after all drivers started and
     * answers {@code GET /healthz} (liveness) and {@code GET /readyz} (readiness) itself; those paths are reserved.
     * Request bodies over 1 MiB are refused with 413 before a handler runs (at once when the declared
     * {@code Content-Length} is larger); a body must arrive within 10 seconds in total, else 408. Bodies are read
     * without holding a server thread; give a {@link RequestGuard} with the route to check credentials in the
     * headers before any body byte is read.
     */
    HttpRoutes http(int port);

    /** A shared scheduler for timers and short tasks. Do not block it for long. */
    ScheduledExecutorService scheduler();

    /** The clock to use for anything time-based, so that tests can control time. */
    Clock clock();

    /**
     * Reports the instance's connection health, e.g. a long-lived connection to its platform that dropped and is
     * being re-established. Called by the driver from any thread (typically its connection thread) whenever its
     * state changes, first once connected after {@link Driver#start}; it returns at once. The bridge logs each
     * change (INFO when connected, with the report's detail when it has one; WARN with the reason when
     * reconnecting or failed; a repeated identical report is not logged again), so the driver does not log the
     * change itself; it keeps the latest report per instance for readiness and the admin status, and forgets
     * nothing until it stops. Drivers without connections need not call it. The default ignores the report.
     */
    default void reportHealth(DriverHealth health) {
    }

    /** The default of {@code global.media.max_bytes}: 20 MiB. */
    long DEFAULT_MEDIA_MAX_BYTES = 20L * 1024 * 1024;

    /**
     * The largest attachment the bridge moves ({@code global.media.max_bytes}, default 20 MiB): larger ones are sent
     * as a text line with name and size. Any thread. The default reads the global config.
     */
    default long mediaMaxBytes() {
        ConfigNode media = config().global().get("media");
        Object value = media.isObject() ? media.get("max_bytes").value() : null;
        return value instanceof Number n && n.longValue() > 0 ? n.longValue() : DEFAULT_MEDIA_MAX_BYTES;
    }

    /**
     * A URL where an attachment of {@code message} can be fetched now, asked of the instance the message came from
     * ({@link Driver#attachmentUrl} of {@code message.source().instanceId()}), so a delivery that waited in the
     * outbox longer than a source link lives still gets the attachment. Called by a target driver from its
     * {@link Driver#send} (a delivery worker); may block for network I/O. The default answers
     * {@link Attachment#url()}.
     *
     * @throws DeliveryException as {@link Driver#attachmentUrl} classifies it
     */
    default String attachmentUrl(OutboundMessage message, Attachment attachment) throws DeliveryException {
        return attachment.url();
    }

    /**
     * The bytes of an attachment of {@code message}, read now through its source instance
     * ({@link Driver#openAttachment}), at most {@link #mediaMaxBytes()}. Called like {@link #attachmentUrl}. The
     * default checks the known size and fetches {@link Attachment#url()}.
     *
     * @throws AttachmentTooLargeException when it is larger than {@link #mediaMaxBytes()}
     * @throws DeliveryException retryable (network, throttling) or permanent (expired, removed, no link)
     */
    default AttachmentContent openAttachment(OutboundMessage message, Attachment attachment)
            throws DeliveryException {
        long max = mediaMaxBytes();
        if (attachment.size() > max) {
            throw new AttachmentTooLargeException(attachment.name(), attachment.size(), max);
        }
        if (attachment.url() == null || attachment.url().isBlank()) {
            throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE,
                    (attachment.name() == null ? "attachment" : attachment.name()) + ": the source gives no link");
        }
        return AttachmentFetch.get(attachment.url(), attachment.name(), max);
    }

    /**
     * Registers a secret the driver obtained at run time (e.g. an access token fetched from its platform), so that
     * it is masked like the configured secrets wherever it appears inside a string (also URL-encoded or
     * JSON-escaped, e.g. when a platform quotes a request back in an error): in log lines, dead-letter errors, CLI
     * and admin output; an outgoing message containing it is blocked. Called by the driver from any thread, as
     * soon as it has the value and before using it; cheap to call again with the same value. The bridge keeps the
     * last few values of each instance (older tokens expired). The default ignores the value.
     */
    default void secret(String value) {
    }

    /**
     * Where the driver reports its own metrics; see {@link DriverMetrics}. May be called at any time after
     * {@link Driver#start} began, from any thread. The default discards everything, so drivers may always report.
     */
    default DriverMetrics metrics() {
        return DriverMetrics.NONE;
    }

    /** Waits for a stage, rethrowing a {@link RuntimeException} it failed with as itself. */
    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeUnavailableException("interrupted while recording the message", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new BridgeUnavailableException("could not record the message", cause);
        }
    }
}
