package io.chatbridge.dingtalk.outbound;

import com.aliyun.dingtalkoauth2_1_0.models.GetAccessTokenRequest;
import com.aliyun.dingtalkoauth2_1_0.models.GetAccessTokenResponseBody;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTOHeaders;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTORequest;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTOResponseBody;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendHeaders;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendRequest;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendResponseBody;
import com.aliyun.gateway.spi.models.AttributeMap;
import com.aliyun.gateway.spi.models.InterceptorContext;
import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teautil.models.RuntimeOptions;
import com.aliyun.teautil.models.TeaUtilException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The DingTalk open API calls the driver makes, through the official SDK. Every method blocks on the network and
 * throws what the SDK throws ({@code com.aliyun.tea.TeaException} for error answers), or
 * {@link UnreadableAnswerException} for an answer that is not JSON; callers run them on their own thread and
 * classify failures with {@link OpenApiFailure}.
 */
public final class RobotApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;

    private final String host;
    private final String appKey;
    private final String appSecret;
    private final String robotCode;
    private final com.aliyun.dingtalkoauth2_1_0.Client oauth;
    private final com.aliyun.dingtalkrobot_1_0.Client robot;

    /**
     * @param endpoint {@code https://api.dingtalk.com} or any {@code http(s)://host[:port]} standing in for it
     */
    public RobotApi(URI endpoint, String appKey, String appSecret, String robotCode) throws Exception {
        this(endpoint, appKey, appSecret, robotCode, Clock.systemUTC());
    }

    /** @param clock reads {@code Retry-After} dates */
    public RobotApi(URI endpoint, String appKey, String appSecret, String robotCode, Clock clock) throws Exception {
        this.host = endpoint.getHost();
        this.appKey = appKey;
        this.appSecret = appSecret;
        this.robotCode = robotCode;
        this.oauth = new com.aliyun.dingtalkoauth2_1_0.Client(sdkConfig(endpoint));
        this.robot = new com.aliyun.dingtalkrobot_1_0.Client(sdkConfig(endpoint));
        keepStatusOfUnreadableAnswers(oauth, clock);
        keepStatusOfUnreadableAnswers(robot, clock);
    }

    /** The API's host name, e.g. {@code api.dingtalk.com}: named in network errors. */
    public String host() {
        return host;
    }

    /**
     * Wraps the client's DingTalk gateway so that a non-JSON answer fails with its HTTP status, and an error answer
     * with its {@code Retry-After}.
     */
    private static void keepStatusOfUnreadableAnswers(com.aliyun.teaopenapi.Client client, Clock clock)
            throws Exception {
        if (client._spi != null) {
            client._spi = new StatusKeepingGateway(client._spi, clock);
        }
    }

    /** The SDK configuration for an endpoint: protocol from the scheme, {@code host[:port]} as endpoint. */
    static Config sdkConfig(URI endpoint) {
        String host = endpoint.getPort() < 0 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
        Config config = new Config();
        config.protocol = endpoint.getScheme().toLowerCase(java.util.Locale.ROOT);
        config.regionId = "central";
        config.endpoint = host;
        config.connectTimeout = CONNECT_TIMEOUT_MS;
        config.readTimeout = READ_TIMEOUT_MS;
        return config;
    }

    /** {@code POST /v1.0/oauth2/accessToken}. */
    public AccessToken fetchToken() throws Exception {
        GetAccessTokenRequest request = new GetAccessTokenRequest().setAppKey(appKey).setAppSecret(appSecret);
        GetAccessTokenResponseBody body = oauth.getAccessToken(request).getBody();
        if (body == null || body.getAccessToken() == null || body.getAccessToken().isBlank()) {
            // a JSON answer that is not a token (an empty object, a proxy's JSON error with status 200)
            throw new UnreadableAnswerException(200, "answer holds no accessToken");
        }
        long expireIn = body.getExpireIn() == null ? 7200 : body.getExpireIn();
        return new AccessToken(body.getAccessToken(), Duration.ofSeconds(expireIn));
    }

    /** {@code POST /v1.0/robot/groupMessages/send}; returns the {@code processQueryKey}. */
    public String groupSend(String token, String openConversationId, AppRobotMessage message) throws Exception {
        OrgGroupSendRequest request = new OrgGroupSendRequest()
                .setRobotCode(robotCode)
                .setOpenConversationId(openConversationId)
                .setMsgKey(message.msgKey())
                .setMsgParam(json(message));
        OrgGroupSendHeaders headers = new OrgGroupSendHeaders();
        headers.xAcsDingtalkAccessToken = token;
        beforeCall(GROUP_SEND);
        OrgGroupSendResponseBody body = robot.orgGroupSendWithOptions(request, headers, runtime()).getBody();
        return body == null ? null : body.getProcessQueryKey();
    }

    /** The send APIs, the keys of their budgets. */
    public static final String GROUP_SEND = "/v1.0/robot/groupMessages/send";
    public static final String USERS_SEND = "/v1.0/robot/oToMessages/batchSend";

    private volatile OpenApiBudget budget;

    /** Paces the send calls with {@code budget} (shared by the instances of one app key). */
    public void paceWith(OpenApiBudget budget) {
        this.budget = budget;
    }

    private void beforeCall(String api) throws InterruptedException {
        OpenApiBudget b = budget;
        if (b != null) {
            b.beforeCall(api);
        }
    }

    /** {@code POST /v1.0/robot/oToMessages/batchSend} for at most 20 staff ids. */
    public BatchSendOTOResponseBody batchSend(String token, List<String> userIds, AppRobotMessage message)
            throws Exception {
        BatchSendOTORequest request = new BatchSendOTORequest()
                .setRobotCode(robotCode)
                .setUserIds(userIds)
                .setMsgKey(message.msgKey())
                .setMsgParam(json(message));
        BatchSendOTOHeaders headers = new BatchSendOTOHeaders();
        headers.xAcsDingtalkAccessToken = token;
        beforeCall(USERS_SEND);
        return robot.batchSendOTOWithOptions(request, headers, runtime()).getBody();
    }

    private static String json(AppRobotMessage message) throws JsonProcessingException {
        return JSON.writeValueAsString(message.msgParam());
    }

    /**
     * The SDK's gateway reads every answer as JSON; when that fails it throws {@code TeaUtilException} without the
     * status, which is still at hand here.
     */
    private static final class StatusKeepingGateway extends com.aliyun.gateway.spi.Client {
        private final com.aliyun.gateway.spi.Client delegate;
        private final Clock clock;

        StatusKeepingGateway(com.aliyun.gateway.spi.Client delegate, Clock clock) throws Exception {
            this.delegate = delegate;
            this.clock = clock;
        }

        @Override
        public void modifyConfiguration(InterceptorContext context, AttributeMap attributes) throws Exception {
            delegate.modifyConfiguration(context, attributes);
        }

        @Override
        public void modifyRequest(InterceptorContext context, AttributeMap attributes) throws Exception {
            delegate.modifyRequest(context, attributes);
        }

        @Override
        public void modifyResponse(InterceptorContext context, AttributeMap attributes) throws Exception {
            try {
                delegate.modifyResponse(context, attributes);
            } catch (TeaUtilException e) {
                Number status = context.response == null ? null : context.response.statusCode;
                throw new UnreadableAnswerException(status == null ? -1 : status.intValue(), e.getMessage(),
                        retryAfter(context));
            } catch (TeaException e) {
                Duration retryAfter = retryAfter(context);
                if (retryAfter == null) {
                    throw e;
                }
                throw new RetryAfterAnswerException(e, retryAfter);
            }
        }

        private Duration retryAfter(InterceptorContext context) {
            return context.response == null ? null
                    : RetryAfterHeader.from(context.response.headers, clock.instant());
        }
    }

    private static RuntimeOptions runtime() {
        RuntimeOptions runtime = new RuntimeOptions();
        runtime.connectTimeout = CONNECT_TIMEOUT_MS;
        runtime.readTimeout = READ_TIMEOUT_MS;
        // retries are the bridge's job (with backoff and dead letters), not the SDK's
        runtime.autoretry = false;
        return runtime;
    }
}
