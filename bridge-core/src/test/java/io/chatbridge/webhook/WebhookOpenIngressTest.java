package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With allow_unauthenticated, the Vanus sink's curl examples work without any change (no Authorization). */
class WebhookOpenIngressTest {

    @Test
    void vanusQuickstartWithoutAuthorizationIsAcceptedWhenTheIngressIsOpen() throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("webhook", "vanus",
                Map.of("listen_port", 0, "listen_path", "/", "allow_unauthenticated", true), problems, List.of());
        WebhookDriver driver = (WebhookDriver) new WebhookDriverFactory().create(config);
        assertThat(problems).noneMatch(p -> !p.warning());
        byte[] body;
        try (InputStream in = getClass().getResourceAsStream("/webhook/vanus/quickstart.json")) {
            body = in.readAllBytes();
        }
        try (TestDriverContext context = new TestDriverContext(config)) {
            driver.start(context);
            context.startHttp();
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(context.url(0, "/"))
                    .header("Content-Type", "application/cloudevents+json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(202);
            assertThat(context.published()).singleElement()
                    .satisfies(m -> assertThat(m.text()).isEqualTo("Hello dingtalk"));
        } finally {
            driver.stop();
        }
    }
}
