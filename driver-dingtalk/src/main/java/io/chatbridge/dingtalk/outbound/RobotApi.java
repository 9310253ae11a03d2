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
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teautil.models.RuntimeOptions;
import com.aliyun.teautil.models.TeaUtilException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
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
        this.host = endpoint.getHost();
        this.appKey = appKey;
        this.appSecret = appSecret;
        this.robotCode = robotCode;
        this.oauth = new com.aliyun.dingtalkoauth2_1_0.Client(sdkConfig(endpoint));
        this.robot = new com.aliyun.dingtalkrobot_1_0.Client(sdkConfig(endpoint));
        keepStatusOfUnreadableAnswers(oauth);
        keepStatusOfUnreadableAnswers(robot);
    }

    /** The API's host name, e.g. {@code api.dingtalk.com}: named in network errors. */
    public String host() {
        return host;
    }

    /** Wraps the client's DingTalk gateway so that a non-JSON answer fails with its HTTP status. */
    private static void keepStatusOfUnreadableAnswers(com.aliyun.teaopenapi.Client client) throws Exception {
        if (client._spi != null) {
            client._spi = new StatusKeepingGateway(client._spi);
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
        OrgGroupSendResponseBody body = robot.orgGroupSendWithOptions(request, headers, runtime()).getBody();
        return body == null ? null : body.getProcessQueryKey();
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

        StatusKeepingGateway(com.aliyun.gateway.spi.Client delegate) throws Exception {
            this.delegate = delegate;
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
                throw new UnreadableAnswerException(status == null ? -1 : status.intValue(), e.getMessage());
            }
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
