package io.chatbridge.dingtalk.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.chatbridge.dingtalk.WebhookConfig;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.SendResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends to custom group robots (protocol §5): signs the URL when the robot has a secret, paces each robot to its
 * rate, and classifies DingTalk's {@code errcode}. The webhook URL holds the robot's token: it appears in no log
 * line and no exception message.
 */
public final class WebhookSender {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** "Sending too fast": DingTalk then throttles the robot for ten minutes. */
    private static final Set<String> THROTTLED = Set.of("410100", "130101", "660026");
    private static final Duration THROTTLE_WAIT = Duration.ofMinutes(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private final String instanceId;
    private final HttpClient http;
    private final Clock clock;
    private final Sleeper sleeper;
    /**
     * By robot, i.e. by webhook URL (it holds the robot's access_token): DingTalk's limit is per robot, so chat groups
     * configured with the same URL share one pacer, at the lowest of their rates.
     */
    private final Map<String, WebhookPacer> pacers = new ConcurrentHashMap<>();

    public WebhookSender(String instanceId, List<WebhookConfig> webhooks, HttpClient http, Clock clock,
                         Sleeper sleeper) {
        this.instanceId = instanceId;
        this.http = http;
        this.clock = clock;
        this.sleeper = sleeper;
        for (WebhookConfig webhook : webhooks) {
            pacers.merge(webhook.url(), WebhookPacer.perMinute(webhook.ratePerMinute()),
                    (a, b) -> a.limit() <= b.limit() ? a : b);
        }
    }

    /** How long a send through {@code webhook} would have to wait now for the robot's rate; reserves nothing. */
    public Duration delayFor(WebhookConfig webhook) {
        return pacer(webhook).delayFor(clock.instant());
    }

    /** Sends {@code content} through {@code webhook}, waiting first when the robot's rate is used up. */
    public SendResult send(WebhookConfig webhook, OutgoingContent content) throws DeliveryException {
        Map<String, Object> body = CustomRobotMessage.body(content);
        String msgtype = String.valueOf(body.get("msgtype"));
        String where = "custom robot '" + webhook.chatGroup() + "' (" + msgtype + ")";

        Duration wait = pacer(webhook).acquire(clock.instant());
        if (!wait.isZero()) {
            LOG.debug("[{}] {} paced: waiting {} ms", instanceId, where, wait.toMillis());
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DeliveryException.retryable(Reason.INTERRUPTED, where + ": interrupted while paced");
            }
        }

        HttpResponse<String> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(signedUri(webhook))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                    .build();
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(Reason.INTERRUPTED, where + ": interrupted");
        } catch (IOException e) {
            // the exception text of the JDK client may name the URL (and so the robot's token): fixed words only
            String reason = OpenApiFailure.knownNetworkReason(e);
            String what = "network error reaching " + host(webhook) + ": "
                    + (reason != null ? reason : e.getClass().getSimpleName());
            LOG.warn("[{}] {} failed: {}", instanceId, where, what);
            throw new DeliveryException(DeliveryException.Category.RETRYABLE, Reason.NETWORK, null,
                    where + ": " + what, null, null);
        }
        return classify(where, response);
    }

    private SendResult classify(String where, HttpResponse<String> response) throws DeliveryException {
        int status = response.statusCode();
        if (status != 200) {
            LOG.warn("[{}] {} failed: HTTP {}", instanceId, where, status);
            String message = where + ": HTTP " + status;
            if (status == 429) {
                Duration asked = RetryAfterHeader.parse(response.headers().firstValue("Retry-After").orElse(null),
                        clock.instant());
                throw DeliveryException.retryable(Reason.RATE_LIMITED, message,
                        asked != null ? asked : Duration.ofMinutes(1)).withPlatformCode("HTTP_" + status);
            }
            if (status >= 500) {
                throw DeliveryException.retryable(Reason.SERVER_ERROR, message).withPlatformCode("HTTP_" + status);
            }
            Reason reason = switch (status) {
                case 401, 403 -> Reason.AUTH_FAILED;
                case 404 -> Reason.UNKNOWN_TARGET;
                default -> Reason.BAD_REQUEST;
            };
            throw DeliveryException.permanent(reason, message).withPlatformCode("HTTP_" + status);
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        // DingTalk always answers 200 with an errcode; anything else may still have been delivered, so it is
        // recorded as a dead letter rather than sent again
        if (json == null || !json.isObject()) {
            throw unexpectedAnswer(where, "HTTP 200 with a body that is not a JSON object");
        }
        JsonNode errcode = json.get("errcode");
        if (errcode == null || errcode.isNull() || errcode.isContainerNode() || errcode.asText().isBlank()) {
            throw unexpectedAnswer(where, "HTTP 200 without errcode");
        }
        String code = errcode.asText().trim();
        if ("0".equals(code)) {
            return SendResult.OK;
        }
        String errmsg = json.path("errmsg").asText("");
        LOG.warn("[{}] {} failed: errcode={} errmsg={}", instanceId, where, code, errmsg);
        String message = where + ": errcode " + code + " " + errmsg;
        if (THROTTLED.contains(code)) {
            throw DeliveryException.retryable(Reason.RATE_LIMITED, message, THROTTLE_WAIT).withPlatformCode(code);
        }
        if ("-1".equals(code)) {
            throw DeliveryException.retryable(Reason.SERVER_ERROR, message).withPlatformCode(code);
        }
        throw DeliveryException.permanent(errcodeReason(code, errmsg), message).withPlatformCode(code);
    }

    /** The bridge-level reason of a custom robot's errcode (protocol §4). */
    static Reason errcodeReason(String code, String errmsg) {
        return switch (code) {
            case "310000" -> errmsg.contains("keywords") ? Reason.CONTENT_REJECTED : Reason.AUTH_FAILED;
            case "300001", "300005", "400101" -> Reason.UNKNOWN_TARGET;
            case "400013", "400102", "400106" -> Reason.TARGET_GONE;
            case "400105" -> Reason.BAD_REQUEST;
            case "430101", "430102", "430103", "430104", "460101" -> Reason.CONTENT_REJECTED;
            default -> Reason.OTHER;
        };
    }

    private DeliveryException unexpectedAnswer(String where, String what) {
        LOG.warn("[{}] {} failed: unexpected answer: {}", instanceId, where, what);
        return DeliveryException.permanent(Reason.UNEXPECTED_ANSWER, where + ": unexpected answer: " + what
                + " (not sent again: DingTalk may have delivered it)");
    }

    /** The webhook URL, with {@code timestamp} and {@code sign} appended for robots with a secret. */
    URI signedUri(WebhookConfig webhook) {
        if (webhook.secret() == null) {
            return URI.create(webhook.url());
        }
        String timestamp = Long.toString(clock.millis());
        String sign = DingTalkSignature.signForQuery(timestamp, webhook.secret());
        String separator = webhook.url().contains("?") ? "&" : "?";
        return URI.create(webhook.url() + separator + "timestamp=" + timestamp + "&sign=" + sign);
    }

    /** The webhook's host (never its query, which holds the token). */
    private static String host(WebhookConfig webhook) {
        try {
            String host = URI.create(webhook.url()).getHost();
            return host == null ? "the robot's webhook" : host;
        } catch (IllegalArgumentException e) {
            return "the robot's webhook";
        }
    }

    private WebhookPacer pacer(WebhookConfig webhook) {
        return pacers.computeIfAbsent(webhook.url(), url -> WebhookPacer.perMinute(webhook.ratePerMinute()));
    }
}
