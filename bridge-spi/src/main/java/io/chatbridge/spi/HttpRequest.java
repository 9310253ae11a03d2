package io.chatbridge.spi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP request as a driver sees it.
 *
 * @param method upper-case method
 * @param path the request path without query
 * @param headers header values by lower-case name
 * @param query query parameters
 * @param body the body, at most 1 MiB
 * @param remoteAddress the peer's address, for logs
 */
public record HttpRequest(String method, String path, Map<String, List<String>> headers,
                          Map<String, List<String>> query, byte[] body, String remoteAddress) {

    public HttpRequest {
        headers = Map.copyOf(headers);
        query = Map.copyOf(query);
    }

    /** The first value of a header (case-insensitive), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The first value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The media type of the body without parameters, lower case, or {@code ""}. */
    public String mediaType() {
        String type = header("content-type");
        if (type == null) {
            return "";
        }
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
