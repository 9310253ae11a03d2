package io.chatbridge.webhook;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PortClaim;
import io.chatbridge.spi.SendResult;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One webhook instance: an ingress route when {@code listen_port} is set, an egress when {@code url} is set. */
final class WebhookDriver implements Driver {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookDriver.class);

    private final String instanceId;
    private final WebhookConfig config;
    private volatile WebhookEgress egress;
    private volatile DriverContext context;

    private final PayloadOptions payloadOptions;

    WebhookDriver(String instanceId, WebhookConfig config) {
        this(instanceId, config, PayloadOptions.DEFAULT);
    }

    WebhookDriver(String instanceId, WebhookConfig config, PayloadOptions payloadOptions) {
        this.instanceId = instanceId;
        this.config = config;
        this.payloadOptions = payloadOptions;
    }

    WebhookConfig config() {
        return config;
    }

    @Override
    public List<PortClaim> portClaims() {
        if (!config.ingress()) {
            return List.of();
        }
        PortClaim main = PortClaim.route(config.listenPort(), "listen_port", "POST", config.listenPath(),
                "listen_path");
        return payloadOptions.prometheusWebhookDingtalk() ? List.of(main, PortClaim.route(config.listenPort(),
                "listen_port", "POST", PayloadOptions.COMPAT_PATH, "compat")) : List.of(main);
    }

    @Override
    public void start(DriverContext context) {
        this.context = context;
        if (config.ingress()) {
            WebhookIngress ingress = new WebhookIngress(context, config.token(), payloadOptions);
            context.http(config.listenPort()).postAsync(config.listenPath(), ingress, ingress);
            LOG.info("webhook {}: receiving on port {} at POST {}", instanceId, config.listenPort(),
                    config.listenPath());
            if (payloadOptions.prometheusWebhookDingtalk()) {
                // prometheus-webhook-dingtalk's URL shape: <target> becomes the channel field "target"
                // the same ingress as guard: the bearer token is checked before the body is read
                context.http(config.listenPort()).postAsync(PayloadOptions.COMPAT_PATH, ingress, ingress);
                LOG.info("webhook {}: prometheus-webhook-dingtalk compatible at POST {}", instanceId,
                        PayloadOptions.COMPAT_PATH);
            }
        }
        if (config.egress()) {
            // redirects are not followed: a redirect could carry the configured headers (credentials) elsewhere.
            // HTTP/1.1: the JDK's default offers http:// targets an h2c upgrade (Upgrade, HTTP2-Settings headers),
            // which strict servers and proxies reject
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(Math.min(10, config.timeout().toSeconds())))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
            egress = new WebhookEgress(instanceId, config, client, () -> context.clock().instant());
            LOG.info("webhook {}: sending with {}{}", instanceId, config.method(),
                    config.ceMode() ? " as CloudEvents" : "");
        }
    }

    @Override
    public SendResult send(OutboundMessage message) throws DeliveryException {
        WebhookEgress current = egress;
        if (current == null) {
            throw DeliveryException.permanent(Reason.NOT_CONFIGURED,
                    "webhook instance " + instanceId + " has no url, so it cannot send");
        }
        return current.send(withFreshAttachmentUrls(message));
    }

    /**
     * Attachments whose links expire (a DingTalk picture) get a URL asked of their source instance now, so the
     * receiver can fetch it; one the source cannot resolve any more goes without a URL (a line names it).
     */
    private OutboundMessage withFreshAttachmentUrls(OutboundMessage message) throws DeliveryException {
        if (message.attachments().stream().noneMatch(a -> a.sourceRef() != null)) {
            return message;
        }
        List<Attachment> fresh = new ArrayList<>();
        for (Attachment a : message.attachments()) {
            if (a.sourceRef() == null) {
                fresh.add(a);
                continue;
            }
            try {
                fresh.add(a.withUrl(context.attachmentUrl(message, a)));
            } catch (DeliveryException e) {
                if (e.retryable()) {
                    throw e;
                }
                LOG.warn("webhook {}: delivery {}: attachment {} sent without a link: {}", instanceId,
                        message.deliveryId(), a.name(), e.getMessage());
                fresh.add(a.withUrl(null));
            }
        }
        return message.toBuilder().attachments(fresh).build();
    }

    @Override
    public void stop() {
        // Java 17's HttpClient has no close(); dropping it lets its threads end once idle
        egress = null;
    }
}
