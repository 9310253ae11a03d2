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

    /**
     * Sends one-to-one messages to staff ids, in calls of at most {@link #MAX_USERS_PER_CALL} ids.
     *
     * @param deliveryId the delivery's stable id: batches that went out on an earlier attempt are skipped
     */
    public SendResult sendToUsers(List<String> userIds, OutgoingContent content, String deliveryId)
            throws DeliveryException {
        return sendToUsers(userIds, AppRobotMessage.of(content), deliveryId);
    }

    /** {@link #sendToUsers(List, OutgoingContent, String)} for a message already made. */
    public SendResult sendToUsers(List<String> userIds, AppRobotMessage message, String deliveryId)
            throws DeliveryException {
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
        return SendResult.ofParts(keys);
    }

    /** A fresh temporary URL for a {@code downloadCode} ({@code messageFiles/download}). */
    public String downloadUrl(String downloadCode) throws DeliveryException {
        return withToken("messageFiles/download", token -> api.downloadUrl(token, downloadCode));
    }

    /**
     * Uploads bytes with the legacy {@code media/upload}; returns the {@code media_id}.
     *
     * @param type {@code image}, {@code voice}, {@code video} or {@code file}
     */
    public String upload(String type, String fileName, String mime, byte[] bytes) throws DeliveryException {
        String where = "media/upload (" + type + ", " + bytes.length + " bytes)";
        String id = withToken(where, token -> api.uploadMedia(token, type, fileName, mime, bytes));
        LOG.debug("[{}] {} uploaded, media_id={}", instanceId, where, id);
        return id;
    }

    /**
     * Recalls messages the robot sent: {@code groupMessages/recall} for a group, {@code otoMessages/batchRecall}
     * (in calls of at most 20 keys) for one-to-one messages ({@code openConversationId == null}). Keys DingTalk
     * reports as not recalled are logged, not retried (a recall older than DingTalk allows cannot succeed later).
     */
    public void recall(String openConversationId, List<String> keys) throws DeliveryException {
        for (int from = 0; from < keys.size(); from += MAX_USERS_PER_CALL) {
            List<String> batch = List.copyOf(keys.subList(from, Math.min(keys.size(), from + MAX_USERS_PER_CALL)));
            String where = openConversationId != null
                    ? "group recall in open_conversation_id=" + openConversationId + " of " + batch.size() + " message(s)"
                    : "one-to-one recall of " + batch.size() + " message(s)";
            java.util.Map<String, String> failed = withToken(where, token -> openConversationId != null
                    ? api.groupRecall(token, openConversationId, batch) : api.otoRecall(token, batch));
            if (!failed.isEmpty()) {
                LOG.warn("[{}] {}: DingTalk did not recall {}", instanceId, where, failed);
            } else {
                LOG.debug("[{}] {} done", instanceId, where);
            }
        }
    }

    /**
     * Sends several messages to a group in order, as one delivery: parts that went out on an earlier attempt (kept
     * for an hour by {@code deliveryId}) are not sent again.
     *
     * @return the {@code processQueryKey}s in order (one per part, see {@link SendResult#ofParts})
     */
    public SendResult sendPartsToGroup(String openConversationId, List<AppRobotMessage> parts, String deliveryId)
            throws DeliveryException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            AppRobotMessage message = parts.get(i);
            // a single message is sent again on a retry (at least once); parts already out are not repeated
            String memo = deliveryId == null || parts.size() == 1 ? null : deliveryId + "#part" + i;
            String done = memo == null ? null : sentBatches.getIfPresent(memo);
            if (done != null) {
                keys.add(done);
                continue;
            }
            String where = "group send to open_conversation_id=" + openConversationId + " msgKey=" + message.msgKey()
                    + (parts.size() > 1 ? " (part " + (i + 1) + "/" + parts.size() + ")" : "");
            String key = withToken(where, token -> api.groupSend(token, openConversationId, message));
            LOG.debug("[{}] {} sent, processQueryKey={}", instanceId, where, key);
            key = key == null ? "" : key;
            if (memo != null) {
                sentBatches.put(memo, key);
            }
            keys.add(key);
        }
        return SendResult.ofParts(keys);
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
