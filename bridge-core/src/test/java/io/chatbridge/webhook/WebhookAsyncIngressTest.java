package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.PublishResult;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook ingress answers when the outbox commit completes, not before, and 503 when it fails. */
class WebhookAsyncIngressTest {

    /** A context whose publishes complete only when the test completes their stage (a commit under its control). */
    static final class HeldCommits extends BridgeServedContext {
        final LinkedBlockingQueue<CompletableFuture<PublishResult>> commits = new LinkedBlockingQueue<>();

        HeldCommits(DriverConfig config) {
            super(config);
        }

        @Override
        public CompletionStage<PublishResult> publishAsync(InboundMessage message) {
            CompletableFuture<PublishResult> commit = new CompletableFuture<>();
            commits.add(commit);
            return commit;
        }
    }

    private IngressFixture ingress;
    private HeldCommits context;

    @BeforeEach
    void start() throws Exception {
        ingress = new IngressFixture(HeldCommits::new);
        context = (HeldCommits) ingress.context;
    }

    @AfterEach
    void stop() {
        context.commits.forEach(c -> c.complete(new PublishResult(PublishResult.Status.ACCEPTED, 0)));
        ingress.close();
    }

    private CompletableFuture<HttpResponse<String>> post(String body) {
        return ingress.postAsync(body, "Content-Type", "application/json",
                "Authorization", "Bearer " + IngressFixture.TOKEN);
    }

    @Test
    void answers202OnlyAfterTheCommitSucceeded() throws Exception {
        CompletableFuture<HttpResponse<String>> response = post("{\"text\": \"disk full\"}");
        CompletableFuture<PublishResult> commit = context.commits.poll(10, TimeUnit.SECONDS);
        assertThat(commit).isNotNull();
        Thread.sleep(200); // published, not yet committed: no answer may have been written
        assertThat(response).isNotDone();

        commit.complete(new PublishResult(PublishResult.Status.ACCEPTED, 1));

        assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
        assertThat(response.get().body()).isEqualTo("{\"accepted\":1,\"duplicates\":0}");
    }

    @Test
    void answers503WhenTheCommitFails() throws Exception {
        CompletableFuture<HttpResponse<String>> response = post("{\"text\": \"disk full\"}");
        context.commits.poll(10, TimeUnit.SECONDS).completeExceptionally(
                new BridgeUnavailableException("could not record the message", null));

        HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(answer.body()).isEqualTo("{\"error\":\"bridge unavailable: could not record the message\"}");
    }

    @Test
    void aBatchIsAnsweredWhenItsLastCommitCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> response = ingress.postAsync("""
                [{"specversion":"1.0","id":"1","source":"s","type":"t","data":"one"},
                 {"specversion":"1.0","id":"2","source":"s","type":"t","data":"two"}]""",
                "Content-Type", CloudEventDecoder.BATCH, "Authorization", "Bearer " + IngressFixture.TOKEN);
        context.commits.poll(10, TimeUnit.SECONDS).complete(new PublishResult(PublishResult.Status.ACCEPTED, 1));
        CompletableFuture<PublishResult> second = context.commits.poll(10, TimeUnit.SECONDS);
        assertThat(response).isNotDone();

        second.complete(new PublishResult(PublishResult.Status.DUPLICATE, 0));

        assertThat(response.get(10, TimeUnit.SECONDS).body()).isEqualTo("{\"accepted\":1,\"duplicates\":1}");
    }
}
