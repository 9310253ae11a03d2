package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.DriverFactory;
import io.chatbridge.testkit.DriverContractTest;
import io.chatbridge.testkit.TestDriverContext;
import io.javalin.Javalin;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The driver kit's contract for the built-in webhook driver: ingress on a loopback port, egress to a receiver. */
class WebhookDriverContractTest extends DriverContractTest {

    private static final String TOKEN = "contract-ingress-token-0123";

    private Javalin receiver;

    @BeforeEach
    void startReceiver() {
        receiver = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/hook", ctx -> ctx.status(204));
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop();
    }

    @Override
    protected DriverFactory factory() {
        return new WebhookDriverFactory();
    }

    @Override
    protected Map<String, Object> validSettings() {
        return Map.of("listen_port", 0, "token", TOKEN,
                "url", "http://127.0.0.1:" + receiver.port() + "/hook?access_token=SECRET-IN-URL");
    }

    @Override
    protected Map<String, Object> invalidSettings() {
        return Map.of("listen_port", 0, "method", "DELETE", "url", "not a url");
    }

    @Override
    protected Map<String, Object> targetAddress() {
        return Map.of();
    }

    @Override
    protected Set<String> secrets() {
        return Set.of(TOKEN, "SECRET-IN-URL");
    }

    @Override
    protected boolean triggerInbound(TestDriverContext context) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(context.url(0, "/events"))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"user\": \"ci\", \"text\": \"build passed\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        return true;
    }
}
