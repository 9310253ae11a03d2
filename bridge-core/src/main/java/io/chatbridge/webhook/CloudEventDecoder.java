package io.chatbridge.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.data.BytesCloudEventData;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.core.message.impl.BaseGenericBinaryMessageReaderImpl;
import io.cloudevents.core.message.impl.GenericStructuredMessageReader;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.rw.CloudEventRWException;
import io.chatbridge.spi.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Turns HTTP requests into {@link CloudEvent}s with the CloudEvents SDK, in structured, binary and batch mode.
 *
 * <p>Before the SDK sees an event, the required context attributes are checked here, so that a caller learns
 * exactly which attribute is missing instead of a Jackson stack message.
 */
final class CloudEventDecoder {

    static final String STRUCTURED = JsonFormat.CONTENT_TYPE;
    static final String BATCH = "application/cloudevents-batch+json";

    private static final List<String> REQUIRED = List.of("id", "source", "type");
    private static final String HEADER_PREFIX = "ce-";
    private static final String SPEC_VERSION = "1.0";

    private final EventFormat format = new JsonFormat();

    /** A structured-mode event ({@code application/cloudevents+json}). */
    CloudEvent structured(byte[] body) throws RejectedRequest {
        JsonNode node = JsonBodies.parse(body, "body");
        checkStructured(node, "");
        return deserialize(body, "");
    }

    /** A structured-mode event whose JSON is already parsed (sent as {@code application/json}). */
    CloudEvent structured(JsonNode node) throws RejectedRequest {
        checkStructured(node, "");
        return deserialize(toBytes(node), "");
    }

    /** A batch ({@code application/cloudevents-batch+json}): a JSON array of structured events. */
    List<CloudEvent> batch(byte[] body) throws RejectedRequest {
        JsonNode array = JsonBodies.parse(body, "body");
        if (!array.isArray()) {
            throw RejectedRequest.badRequest("a CloudEvents batch must be a JSON array, got "
                    + JsonBodies.describe(array));
        }
        List<CloudEvent> events = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String where = "batch[" + i + "]: ";
            checkStructured(array.get(i), where);
            events.add(deserialize(toBytes(array.get(i)), where));
        }
        return events;
    }

    /** A binary-mode event: attributes in {@code ce-*} headers, the body is the data. */
    CloudEvent binary(HttpRequest request) throws RejectedRequest {
        String specversion = request.header(HEADER_PREFIX + "specversion");
        checkSpecVersion(specversion, "", " (header ce-specversion)");
        for (String attribute : REQUIRED) {
            String value = request.header(HEADER_PREFIX + attribute);
            if (value == null) {
                throw RejectedRequest.badRequest("missing required attribute " + attribute + " (header ce-"
                        + attribute + ")");
            }
            if (value.isBlank()) {
                throw RejectedRequest.badRequest("attribute " + attribute + " must not be empty (header ce-"
                        + attribute + ")");
            }
        }
        CloudEventData data = request.body().length == 0 ? null : BytesCloudEventData.wrap(request.body());
        MessageReader reader = new HeaderReader(SpecVersion.parse(specversion), data, request.headers());
        try {
            return reader.toEvent();
        } catch (CloudEventRWException | IllegalStateException | IllegalArgumentException e) {
            throw RejectedRequest.badRequest("invalid CloudEvent: " + e.getMessage());
        }
    }

    private static void checkStructured(JsonNode node, String where) throws RejectedRequest {
        if (!node.isObject()) {
            throw RejectedRequest.badRequest(where + "a CloudEvent must be a JSON object, got "
                    + JsonBodies.describe(node));
        }
        JsonNode specversion = node.get("specversion");
        if (specversion != null && !specversion.isTextual()) {
            throw RejectedRequest.badRequest(where + "attribute specversion must be a string, got "
                    + JsonBodies.describe(specversion));
        }
        checkSpecVersion(specversion == null ? null : specversion.asText(), where, "");
        for (String attribute : REQUIRED) {
            JsonNode value = node.get(attribute);
            if (value == null || value.isNull()) {
                throw RejectedRequest.badRequest(where + "missing required attribute " + attribute);
            }
            if (!value.isTextual()) {
                throw RejectedRequest.badRequest(where + "attribute " + attribute + " must be a string, got "
                        + JsonBodies.describe(value));
            }
            if (value.asText().isEmpty()) {
                throw RejectedRequest.badRequest(where + "attribute " + attribute + " must not be empty");
            }
        }
    }

    private static void checkSpecVersion(String specversion, String where, String origin) throws RejectedRequest {
        if (specversion == null) {
            throw RejectedRequest.badRequest(where + "missing required attribute specversion" + origin);
        }
        if (!specversion.equals(SPEC_VERSION)) {
            throw RejectedRequest.badRequest(where + "unsupported CloudEvents specversion \"" + specversion
                    + "\"" + origin + " (supported: " + SPEC_VERSION + ")");
        }
    }

    private CloudEvent deserialize(byte[] json, String where) throws RejectedRequest {
        try {
            return new GenericStructuredMessageReader(format, json).toEvent();
        } catch (RuntimeException e) {
            throw RejectedRequest.badRequest(where + "invalid CloudEvent: " + reason(e));
        }
    }

    /** The most telling message in the SDK's exception chain (the SDK wraps Jackson's in several layers). */
    private static String reason(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j) {
                best = j.getOriginalMessage();
            } else if (t instanceof CloudEventRWException && t.getMessage() != null) {
                best = t.getMessage();
            } else if (best == null && t.getMessage() != null) {
                best = t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return best == null ? e.getClass().getSimpleName() : best;
    }

    private static byte[] toBytes(JsonNode node) throws RejectedRequest {
        try {
            return JsonBodies.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw RejectedRequest.badRequest("cannot re-encode event: " + e.getOriginalMessage());
        }
    }

    /** The SDK's generic binary reader over our request headers ({@code ce-*} → attributes and extensions). */
    private static final class HeaderReader extends BaseGenericBinaryMessageReaderImpl<String, String> {

        private final Map<String, List<String>> headers;

        HeaderReader(SpecVersion version, CloudEventData body, Map<String, List<String>> headers) {
            super(version, body);
            this.headers = headers;
        }

        @Override
        protected boolean isContentTypeHeader(String key) {
            return key.equals("content-type");
        }

        @Override
        protected boolean isCloudEventsHeader(String key) {
            return key.length() > HEADER_PREFIX.length() && key.startsWith(HEADER_PREFIX);
        }

        @Override
        protected String toCloudEventsKey(String key) {
            return key.substring(HEADER_PREFIX.length());
        }

        @Override
        protected void forEachHeader(BiConsumer<String, String> fn) {
            headers.forEach((name, values) -> {
                if (!values.isEmpty()) {
                    fn.accept(name, values.get(0));
                }
            });
        }

        @Override
        protected String toCloudEventsValue(String value) {
            return percentDecode(value);
        }
    }

    /** The HTTP binding percent-encodes header values outside printable ASCII; decode {@code %XX} as UTF-8. */
    static String percentDecode(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        int i = 0;
        while (i < value.length()) {
            int hi = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
            int lo = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), 16) : -1;
            if (value.charAt(i) == '%' && hi >= 0 && lo >= 0) {
                out.write(hi * 16 + lo);
                i += 3;
            } else {
                int cp = value.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
