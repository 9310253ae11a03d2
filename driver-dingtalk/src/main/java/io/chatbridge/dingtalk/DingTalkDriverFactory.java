package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.dingtalk.outbound.OpenApiBudget;
import io.chatbridge.dingtalk.outbound.OutgoingContent;
import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dingtalk} platform: app robots (HTTP-mode callbacks, Robot v1.0 group and one-to-one sends) and custom
 * group robot webhooks. See {@link DingTalkConfig} for the settings.
 */
public final class DingTalkDriverFactory implements DriverFactory {

    /** App robot OpenAPI calls per second per app and API, below DingTalk's about 20 ({@code api_rate_per_second}). */
    static final int DEFAULT_API_RATE_PER_SECOND = 15;

    /** One OpenAPI budget per app key, shared by every instance of this bridge naming that app. */
    private static final Logger LOG = LoggerFactory.getLogger(DingTalkDriverFactory.class);

    private final Map<String, OpenApiBudget> budgets = new ConcurrentHashMap<>();

    @Override
    public String platform() {
        return DingTalkConfig.PLATFORM;
    }

    @Override
    public Driver create(DriverConfig config) {
        int rate = config.settings().integer("api_rate_per_second", DEFAULT_API_RATE_PER_SECOND, 0, 1000);
        DingTalkDriver driver = create(config, Ticker.systemTicker(), Sleeper.SYSTEM);
        String appKey = driver.config().hasApp() ? driver.config().appKey() : null;
        if (appKey != null && rate == 0) {
            // for a DingTalk stand-in or a dedicated deployment with its own limits: this instance's calls go unpaced
            LOG.info("[{}] api_rate_per_second is 0: app robot OpenAPI calls are not paced", config.instanceId());
            if (budgets.containsKey(appKey)) {
                LOG.warn("[{}] api_rate_per_second is 0 but another instance paces the same app_key: this instance's"
                        + " calls count against DingTalk's limit without counting against that budget",
                        config.instanceId());
            }
        } else if (appKey != null) {
            OpenApiBudget budget = budgets.computeIfAbsent(appKey, k -> new OpenApiBudget(rate, Ticker.systemTicker()));
            budget.limitTo(rate);
            driver.paceOpenApi(budget);
        }
        return driver;
    }

    /** {@code open_conversation_id}, {@code chat_group} and {@code user_ids}: any other key is an error. */
    @Override
    public Set<String> addressKeys(ChannelUse.Role role) {
        return DingTalkAddresses.ADDRESS_KEYS;
    }

    /** What {@code OutgoingContent} reads from a rule's {@code msg} block. */
    @Override
    public Set<String> messageOptionKeys() {
        return MESSAGE_OPTION_KEYS;
    }

    static final Set<String> MESSAGE_OPTION_KEYS = Set.of(OutgoingContent.MSG_TYPE, "title", "message_url",
            "messageUrl", "pic_url", "picUrl", "single_url", "singleURL", "single_title", "photo_url", "at_user_ids",
            "at_mobiles", "at_all");

    /** Creates a driver with the given time sources (tests pass fakes). */
    static DingTalkDriver create(DriverConfig config, Ticker ticker, Sleeper sleeper) {
        return new DingTalkDriver(DingTalkConfig.read(config), ticker, sleeper);
    }
}
