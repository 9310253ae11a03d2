package io.chatbridge.dingtalk.stream;

import java.net.URI;
import java.time.Duration;

/**
 * How a {@link StreamClient} connects. {@link #toString()} leaves the secret out.
 *
 * @param apiEndpoint the open API base URL the open call goes to ({@code api_endpoint}, or the sandbox)
 * @param clientId the app key (ClientID)
 * @param clientSecret the app secret (ClientSecret)
 * @param openTimeout how long the open call and the WebSocket upgrade may take
 * @param pingInterval how often a WebSocket ping checks the connection
 * @param pongTimeout how long a ping may go unanswered before the connection is declared dead
 * @param drainLimit how long a connection the server asked to go ({@code disconnect}) is kept open at most
 * @param refusedRetry the wait after the open call refused the credentials (4xx)
 * @param healthyAfter how long a connection must have lasted for the backoff to start again at 1 s
 */
public record StreamSettings(URI apiEndpoint, String clientId, String clientSecret, Duration openTimeout,
                             Duration pingInterval, Duration pongTimeout, Duration drainLimit, Duration refusedRetry,
                             Duration healthyAfter) {

    /** The production timings: pings every 20 s answered within 10 s, 5 minutes after refused credentials. */
    public static StreamSettings of(URI apiEndpoint, String clientId, String clientSecret) {
        return new StreamSettings(apiEndpoint, clientId, clientSecret, Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofMinutes(1));
    }

    public StreamSettings withTimings(Duration openTimeout, Duration pingInterval, Duration pongTimeout) {
        return new StreamSettings(apiEndpoint, clientId, clientSecret, openTimeout, pingInterval, pongTimeout,
                drainLimit, refusedRetry, healthyAfter);
    }

    @Override
    public String toString() {
        return "StreamSettings[apiEndpoint=" + apiEndpoint + ", clientId=" + clientId + ", pingInterval="
                + pingInterval + "]";
    }
}
