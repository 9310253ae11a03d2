package io.chatbridge.spi;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the bridge offers a running driver. Handed to {@link Driver#start}; valid until {@link Driver#stop} returns.
 * New methods are only ever added with a default implementation, so old drivers keep working.
 */
public interface DriverContext {

    /** The instance id, e.g. {@code "dt_main"}. */
    String instanceId();

    /** The platform key, e.g. {@code "dingtalk"}. */
    String platform();

    /** The instance's validated configuration. */
    DriverConfig config();

    /**
     * Hands an inbound message to the router. Returns once every delivery the rules produce for it is recorded
     * (durably, when the bridge has a store), so an ingress may acknowledge its caller afterwards. Never waits for
     * a target platform. The bridge sets the message's platform and instance id to this instance's.
     *
     * <p>A message with an {@link InboundMessage#id()} already published by this instance within the
     * de-duplication window (10 minutes by default, kept across restarts) is not routed again and yields
     * {@link PublishResult.Status#DUPLICATE}.
     *
     * @throws BridgeUnavailableException when the message could not be recorded (the caller should answer 503)
     */
    PublishResult publish(InboundMessage message);

    /**
     * Publishes several messages received in one request (e.g. a CloudEvents batch), one by one. When it throws
     * part of the batch may already be recorded; a caller that retries the whole batch is safe as long as the
     * messages carry ids, because recorded ones are then de-duplicated.
     */
    default List<PublishResult> publishAll(List<InboundMessage> messages) {
        List<PublishResult> results = new ArrayList<>(messages.size());
        for (InboundMessage message : messages) {
            results.add(publish(message));
        }
        return results;
    }

    /**
     * The HTTP routes of the bridge's shared server on {@code port}. Instances naming the same port share one
     * server. Routes must be added during {@link Driver#start}; the server opens after all drivers started and
     * answers {@code GET /healthz} itself. Request bodies over 1 MiB are refused with 413 before a handler runs.
     */
    HttpRoutes http(int port);

    /** A shared scheduler for timers and short tasks. Do not block it for long. */
    ScheduledExecutorService scheduler();

    /** The clock to use for anything time-based, so that tests can control time. */
    Clock clock();
}
