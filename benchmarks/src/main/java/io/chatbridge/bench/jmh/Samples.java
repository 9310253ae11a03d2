package io.chatbridge.bench.jmh;

import io.chatbridge.core.config.Rule;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Sender;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Inputs shared by the microbenchmarks: a documented callback body, an inbound message, generated rules. */
final class Samples {

    static final String SECRET = "bench-signing-secret-0123456789abcdef";

    private Samples() {
    }

    /** The protocol document's sample callback (§1), with a chosen group and message id. */
    static byte[] callbackBody(String conversationId, String msgId) {
        String json = "{\"conversationId\":\"" + conversationId + "\",\"atUsers\":[{\"dingtalkId\":\"$:LWCP_v1:$bot\"}],"
                + "\"chatbotCorpId\":\"dinge8a565xxxx\",\"chatbotUserId\":\"$:LWCP_v1:$bot\",\"msgId\":\"" + msgId
                + "\",\"senderNick\":\"杨xx\",\"isAdmin\":true,\"senderStaffId\":\"user123\","
                + "\"sessionWebhookExpiredTime\":1613635652738,\"createAt\":1613630252678,"
                + "\"senderCorpId\":\"dinge8a565xxxx\",\"conversationType\":\"2\",\"senderId\":\"$:LWCP_v1:$Ff09GIxxxxx\","
                + "\"conversationTitle\":\"机器人测试-TEST\",\"isInAtList\":true,"
                + "\"sessionWebhook\":\"https://oapi.dingtalk.com/robot/sendBySession?session=xxxxx\","
                + "\"text\":{\"content\":\" 你好, this is a benchmark message\"},\"msgtype\":\"text\","
                + "\"robotCode\":\"dingxxxx\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** A group text message as the DingTalk driver publishes it, already stamped with its origin. */
    static InboundMessage message(String conversationId, String msgId) {
        return InboundMessage.builder()
                .platform("dingtalk")
                .instanceId("dt_main")
                .channel("open_conversation_id", conversationId)
                .sender(Sender.of("user123", "杨xx"))
                .text("你好, this is a benchmark message")
                .id(msgId)
                .time(Instant.parse("2026-01-01T00:00:00Z"))
                .extension("chat_type", "group")
                .extension("conversation_title", "机器人测试-TEST")
                .build();
    }

    /**
     * {@code count} forward rules, rule {@code i} from {@code dt_main} group {@code cid<i>} to {@code dt_other} group
     * {@code out<i>}, all naming the same source instance (the worst case for an index by instance).
     */
    static List<Rule> forwardRules(int count, String format) {
        List<Rule> rules = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Rule.Endpoint from = new Rule.Endpoint("dt_main", Map.of("open_conversation_id", "cid" + i), Map.of());
            Rule.Endpoint to = new Rule.Endpoint("dt_other", Map.of("open_conversation_id", "out" + i), Map.of());
            Map<String, Object> msg = format == null ? Map.of() : Map.of("msg_format", format);
            rules.add(new Rule("rule-" + i, Rule.Type.FORWARD, List.of(from), List.of(to), msg, i));
        }
        return rules;
    }

    static Map<String, String> platforms() {
        return Map.of("dt_main", "dingtalk", "dt_other", "dingtalk");
    }
}
