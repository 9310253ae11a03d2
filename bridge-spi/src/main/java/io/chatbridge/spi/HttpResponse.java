package io.chatbridge.spi;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP response from a driver's handler.
 *
 * @param status the status code
 * @param contentType the content type, or {@code null} for none
 * @param body the body (may be empty)
 * @param headers extra headers
 */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    public HttpResponse {
        body = body == null ? new byte[0] : body;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A JSON response; {@code json} must already be serialized. */
    public static HttpResponse json(int status, String json) {
        return new HttpResponse(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A plain-text response. */
    public static HttpResponse text(int status, String text) {
        return new HttpResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A short JSON error {@code {"error": "..."}}; {@code message} must not contain secrets. */
    public static HttpResponse error(int status, String message) {
        return json(status, "{\"error\":\"" + escape(message) + "\"}");
    }

    /** A response without body. */
    public static HttpResponse empty(int status) {
        return new HttpResponse(status, null, new byte[0], Map.of());
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
