package io.chatbridge.dingtalk.outbound;

import com.aliyun.dingtalkoauth2_1_0.models.GetAccessTokenRequest;
import com.aliyun.dingtalkoauth2_1_0.models.GetAccessTokenResponseBody;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTOHeaders;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTORequest;
import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTOResponseBody;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendHeaders;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendRequest;
import com.aliyun.dingtalkrobot_1_0.models.OrgGroupSendResponseBody;
import com.aliyun.dingtalkrobot_1_0.models.RobotMessageFileDownloadHeaders;
import com.aliyun.dingtalkrobot_1_0.models.RobotMessageFileDownloadRequest;
import com.aliyun.dingtalkrobot_1_0.models.RobotMessageFileDownloadResponseBody;
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
import java.util.Map;

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
    /** The legacy API's base URL ({@code https://oapi.dingtalk.com} for the real one) for media uploads. */
    private final String oapi;
    /**
     * The client of the legacy media upload, built on the first upload: building a JDK client loads the default
     * TLS context (the CA certificates, a fifth of a second at start-up) also for an instance that never sends media.
     */
    private volatile java.net.http.HttpClient uploads;

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
        this.oapi = oapiEndpoint(endpoint);
        this.oauth = new com.aliyun.dingtalkoauth2_1_0.Client(sdkConfig(endpoint));
        this.robot = new com.aliyun.dingtalkrobot_1_0.Client(sdkConfig(endpoint));
        keepStatusOfUnreadableAnswers(oauth, clock);
        keepStatusOfUnreadableAnswers(robot, clock);
    }

    private java.net.http.HttpClient uploadClient() {
        java.net.http.HttpClient client = uploads;
        if (client == null) {
            synchronized (this) {
                client = uploads;
                if (client == null) {
                    client = java.net.http.HttpClient.newBuilder()
                            .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS)).build();
                    uploads = client;
                }
            }
        }
        return client;
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

    /**
     * {@code https://oapi.dingtalk.com} for DingTalk's own API host; any other endpoint (a private gateway, the
     * sandbox, a test stand-in) serves the legacy calls itself.
     */
    static String oapiEndpoint(URI endpoint) {
        if ("api.dingtalk.com".equalsIgnoreCase(endpoint.getHost())) {
            return "https://oapi.dingtalk.com";
        }
        String base = endpoint.toString();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
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
        OrgGroupSendResponseBody body;
        try (OpenApiBudget.Call call = beforeCall(GROUP_SEND)) {
            body = robot.orgGroupSendWithOptions(request, headers, runtime()).getBody();
        }
        return body == null ? null : body.getProcessQueryKey();
    }

    /** The send APIs, the keys of their budgets. */
    public static final String GROUP_SEND = "/v1.0/robot/groupMessages/send";
    public static final String USERS_SEND = "/v1.0/robot/oToMessages/batchSend";
    /** The other APIs a send or recall calls, each paced with a budget of its own. */
    public static final String FILE_DOWNLOAD = "/v1.0/robot/messageFiles/download";
    public static final String MEDIA_UPLOAD = "/media/upload";
    public static final String GROUP_RECALL = "/v1.0/robot/groupMessages/recall";
    public static final String USERS_RECALL = "/v1.0/robot/otoMessages/batchRecall";

    private volatile OpenApiBudget budget;

    /** Paces the send calls with {@code budget} (shared by the instances of one app key). */
    public void paceWith(OpenApiBudget budget) {
        this.budget = budget;
    }

    /** Waits for the budget of {@code api}; the caller closes the call when the answer came back. */
    private OpenApiBudget.Call beforeCall(String api) throws InterruptedException {
        OpenApiBudget b = budget;
        return b == null ? OpenApiBudget.Call.UNPACED : b.beforeCall(api);
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
        try (OpenApiBudget.Call call = beforeCall(USERS_SEND)) {
            return robot.batchSendOTOWithOptions(request, headers, runtime()).getBody();
        }
    }

    /**
     * {@code POST /v1.0/robot/messageFiles/download {downloadCode, robotCode}}: the temporary {@code downloadUrl} of
     * a file, picture, voice or video a member sent the robot.
     */
    public String downloadUrl(String token, String downloadCode) throws Exception {
        RobotMessageFileDownloadRequest request = new RobotMessageFileDownloadRequest()
                .setRobotCode(robotCode)
                .setDownloadCode(downloadCode);
        RobotMessageFileDownloadHeaders headers = new RobotMessageFileDownloadHeaders();
        headers.xAcsDingtalkAccessToken = token;
        RobotMessageFileDownloadResponseBody body;
        try (OpenApiBudget.Call call = beforeCall(FILE_DOWNLOAD)) {
            body = robot.robotMessageFileDownloadWithOptions(request, headers, runtime()).getBody();
        }
        if (body == null || body.getDownloadUrl() == null || body.getDownloadUrl().isBlank()) {
            throw new UnreadableAnswerException(200, "messageFiles/download answered without downloadUrl");
        }
        return body.getDownloadUrl();
    }

    /**
     * {@code POST {oapi}/media/upload?access_token=…&type=…} with the bytes as multipart field {@code media}
     * (protocol §8); returns the {@code media_id}. DingTalk's {@code errcode}s come back as a {@link TeaException}
     * so that {@link OpenApiFailure} classifies them like the v1.0 API's: an invalid token as
     * {@code InvalidAuthentication}, {@code -1} (busy) as a 503, anything else (size, type) as a 400.
     *
     * @param type {@code image}, {@code voice}, {@code video} or {@code file}
     */
    public String uploadMedia(String token, String type, String fileName, String mime, byte[] bytes)
            throws Exception {
        String boundary = "chatbridge" + Long.toHexString(System.nanoTime());
        String safeName = (fileName == null || fileName.isBlank() ? "media" : fileName).replaceAll("[\"\r\n]", "_");
        java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream(bytes.length + 512);
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"media\"; filename=\""
                + safeName + "\"\r\nContent-Type: " + (mime == null ? "application/octet-stream" : mime)
                + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        form.writeBytes(bytes);
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        URI uri = URI.create(oapi + "/media/upload?access_token="
                + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8) + "&type=" + type);
        java.net.http.HttpResponse<String> response;
        try (OpenApiBudget.Call call = beforeCall(MEDIA_UPLOAD)) {
            response = uploadClient().send(java.net.http.HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofMillis(READ_TIMEOUT_MS * 3L))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(form.toByteArray())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        }
        com.fasterxml.jackson.databind.JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new UnreadableAnswerException(response.statusCode(), "media/upload answer is not JSON");
        }
        if (response.statusCode() >= 500) {
            throw tea("HTTP_" + response.statusCode(), "media/upload answered HTTP " + response.statusCode(),
                    response.statusCode());
        }
        int errcode = answer == null ? -2 : answer.path("errcode").asInt(-2);
        String errmsg = answer == null ? "" : answer.path("errmsg").asText("");
        if (errcode == 0 && answer.hasNonNull("media_id")) {
            return answer.get("media_id").asText();
        }
        if (errcode == 40014 || errcode == 42001 || errcode == 40001) {
            throw tea("InvalidAuthentication", "media/upload: errcode " + errcode + " " + errmsg, 400);
        }
        throw tea("media.upload." + errcode, "media/upload refused: errcode " + errcode + " " + errmsg,
                errcode == -1 ? 503 : 400);
    }

    /**
     * {@code POST /v1.0/robot/groupMessages/recall {openConversationId, robotCode, processQueryKeys}} (protocol §8);
     * returns the keys DingTalk could not recall, with its reasons.
     */
    public Map<String, String> groupRecall(String token, String openConversationId, List<String> keys)
            throws Exception {
        com.aliyun.dingtalkrobot_1_0.models.OrgGroupRecallRequest request =
                new com.aliyun.dingtalkrobot_1_0.models.OrgGroupRecallRequest().setRobotCode(robotCode)
                        .setOpenConversationId(openConversationId).setProcessQueryKeys(keys);
        com.aliyun.dingtalkrobot_1_0.models.OrgGroupRecallHeaders headers =
                new com.aliyun.dingtalkrobot_1_0.models.OrgGroupRecallHeaders();
        headers.xAcsDingtalkAccessToken = token;
        com.aliyun.dingtalkrobot_1_0.models.OrgGroupRecallResponseBody body;
        try (OpenApiBudget.Call call = beforeCall(GROUP_RECALL)) {
            body = robot.orgGroupRecallWithOptions(request, headers, runtime()).getBody();
        }
        return body == null || body.getFailedResult() == null ? Map.of() : body.getFailedResult();
    }

    /** {@code POST /v1.0/robot/otoMessages/batchRecall {robotCode, processQueryKeys}} (at most 20 keys). */
    public Map<String, String> otoRecall(String token, List<String> keys) throws Exception {
        com.aliyun.dingtalkrobot_1_0.models.BatchRecallOTORequest request =
                new com.aliyun.dingtalkrobot_1_0.models.BatchRecallOTORequest().setRobotCode(robotCode)
                        .setProcessQueryKeys(keys);
        com.aliyun.dingtalkrobot_1_0.models.BatchRecallOTOHeaders headers =
                new com.aliyun.dingtalkrobot_1_0.models.BatchRecallOTOHeaders();
        headers.xAcsDingtalkAccessToken = token;
        com.aliyun.dingtalkrobot_1_0.models.BatchRecallOTOResponseBody body;
        try (OpenApiBudget.Call call = beforeCall(USERS_RECALL)) {
            body = robot.batchRecallOTOWithOptions(request, headers, runtime()).getBody();
        }
        return body == null || body.getFailedResult() == null ? Map.of() : body.getFailedResult();
    }

    private static TeaException tea(String code, String message, int status) {
        Map<String, Object> map = new java.util.HashMap<>();
        map.put("code", code);
        map.put("message", message);
        map.put("data", new java.util.HashMap<>(Map.of("statusCode", status)));
        return new TeaException(map);
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

    /** Idle connections the SDK keeps to the API host: more than the bridge's delivery workers. */
    static final int MAX_IDLE_CONNECTIONS = 32;

    private static RuntimeOptions runtime() {
        RuntimeOptions runtime = new RuntimeOptions();
        runtime.connectTimeout = CONNECT_TIMEOUT_MS;
        runtime.readTimeout = READ_TIMEOUT_MS;
        // retries are the bridge's job (with backoff and dead letters), not the SDK's
        runtime.autoretry = false;
        // the SDK's OkHttp pool keeps 5 idle connections by default: with more delivery workers than that, every
        // round of sends closed some and opened (TLS-handshook) new ones (seen as connectSocket in a JFR profile)
        runtime.maxIdleConns = MAX_IDLE_CONNECTIONS;
        return runtime;
    }
}
