package io.chatbridge.core.templates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.spi.InboundMessage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The original JSON body of a message, carried from the ingress to the router so rule templates can read its
 * fields. It travels as the extension {@value #EXTENSION} (a name no CloudEvent extension can have) and is
 * removed before anything is stored in the outbox or sent.
 */
public final class Payloads {

    /** The extension holding the payload as compact JSON. */
    public static final String EXTENSION = "chatbridge.payload";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Payloads() {
    }

    /** {@code extensions} without the payload (the same map when it has none). */
    public static Map<String, String> strip(Map<String, String> extensions) {
        if (!extensions.containsKey(EXTENSION)) {
            return extensions;
        }
        Map<String, String> out = new LinkedHashMap<>(extensions);
        out.remove(EXTENSION);
        return out;
    }

    /** The message's payload as maps, lists and scalars, or {@code null} when it carries none. */
    static Object payload(InboundMessage message) {
        String json = message.extensions().get(EXTENSION);
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
