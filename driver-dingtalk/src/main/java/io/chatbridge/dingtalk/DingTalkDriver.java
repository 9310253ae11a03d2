package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.dingtalk.inbound.CallbackHandler;
import io.chatbridge.dingtalk.inbound.CallbackSignature;
import io.chatbridge.dingtalk.outbound.AccessTokenCache;
import io.chatbridge.dingtalk.outbound.AppRobotSender;
import io.chatbridge.dingtalk.outbound.OutgoingContent;
import io.chatbridge.dingtalk.outbound.RobotApi;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.dingtalk.outbound.WebhookSender;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.SendResult;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DingTalk instance. Sends go to the app robot ({@code open_conversation_id}, {@code user_ids}) or to a custom
 * robot webhook ({@code chat_group}, else the message's {@code xvchatgroup} extension, else the default group).
 */
public final class DingTalkDriver implements Driver {

    private static final Logger LOG = LoggerFactory.getLogger(DingTalkDriver.class);
    /** Threads for blocking SDK calls; delivery workers wait on them. */
    private static final int API_THREADS = 4;
    private static final int API_QUEUE = 512;

    private final DingTalkConfig config;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private ThreadPoolExecutor executor;
    private AppRobotSender app;
    private WebhookSender webhooks;

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
    public void start(DriverContext context) throws Exception {
        String id = config.instanceId();
        if (config.hasApp()) {
            executor = new ThreadPoolExecutor(API_THREADS, API_THREADS, 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(API_QUEUE), daemonThreads("dingtalk-" + id + "-api-"));
            executor.allowCoreThreadTimeOut(true);
            RobotApi api = new RobotApi(config.apiEndpoint(), config.appKey(), config.appSecret(), config.robotCode());
            AccessTokenCache tokens = new AccessTokenCache(api::fetchToken, executor, ticker);
            app = new AppRobotSender(id, api, tokens, executor, ticker);
        }
        if (!config.webhooks().isEmpty()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            webhooks = new WebhookSender(id, config.webhooks(), http, context.clock(), sleeper);
        }
        if (config.callbacks()) {
            CallbackSignature signature = null;
            if (config.signingSecret() == null) {
                LOG.warn("[{}] signing_secret is not set: callbacks on {} are accepted without signature "
                        + "verification; set it in production", id, config.listenPath());
            } else {
                signature = new CallbackSignature(config.signingSecret(), context.clock());
            }
            context.http(config.listenPort()).post(config.listenPath(), new CallbackHandler(context, signature));
            LOG.info("[{}] receiving DingTalk callbacks on port {} at {}", id, config.listenPort(),
                    config.listenPath());
        }
        LOG.info("[{}] started: app robot {}, custom robots {}", id, config.hasApp() ? config.robotCode() : "none",
                config.webhooks().isEmpty() ? "none" : String.join(", ", config.chatGroups()));
    }

    @Override
    public SendResult send(OutboundMessage message) throws DeliveryException {
        Object conversation = message.channel().get(DingTalkConfig.OPEN_CONVERSATION_ID);
        Object users = message.channel().get(DingTalkConfig.USER_IDS);
        OutgoingContent content = OutgoingContent.of(message);
        if (conversation != null) {
            return requireApp(DingTalkConfig.OPEN_CONVERSATION_ID).sendToGroup(String.valueOf(conversation), content);
        }
        if (users != null) {
            return requireApp(DingTalkConfig.USER_IDS).sendToUsers(userIds(users), content, message.deliveryId());
        }
        Object named = message.channel().get(DingTalkConfig.CHAT_GROUP);
        String group = named != null ? String.valueOf(named) : message.extensions().get("xvchatgroup");
        if (group == null || group.isBlank()) {
            group = config.defaultChatGroup();
        }
        WebhookConfig webhook = group == null ? null : config.webhook(group);
        if (webhook == null || webhooks == null) {
            throw DeliveryException.permanent("UNKNOWN_TARGET", group == null
                    ? "the address names no DingTalk target and no webhooks are configured"
                    : "unknown chat_group '" + group + "' (known: " + String.join(", ", config.chatGroups()) + ")");
        }
        return webhooks.send(webhook, content);
    }

    @Override
    public void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private AppRobotSender requireApp(String key) throws DeliveryException {
        if (app == null) {
            throw DeliveryException.permanent("NOT_CONFIGURED",
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
            throw DeliveryException.permanent("BAD_REQUEST", "user_ids must be a non-empty array of staff ids");
        }
        return ids;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
