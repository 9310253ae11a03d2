package io.chatbridge.webhook;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON reading and writing shared by ingress and egress, with error messages fit for callers. */
final class JsonBodies {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            // error messages go back to callers: never quote their body in them
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private JsonBodies() {
    }

    /**
     * Parses one JSON document.
     *
     * @param what names the document in messages, e.g. {@code "body"} or {@code "data"}
     * @throws RejectedRequest 400 saying where the JSON is malformed
     */
    static JsonNode parse(byte[] bytes, String what) throws RejectedRequest {
        if (bytes.length == 0) {
            throw RejectedRequest.badRequest(what + " is empty; expected JSON");
        }
        utf8(bytes, what);
        try {
            strict(bytes, what);
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw RejectedRequest.badRequest(what + " is empty; expected JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw RejectedRequest.badRequest("malformed JSON in " + what + where(e) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw RejectedRequest.badRequest("could not read " + what + ": " + e.getMessage());
        }
    }

    /**
     * Exactly one JSON value and nothing after it but whitespace ({@code {"text":"x"} xxx} and two concatenated
     * documents are refused, not read up to the first), and no number too large for a double ({@code 1e999999}
     * would become infinity).
     */
    private static void strict(byte[] bytes, String what) throws IOException, RejectedRequest {
        try (JsonParser parser = MAPPER.getFactory().createParser(bytes)) {
            int depth = 0;
            JsonToken token;
            boolean started = false;
            while ((token = parser.nextToken()) != null) {
                if (started && depth == 0) {
                    throw RejectedRequest.badRequest("malformed JSON in " + what + at(parser.currentTokenLocation())
                            + ": unexpected content after the JSON value (send one JSON document)");
                }
                started = true;
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                } else if (token == JsonToken.VALUE_NUMBER_FLOAT && !Double.isFinite(parser.getDoubleValue())) {
                    throw RejectedRequest.badRequest("malformed JSON in " + what + at(parser.currentTokenLocation())
                            + ": number " + abbreviate(parser.getText()) + " is out of range");
                }
            }
        }
    }

    private static String abbreviate(String number) {
        return number.length() <= 24 ? number : number.substring(0, 20) + "…";
    }

    /**
     * Refuses bytes that are not well-formed UTF-8 (overlong forms such as {@code C0 BC} for {@code <}, lone
     * continuation bytes, surrogates), naming the first bad byte; Jackson would decode some of them.
     */
    static void utf8(byte[] bytes, String what) throws RejectedRequest {
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(Math.min(bytes.length, 8192));
        while (true) {
            java.nio.charset.CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                int offset = in.position();
                int line = 1;
                int column = 1;
                for (int i = 0; i < offset; i++) {
                    if (bytes[i] == '\n') {
                        line++;
                        column = 1;
                    } else if ((bytes[i] & 0xC0) != 0x80) {
                        column++;
                    }
                }
                throw RejectedRequest.badRequest(what + " is not valid UTF-8 at line " + line + ", column " + column
                        + " (byte " + offset + ": 0x" + String.format("%02X", bytes[offset] & 0xFF) + ")");
            }
            if (result.isOverflow()) {
                out.clear();
                continue;
            }
            break;
        }
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** {@code " at line 3, column 7"}, or {@code ""} when Jackson does not know. */
    static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** A textual or numeric field as text; {@code null} when absent or JSON null. */
    static String text(JsonNode node, String field) throws RejectedRequest {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        throw RejectedRequest.badRequest(field + ": expected a string, got " + describe(value));
    }

    /** An object's fields as strings (scalars as text, anything else as compact JSON). */
    static Map<String, String> stringMap(JsonNode node, String what) throws RejectedRequest {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw RejectedRequest.badRequest(what + ": expected an object, got " + describe(node));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            JsonNode v = field.getValue();
            if (!v.isNull()) {
                out.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
            }
        }
        return out;
    }

    static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
