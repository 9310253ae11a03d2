package io.chatbridge.dingtalk.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One frame of DingTalk's Stream protocol (protocol §6): {@code {specVersion, type: SYSTEM|EVENT|CALLBACK,
 * headers: {topic, messageId, contentType, time, …}, data: "<JSON string>"}}, and the replies the bridge sends.
 *
 * @param type {@code SYSTEM}, {@code EVENT}, {@code CALLBACK} or whatever the server sent
 * @param headers the frame's headers, kept as sent so a ping can be echoed unchanged
 * @param data the {@code data} string ({@code ""} when absent)
 */
record StreamFrame(String type, ObjectNode headers, String data) {

    static final String SYSTEM = "SYSTEM";
    static final String EVENT = "EVENT";
    static final String CALLBACK = "CALLBACK";
    /** The topic of robot messages, the only CALLBACK the bridge subscribes to. */
    static final String BOT_MESSAGE_TOPIC = "/v1.0/im/bot/messages/get";
    static final String PING = "ping";
    static final String DISCONNECT = "disconnect";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses a text frame; {@code null} when it is not a JSON object with a string {@code type}. */
    static StreamFrame parse(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (node == null || !node.isObject() || !node.path("type").isTextual()) {
            return null;
        }
        JsonNode headers = node.get("headers");
        JsonNode data = node.get("data");
        return new StreamFrame(node.get("type").asText(),
                headers instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode(),
                data == null || data.isNull() ? "" : data.isTextual() ? data.asText() : data.toString());
    }

    String topic() {
        return headers.path("topic").asText("");
    }

    String messageId() {
        return headers.path("messageId").asText("");
    }

    /** The acknowledgement of a robot message that was recorded: exactly the shape DingTalk's SDKs send. */
    static String callbackAck(String messageId) {
        return reply(200, messageId, "OK", "{\"response\":null}");
    }

    /** A refusal: DingTalk sees the frame was not handled (e.g. 500 when the message could not be recorded). */
    static String error(String messageId, int code, String message) {
        return reply(code, messageId, message, "{\"response\":null}");
    }

    /** The answer to a SYSTEM ping: its headers and data echoed unchanged. */
    String pingReply() {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("code", 200);
        reply.set("headers", headers);
        reply.put("message", "OK");
        reply.put("data", data);
        return reply.toString();
    }

    private static String reply(int code, String messageId, String message, String data) {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("code", code);
        reply.putObject("headers").put("contentType", "application/json").put("messageId", messageId);
        reply.put("message", message);
        reply.put("data", data);
        return reply.toString();
    }
}
