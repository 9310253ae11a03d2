package io.chatbridge.dingtalk.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The open call (protocol §6): {@code POST {api}/v1.0/gateway/connections/open} with the app's credentials and the
 * robot-message subscription, answered with an endpoint and a ticket.
 */
final class GatewayOpener {

    static final String PATH = "/v1.0/gateway/connections/open";
    static final String UA = "chatbridge-stream/1.0 (java.net.http)";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUOTE_LIMIT = 200;

    private final HttpClient http;
    private final URI url;
    private final String clientId;
    private final String clientSecret;
    private final Duration timeout;

    GatewayOpener(HttpClient http, URI apiEndpoint, String clientId, String clientSecret, Duration timeout) {
        this.http = http;
        this.url = URI.create(apiEndpoint.toString().replaceAll("/+$", "") + PATH);
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.timeout = timeout;
    }

    URI url() {
        return url;
    }

    /** Opens a ticket; fails with {@link OpenCallFailed} (never with the secret in its message). */
    CompletableFuture<GatewayTicket> open() {
        ObjectNode body = JSON.createObjectNode();
        body.put("clientId", clientId);
        body.put("clientSecret", clientSecret);
        body.putArray("subscriptions").addObject().put("type", StreamFrame.CALLBACK)
                .put("topic", StreamFrame.BOT_MESSAGE_TOPIC);
        body.put("ua", UA);
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                // without it the gateway may answer XML (protocol §6a)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, error) -> {
                    if (error != null) {
                        throw new CompletionException(networkFailure(error));
                    }
                    try {
                        return ticket(response);
                    } catch (OpenCallFailed failed) {
                        throw new CompletionException(failed);
                    }
                });
    }

    private GatewayTicket ticket(HttpResponse<String> response) throws OpenCallFailed {
        int status = response.statusCode();
        String answer = response.body() == null ? "" : response.body();
        if (status < 200 || status > 299) {
            // 429 is throttling, worth the normal backoff; other 4xx are refusals waiting will not fix
            boolean refused = status >= 400 && status < 500 && status != 429;
            throw new OpenCallFailed("open call " + url + " answered HTTP " + status + quote(answer)
                    + (refused ? ": check app_key and app_secret (the app's ClientID and ClientSecret) and that"
                            + " the app robot uses Stream mode" : ""), refused);
        }
        JsonNode node;
        try {
            node = JSON.readTree(answer);
        } catch (JsonProcessingException e) {
            node = null;
        }
        String endpoint = node == null ? null : node.path("endpoint").asText(null);
        String ticket = node == null ? null : node.path("ticket").asText(null);
        if (endpoint == null || endpoint.isBlank() || ticket == null || ticket.isBlank()) {
            throw new OpenCallFailed("open call " + url + " answered HTTP " + status
                    + " without an endpoint and a ticket" + quote(answer), false);
        }
        URI uri;
        try {
            uri = URI.create(endpoint.strip());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null
                || !("ws".equalsIgnoreCase(uri.getScheme()) || "wss".equalsIgnoreCase(uri.getScheme()))) {
            throw new OpenCallFailed("open call " + url + " answered an endpoint that is not a ws:// or wss:// URL"
                    + quote(endpoint), false);
        }
        return new GatewayTicket(uri, ticket);
    }

    private OpenCallFailed networkFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException) {
            return new OpenCallFailed("open call " + url + " did not answer within " + StreamClient.seconds(timeout),
                    false);
        }
        if (cause instanceof ConnectException) {
            return new OpenCallFailed("open call " + url + " failed: connection refused", false);
        }
        return new OpenCallFailed("open call " + url + " failed: " + redact(String.valueOf(cause)), false);
    }

    /** {@code ": <first 200 characters>"}, with the secret cut out in case the server quotes it back. */
    private String quote(String answer) {
        String line = redact(answer.strip().replaceAll("\\s+", " "));
        if (line.isEmpty()) {
            return "";
        }
        return ": " + (line.length() > QUOTE_LIMIT ? line.substring(0, QUOTE_LIMIT) + "…" : line);
    }

    private String redact(String text) {
        if (clientSecret == null || clientSecret.isEmpty()) {
            return text;
        }
        String out = text.replace(clientSecret, "***");
        // a server may also quote part of it: hide any run of 8 or more of its characters
        for (int length = Math.min(clientSecret.length() - 1, 24); length >= 8; length--) {
            for (int start = 0; start + length <= clientSecret.length(); start++) {
                String part = clientSecret.substring(start, start + length);
                if (out.contains(part)) {
                    out = out.replace(part, "***");
                }
            }
        }
        return out;
    }
}
