package io.chatbridge.dingtalk.stream;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The answer of the open call: where to connect and the one-use ticket (valid about 90 s) that is the credential.
 * {@link #toString()} leaves the ticket out.
 */
record GatewayTicket(URI endpoint, String ticket) {

    /** {@code endpoint?ticket=…}, the ticket URL-encoded (tickets are opaque and may hold {@code +} or {@code /}). */
    URI connectUri() {
        String base = endpoint.toString();
        String separator = endpoint.getRawQuery() == null ? "?" : "&";
        return URI.create(base + separator + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "GatewayTicket[endpoint=" + endpoint + "]";
    }
}
