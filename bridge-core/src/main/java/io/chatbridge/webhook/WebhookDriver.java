package io.chatbridge.webhook;

import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PortClaim;
import io.chatbridge.spi.SendResult;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One webhook instance: an ingress route when {@code listen_port} is set, an egress when {@code url} is set. */
final class WebhookDriver implements Driver {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookDriver.class);

    private final String instanceId;
    private final WebhookConfig config;
    private volatile WebhookEgress egress;

    WebhookDriver(String instanceId, WebhookConfig config) {
        this.instanceId = instanceId;
        this.config = config;
    }

    WebhookConfig config() {
        return config;
    }

    @Override
    public List<PortClaim> portClaims() {
        return config.ingress() ? List.of(PortClaim.route(config.listenPort(), "listen_port", "POST",
                config.listenPath(), "listen_path")) : List.of();
    }

    @Override
    public void start(DriverContext context) {
        if (config.ingress()) {
            WebhookIngress ingress = new WebhookIngress(context, config.token());
            context.http(config.listenPort()).postAsync(config.listenPath(), ingress, ingress);
            LOG.info("webhook {}: receiving on port {} at POST {}", instanceId, config.listenPort(),
                    config.listenPath());
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
        return current.send(message);
    }

    @Override
    public void stop() {
        // Java 17's HttpClient has no close(); dropping it lets its threads end once idle
        egress = null;
    }
}
