package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.dingtalk.inbound.CallbackHandler;
import io.chatbridge.dingtalk.inbound.CallbackSignature;
import io.chatbridge.dingtalk.outbound.AccessToken;
import io.chatbridge.dingtalk.outbound.AccessTokenCache;
import io.chatbridge.dingtalk.outbound.AppRobotMessage;
import io.chatbridge.dingtalk.outbound.AppRobotSender;
import io.chatbridge.dingtalk.outbound.DeliveryPlan;
import io.chatbridge.dingtalk.outbound.OpenApiBudget;
import io.chatbridge.dingtalk.outbound.OutgoingContent;
import io.chatbridge.dingtalk.outbound.RobotApi;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.dingtalk.outbound.WebhookSender;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentContent;
import io.chatbridge.spi.AttachmentTooLargeException;
import io.chatbridge.dingtalk.stream.StreamClient;
import io.chatbridge.dingtalk.stream.StreamSettings;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PortClaim;
import io.chatbridge.spi.SendResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DingTalk instance. Sends go to the app robot ({@code open_conversation_id}, {@code user_ids}) or to a custom
 * robot webhook ({@code chat_group}, else the message's {@code xvchatgroup} extension, else the default group).
 */
public final class DingTalkDriver implements Driver {

    private static final Logger LOG = LoggerFactory.getLogger(DingTalkDriver.class);

    private final DingTalkConfig config;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private AppRobotSender app;
    private WebhookSender webhooks;
    /** The custom robots by chat group, with their URLs pointing at the sandbox in sandbox mode. */
    private final Map<String, WebhookConfig> robots = new LinkedHashMap<>();
    private InProcessSandbox sandbox;
    private DriverContext context;
    /** Parts of multi-part custom robot deliveries already sent, so a retry does not repeat them. */
    private final Cache<String, Boolean> sentWebhookParts = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofHours(1)).maximumSize(10_000).build();
    private StreamClient stream;

    DingTalkDriver(DingTalkConfig config, Ticker ticker, Sleeper sleeper) {
        this.config = config;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    /** The validated settings. */
    public DingTalkConfig config() {
        return config;
    }

    @Override
    public List<PortClaim> portClaims() {
        List<PortClaim> claims = new ArrayList<>();
        if (config.callbacks()) {
            claims.add(PortClaim.route(config.listenPort(), "listen_port", "POST", config.listenPath(), "listen_path"));
        }
        if (config.sandbox() != null) {
            claims.add(PortClaim.ownServer(config.sandbox().port(), "sandbox_port"));
        }
        return claims;
    }

    @Override
    public void start(DriverContext context) throws Exception {
        try {
            startParts(context);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    private void startParts(DriverContext context) throws Exception {
        this.context = context;
        String id = config.instanceId();
        metrics = context.metrics();
        URI endpoint = config.apiEndpoint();
        List<WebhookConfig> webhookConfigs = config.webhooks();
        if (config.sandbox() != null) {
            sandbox = InProcessSandbox.start(config, context.bindHost(), context.clock());
            endpoint = URI.create(sandbox.sandbox().baseUrl());
            webhookConfigs = sandbox.webhooks();
            LOG.info("[{}] sandbox mode: DingTalk is simulated at {} - open it in a browser to chat as a group member",
                    id, sandbox.sandbox().baseUrl() + "/");
        }
        webhookConfigs.forEach(webhook -> robots.put(webhook.chatGroup(), webhook));
        if (config.hasApp()) {
            RobotApi api = new RobotApi(endpoint, config.appKey(), config.appSecret(), config.robotCode(),
                    context.clock());
            api.paceWith(openApiBudget);
            // every SDK call, token fetches included, runs on the delivery worker that needs it: no second thread
            // waits for it (a burst of workers shares the one fetch in flight)
            AccessTokenCache tokens = new AccessTokenCache(() -> {
                try {
                    AccessToken token = api.fetchToken();
                    context.metrics().increment("token_fetches", "outcome", "ok");
                    return token;
                } catch (Exception e) {
                    context.metrics().increment("token_fetches", "outcome", "failed");
                    throw e;
                }
            }, Runnable::run, ticker, context::secret);
            app = new AppRobotSender(id, api, tokens, ticker);
        }
        if (!config.webhooks().isEmpty()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            webhooks = new WebhookSender(id, webhookConfigs, http, context.clock(), sleeper);
        }
        if (config.callbacks()) {
            CallbackSignature signature = null;
            if (config.signingSecret() == null) {
                LOG.warn("[{}] signing_secret is not set: callbacks on {} are accepted without signature "
                        + "verification; set it in production", id, config.listenPath());
            } else {
                signature = new CallbackSignature(config.signingSecret(), context.clock());
            }
            CallbackHandler callbacks = new CallbackHandler(context, signature);
            context.http(config.listenPort()).routeAsync("POST", config.listenPath(), callbacks, callbacks);
            LOG.info("[{}] receiving DingTalk callbacks on port {} at {}", id, config.listenPort(),
                    config.listenPath());
        }
        if (config.stream()) {
            stream = StreamClient.create(context, StreamSettings.of(endpoint, config.appKey(), config.appSecret()));
            stream.start();
        }
        LOG.info("[{}] started: app robot {}, custom robots {}", id, config.hasApp() ? config.robotCode() : "none",
                config.webhooks().isEmpty() ? "none" : String.join(", ", config.chatGroups()));
    }

    private volatile OpenApiBudget openApiBudget;
    private volatile io.chatbridge.spi.DriverMetrics metrics;

    @Override
    public SendResult send(OutboundMessage message) throws DeliveryException {
        Object conversation = message.channel().get(DingTalkConfig.OPEN_CONVERSATION_ID);
        Object users = message.channel().get(DingTalkConfig.USER_IDS);
        DeliveryPlan plan = new DeliveryPlan(config.instanceId(), media(message), this::publicUrl);
        if (conversation != null) {
            AppRobotSender sender = requireApp(DingTalkConfig.OPEN_CONVERSATION_ID);
            return sender.sendPartsToGroup(String.valueOf(conversation), plan.forAppRobot(message, uploader(sender)),
                    message.deliveryId());
        }
        if (users != null) {
            AppRobotSender sender = requireApp(DingTalkConfig.USER_IDS);
            List<String> ids = userIds(users);
            List<AppRobotMessage> parts = plan.forAppRobot(message, uploader(sender));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                String memo = parts.size() == 1 ? message.deliveryId()
                        : message.deliveryId() == null ? null : message.deliveryId() + "#part" + i;
                keys.addAll(sender.sendToUsers(ids, parts.get(i), memo).partMessageIds());
            }
            return SendResult.ofParts(keys);
        }
        String group = chatGroup(message);
        WebhookConfig webhook = group == null ? null : robots.get(group);
        if (webhook == null || webhooks == null) {
            throw DeliveryException.permanent(Reason.UNKNOWN_TARGET, group == null
                    ? "the address names no DingTalk target and no webhooks are configured"
                    : "unknown chat_group '" + group + "' (known: " + String.join(", ", config.chatGroups()) + ")");
        }
        List<OutgoingContent> parts = plan.forCustomRobot(message);
        if (parts.size() == 1) {
            return webhooks.send(webhook, parts.get(0));
        }
        for (int i = 0; i < parts.size(); i++) {
            String memo = message.deliveryId() + "#part" + i;
            if (message.deliveryId() != null && sentWebhookParts.getIfPresent(memo) != null) {
                continue; // sent on an earlier attempt of this delivery
            }
            webhooks.send(webhook, parts.get(i));
            if (message.deliveryId() != null) {
                sentWebhookParts.put(memo, Boolean.TRUE);
            }
        }
        return SendResult.OK;
    }

    /**
     * Recalls the app robot's copies (group: {@code groupMessages/recall}; one-to-one: {@code otoMessages/batchRecall})
     * by the {@code processQueryKey}s the sends returned. Custom robots cannot recall: {@code false}.
     */
    @Override
    public boolean recall(OutboundMessage recall, List<String> targetMessageIds) throws DeliveryException {
        Object conversation = recall.channel().get(DingTalkConfig.OPEN_CONVERSATION_ID);
        Object users = recall.channel().get(DingTalkConfig.USER_IDS);
        if ((conversation == null && users == null) || app == null) {
            return false;
        }
        List<String> keys = new ArrayList<>();
        for (String id : targetMessageIds) {
            for (String key : id.split(",")) {
                if (!key.isBlank()) {
                    keys.add(key.strip());
                }
            }
        }
        if (keys.isEmpty()) {
            return false;
        }
        app.recall(conversation == null ? null : String.valueOf(conversation), keys);
        return true;
    }

    /**
     * The temporary URL of a file, picture, voice or video this instance received: its {@code downloadCode}
     * ({@link Attachment#sourceRef()}) resolved now with {@code POST /v1.0/robot/messageFiles/download}, so a
     * delivery that waited longer than such a URL lives still gets the attachment.
     */
    @Override
    public String attachmentUrl(Attachment attachment) throws DeliveryException {
        if (attachment.sourceRef() == null || attachment.sourceRef().isBlank()) {
            return attachment.url();
        }
        return requireApp("messageFiles/download").downloadUrl(attachment.sourceRef());
    }

    /** Resolves attachments through the bridge (their source instance); this instance's own directly. */
    private DeliveryPlan.Media media(OutboundMessage message) {
        boolean own = message.source() != null && config.instanceId().equals(message.source().instanceId());
        return new DeliveryPlan.Media() {
            @Override
            public String freshUrl(Attachment attachment) throws DeliveryException {
                return own ? attachmentUrl(attachment) : context.attachmentUrl(message, attachment);
            }

            @Override
            public AttachmentContent open(Attachment attachment) throws DeliveryException {
                if (!own) {
                    return context.openAttachment(message, attachment);
                }
                if (attachment.size() > maxBytes()) {
                    throw new AttachmentTooLargeException(attachment.name(), attachment.size(), maxBytes());
                }
                return openAttachment(attachment, maxBytes());
            }

            @Override
            public long maxBytes() {
                return context.mediaMaxBytes();
            }
        };
    }

    private static DeliveryPlan.Uploader uploader(AppRobotSender sender) {
        return sender::upload;
    }

    /** Whether DingTalk could fetch {@code url}; in sandbox mode the sandbox's own URLs count as public. */
    private boolean publicUrl(String url) {
        if (sandbox != null && url != null && url.startsWith(sandbox.sandbox().baseUrl() + "/")) {
            return true;
        }
        return DeliveryPlan.isPublicUrl(url);
    }

    /** The message types a routed message may ask for ({@code msg_type} option or {@code xvmsgtype}). */
    private static final List<String> MESSAGE_TYPES = List.of("text", "markdown", "link", "actionCard", "feedCard",
            "image");

    /**
     * Refuses at publish time what can never be sent: an {@code xvchatgroup} naming no configured chat group (when
     * the rule's address names none), and an {@code xvmsgtype} that is no DingTalk message type.
     */
    @Override
    public String refusal(OutboundMessage message) {
        String type = message.option(OutgoingContent.MSG_TYPE) != null ? null
                : message.extensions().get(OutgoingContent.XV_MSG_TYPE);
        if (type != null && message.rich() == null
                && MESSAGE_TYPES.stream().noneMatch(known -> known.equalsIgnoreCase(type.trim()))) {
            return OutgoingContent.XV_MSG_TYPE + ": '" + type + "' is not a DingTalk message type dingtalk instance "
                    + config.instanceId() + " supports (known: " + String.join(", ", MESSAGE_TYPES) + ")";
        }
        if (message.channel().get(DingTalkConfig.OPEN_CONVERSATION_ID) != null
                || message.channel().get(DingTalkConfig.USER_IDS) != null
                || message.channel().get(DingTalkConfig.CHAT_GROUP) != null) {
            return null;
        }
        String group = message.extensions().get("xvchatgroup");
        if (group != null && !group.isBlank() && !robots.containsKey(group)) {
            return "xvchatgroup: '" + group + "' names no chat group of dingtalk instance " + config.instanceId()
                    + " (known: "
                    + (robots.isEmpty() ? "none, it has no webhooks" : String.join(", ", robots.keySet())) + ")";
        }
        return null;
    }

    /**
     * Custom robots are paced (20 messages a minute by default): a message for a robot whose rate is used up is
     * postponed by the delivery engine instead of holding a worker while it waits.
     */
    @Override
    public Duration sendDelay(OutboundMessage message) {
        if (message.channel().get(DingTalkConfig.OPEN_CONVERSATION_ID) != null) {
            return openApiDelay(message.isRecall() ? RobotApi.GROUP_RECALL : RobotApi.GROUP_SEND, message);
        }
        if (message.channel().get(DingTalkConfig.USER_IDS) != null) {
            return openApiDelay(message.isRecall() ? RobotApi.USERS_RECALL : RobotApi.USERS_SEND, message);
        }
        if (webhooks == null || message.isRecall()) {
            return Duration.ZERO; // a custom robot cannot recall: nothing is posted
        }
        String group = chatGroup(message);
        WebhookConfig webhook = group == null ? null : robots.get(group);
        Duration wait = webhook == null ? Duration.ZERO : webhooks.delayFor(webhook);
        if (!wait.isZero() && metrics != null) {
            metrics.increment("custom_robot_pacing_waits");
        }
        return wait;
    }

    /**
     * Sets the OpenAPI budget this instance's app robot shares with the other instances of its app key (the
     * factory does, before {@link #start}); without one, app robot sends are not paced.
     */
    void paceOpenApi(OpenApiBudget budget) {
        this.openApiBudget = budget;
    }

    /** The OpenAPI budget this instance's app robot calls are paced with; {@code null} when unpaced. */
    OpenApiBudget openApiBudget() {
        return openApiBudget;
    }

    private Duration openApiDelay(String api, OutboundMessage message) {
        OpenApiBudget budget = openApiBudget;
        if (budget == null || app == null) {
            return Duration.ZERO;
        }
        Duration wait = budget.delayFor(api, message.deliveryId());
        if (!wait.isZero() && metrics != null) {
            metrics.increment("openapi_pacing_waits", "api", api);
        }
        return wait;
    }

    /** The custom robot a message goes to: the address's chat group, else its {@code xvchatgroup}, else default. */
    private String chatGroup(OutboundMessage message) {
        Object named = message.channel().get(DingTalkConfig.CHAT_GROUP);
        String group = named != null ? String.valueOf(named) : message.extensions().get("xvchatgroup");
        return group == null || group.isBlank() ? config.defaultChatGroup() : group;
    }

    /** The Stream-mode client of an instance with {@code receive_mode: "stream"}, once started; else {@code null}. */
    public StreamClient stream() {
        return stream;
    }

    @Override
    public void stop() {
        if (stream != null) {
            // closes the socket cleanly (1000) before anything else goes, so DingTalk pushes to other replicas
            stream.close();
        }
        if (sandbox != null) {
            sandbox.sandbox().stop();
        }
    }

    /** The in-process sandbox of an instance with {@code "sandbox": true}, once started; else {@code null}. */
    public DingTalkSandbox sandbox() {
        return sandbox == null ? null : sandbox.sandbox();
    }

    private AppRobotSender requireApp(String key) throws DeliveryException {
        if (app == null) {
            throw DeliveryException.permanent(Reason.NOT_CONFIGURED,
                    "sending to " + key + " needs app_key, app_secret and robot_code");
        }
        return app;
    }

    private static List<String> userIds(Object value) throws DeliveryException {
        List<String> ids = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item != null && !String.valueOf(item).isBlank()) {
                    ids.add(String.valueOf(item));
                }
            }
        }
        if (ids.isEmpty()) {
            throw DeliveryException.permanent(Reason.BAD_REQUEST, "user_ids must be a non-empty array of staff ids");
        }
        return ids;
    }
}
