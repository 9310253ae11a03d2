package io.chatbridge.dingtalk.outbound;

import com.aliyun.dingtalkrobot_1_0.models.BatchSendOTOResponseBody;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.SendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends as the app robot (Robot v1.0): group messages to an {@code open_conversation_id} and one-to-one messages
 * to staff ids. SDK calls run on the calling delivery worker itself (one thread per send, bounded by the SDK's connect
 * and read timeouts); a token fetch runs on the worker that needs it first, and workers asking meanwhile wait for that
 * one fetch. A rejected token is dropped and the call retried once with a fresh one.
 */
public final class AppRobotSender {

    /** DingTalk's limit of {@code userIds} per batchSend call. */
    public static final int MAX_USERS_PER_CALL = 20;

    private static final Logger LOG = LoggerFactory.getLogger(AppRobotSender.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final String instanceId;
    private final RobotApi api;
    private final AccessTokenCache tokens;
    /** Batches of a multi-batch delivery already sent, so a retry after a partial failure does not repeat them. */
    private final Cache<String, String> sentBatches;

    @FunctionalInterface
    private interface TokenCall<T> {
        T call(String token) throws Exception;
    }

    public AppRobotSender(String instanceId, RobotApi api, AccessTokenCache tokens, Ticker ticker) {
        this.instanceId = instanceId;
        this.api = api;
        this.tokens = tokens;
        this.sentBatches = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(Duration.ofHours(1))
                .maximumSize(10_000).build();
    }

    /** Sends to a group the robot is in. */
    public SendResult sendToGroup(String openConversationId, OutgoingContent content) throws DeliveryException {
        AppRobotMessage message = AppRobotMessage.of(content);
        String where = "group send to open_conversation_id=" + openConversationId + " msgKey=" + message.msgKey();
        String key = withToken(where, token -> api.groupSend(token, openConversationId, message));
        LOG.debug("[{}] {} sent, processQueryKey={}", instanceId, where, key);
        return new SendResult(key);
    }

    /**
     * Sends one-to-one messages to staff ids, in calls of at most {@link #MAX_USERS_PER_CALL} ids.
     *
     * @param deliveryId the delivery's stable id: batches that went out on an earlier attempt are skipped
     */
    public SendResult sendToUsers(List<String> userIds, OutgoingContent content, String deliveryId)
            throws DeliveryException {
        AppRobotMessage message = AppRobotMessage.of(content);
        List<String> keys = new ArrayList<>();
        for (int from = 0, batch = 0; from < userIds.size(); from += MAX_USERS_PER_CALL, batch++) {
            List<String> ids = List.copyOf(userIds.subList(from, Math.min(userIds.size(), from + MAX_USERS_PER_CALL)));
            String memo = deliveryId == null ? null : deliveryId + "#" + batch;
            String done = memo == null ? null : sentBatches.getIfPresent(memo);
            if (done != null) {
                keys.add(done);
                continue;
            }
            String where = "one-to-one send to " + ids.size() + " user(s) (batch " + (batch + 1) + ") msgKey="
                    + message.msgKey();
            BatchSendOTOResponseBody body = withToken(where, token -> api.batchSend(token, ids, message));
            String key = body == null || body.getProcessQueryKey() == null ? "" : body.getProcessQueryKey();
            if (body != null && body.getInvalidStaffIdList() != null && !body.getInvalidStaffIdList().isEmpty()) {
                LOG.warn("[{}] {}: DingTalk reports invalid staff ids {}", instanceId, where,
                        body.getInvalidStaffIdList());
            }
            if (body != null && body.getFlowControlledStaffIdList() != null
                    && !body.getFlowControlledStaffIdList().isEmpty()) {
                LOG.warn("[{}] {}: DingTalk flow-controlled staff ids {} (not delivered to them)", instanceId, where,
                        body.getFlowControlledStaffIdList());
            }
            if (memo != null) {
                sentBatches.put(memo, key);
            }
            keys.add(key);
        }
        return new SendResult(String.join(",", keys));
    }

    private <T> T withToken(String where, TokenCall<T> call) throws DeliveryException {
        AccessToken token = token(where);
        try {
            return call.call(token.value());
        } catch (Exception e) {
            OpenApiFailure failure = OpenApiFailure.of(e, api.host());
            if (!failure.invalidToken()) {
                throw fail(where, failure);
            }
            LOG.info("[{}] {}: access token rejected ({}), fetching a new one and retrying once", instanceId, where,
                    failure.code());
            tokens.invalidate(token);
        }
        AccessToken fresh = token(where);
        try {
            return call.call(fresh.value());
        } catch (Exception e) {
            throw fail(where, OpenApiFailure.of(e, api.host()));
        }
    }

    /** The access token for the call {@code where} describes (named in the log when the fetch fails). */
    private AccessToken token(String where) throws DeliveryException {
        String fetch = "access token fetch for " + where;
        try {
            return tokens.get().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // nothing was sent yet: an unreadable token answer is worth another try
            throw fail(fetch, OpenApiFailure.of(e.getCause(), api.host()), true);
        } catch (TimeoutException e) {
            throw timeout(fetch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(Reason.INTERRUPTED, fetch + ": interrupted");
        }
    }

    private DeliveryException fail(String where, OpenApiFailure failure) {
        return fail(where, failure, false);
    }

    private DeliveryException fail(String where, OpenApiFailure failure, boolean safeToRepeat) {
        LOG.warn("[{}] {} failed: code={} status={} message={}{}", instanceId, where, failure.code(),
                failure.status(), failure.message(),
                failure.retryAfter() == null ? "" : " retryAfter=" + failure.retryAfter().toSeconds() + "s");
        return failure.toDeliveryException(where, safeToRepeat);
    }

    private DeliveryException timeout(String where) {
        LOG.warn("[{}] {} timed out after {} s", instanceId, where, CALL_TIMEOUT.toSeconds());
        return DeliveryException.retryable(Reason.TIMEOUT, where + " timed out");
    }
}
