package io.chatbridge.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.HttpResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Asynchronous handlers on the bridge's servers: the server thread is released, the answer follows the stage. */
class AsyncHandlerTest {

    private final HttpServers servers = new HttpServers("127.0.0.1");
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final LinkedBlockingQueue<CompletableFuture<HttpResponse>> pending = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        pending.forEach(f -> f.complete(HttpResponse.empty(204)));
        servers.stop();
    }

    private URI start() {
        servers.routes(0).postAsync("/async", request -> {
            CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        });
        servers.start();
        servers.markReady();
        return URI.create("http://127.0.0.1:" + servers.boundPort(0));
    }

    private CompletableFuture<java.net.http.HttpResponse<String>> post(URI base) {
        return client.sendAsync(HttpRequest.newBuilder(base.resolve("/async"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answerIsWrittenOnlyWhenTheStageCompletes() throws Exception {
        URI base = start();
        CompletableFuture<java.net.http.HttpResponse<String>> response = post(base);
        CompletableFuture<HttpResponse> stage = pending.poll(10, TimeUnit.SECONDS);
        assertThat(stage).isNotNull();
        Thread.sleep(200); // the handler has returned its stage: nothing may be answered before it completes
        assertThat(response).isNotDone();

        stage.complete(HttpResponse.json(202, "{\"accepted\":1}"));

        assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
        assertThat(response.get().body()).isEqualTo("{\"accepted\":1}");
    }

    @Test
    void aStageFailingWithBridgeUnavailableIsA503AndAnyOtherFailureA500WithoutStackTrace() throws Exception {
        URI base = start();
        CompletableFuture<java.net.http.HttpResponse<String>> unavailable = post(base);
        pending.poll(10, TimeUnit.SECONDS).completeExceptionally(
                new BridgeUnavailableException("commit failed (test)", null));
        CompletableFuture<java.net.http.HttpResponse<String>> broken = post(base);
        pending.poll(10, TimeUnit.SECONDS).completeExceptionally(new IllegalStateException("boom at line 3"));

        assertThat(unavailable.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        assertThat(unavailable.get().headers().firstValue("Retry-After")).hasValue("5");
        assertThat(broken.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
        assertThat(broken.get().body()).isEqualTo("{\"error\":\"internal error\"}");
    }

    @Test
    void hundredsOfPendingAnswersHoldNoServerThread() throws Exception {
        URI base = start();
        List<CompletableFuture<java.net.http.HttpResponse<String>>> responses = new ArrayList<>();
        int waiting = 300; // more than Jetty's 250 threads: parked threads would starve the server
        for (int i = 0; i < waiting; i++) {
            responses.add(post(base));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (pending.size() < waiting && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(pending).hasSize(waiting);

        java.net.http.HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/healthz"))
                .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);

        pending.forEach(f -> f.complete(HttpResponse.empty(204)));
        for (CompletableFuture<java.net.http.HttpResponse<String>> r : responses) {
            assertThat(r.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
        }
    }
}
