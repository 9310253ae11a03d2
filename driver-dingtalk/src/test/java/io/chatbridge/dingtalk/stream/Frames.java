package io.chatbridge.dingtalk.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.dingtalk.protocol.CallbackBody;

/** Frames a Stream gateway sends, for tests. */
final class Frames {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {
    }

    /** The callback body of a text message {@code msgId} in group {@code cidA}. */
    static String robotMessage(String msgId, String text) {
        return CallbackBody.text().conversation("cidA", true).group("Group A").msgId(msgId)
                .sender("Alice", "alice", "$:LWCP_v1:$alice", "corp").content(" " + text).createAt(1_700_000_000_000L)
                .toJson().toString();
    }

    static String callback(String messageId, String data) {
        return frame("CALLBACK", StreamFrame.BOT_MESSAGE_TOPIC, messageId, data);
    }

    static String frame(String type, String topic, String messageId, String data) {
        ObjectNode frame = JSON.createObjectNode();
        frame.put("specVersion", "1.0");
        frame.put("type", type);
        frame.putObject("headers").put("appId", "app1").put("connectionId", "conn1")
                .put("contentType", "application/json").put("messageId", messageId).put("time", "1700000000000")
                .put("topic", topic);
        frame.put("data", data);
        return frame.toString();
    }

    /** The exact acknowledgement of a recorded robot message. */
    static String ack(String messageId) {
        return "{\"code\":200,\"headers\":{\"contentType\":\"application/json\",\"messageId\":\"" + messageId
                + "\"},\"message\":\"OK\",\"data\":\"{\\\"response\\\":null}\"}";
    }
}
