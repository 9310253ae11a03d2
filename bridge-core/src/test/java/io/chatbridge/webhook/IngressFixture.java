package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A started webhook instance with its ingress on a loopback port, and a client to post to it. */
final class IngressFixture implements AutoCloseable {

    static final String TOKEN = "s3cret-token-0123456789";
    static final String PATH = "/events";

    final TestDriverContext context;
    final WebhookDriver driver;
    private final HttpClient client = HttpClient.newHttpClient();

    IngressFixture() throws Exception {
        this(TestDriverContext::new);
    }

    /** With a context of the test's own (e.g. one whose publishes complete when the test says). */
    IngressFixture(java.util.function.Function<DriverConfig, TestDriverContext> contexts) throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("listen_port", 0);
        settings.put("listen_path", PATH);
        settings.put("token", TOKEN);
        DriverConfig config = TestDriverContext.config("webhook", "alerts", settings, problems, List.of());
        driver = (WebhookDriver) new WebhookDriverFactory().create(config);
        assertThat(problems).isEmpty();
        context = contexts.apply(config);
        driver.start(context);
        context.startHttp();
    }

    /** Posts {@code body} with the right token and the given content type. */
    HttpResponse<String> post(String contentType, String body) {
        return post(body, "Content-Type", contentType, "Authorization", "Bearer " + TOKEN);
    }

    /** Posts {@code body} with exactly the given headers (name, value, name, value...). */
    HttpResponse<String> post(String body, String... headers) {
        return post(body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** Like {@link #post(byte[], String...)} without waiting for the answer. */
    java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(context.url(0, PATH))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(context.url(0, PATH))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A test resource as text, byte for byte. */
    static String resource(String name) {
        try (InputStream in = IngressFixture.class.getResourceAsStream("/webhook/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /webhook/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.stop();
        context.close();
    }
}
