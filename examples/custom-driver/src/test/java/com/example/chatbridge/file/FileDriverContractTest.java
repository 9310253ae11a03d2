package com.example.chatbridge.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.DriverFactory;
import io.chatbridge.testkit.DriverContractTest;
import io.chatbridge.testkit.TestDriverContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's contract tests, plus the file driver's own behaviour. */
class FileDriverContractTest extends DriverContractTest {

    @TempDir
    Path dir;

    @Override
    protected DriverFactory factory() {
        return new FileDriverFactory();
    }

    @Override
    protected Map<String, Object> validSettings() {
        return Map.of("path", dir.resolve("out/messages.jsonl").toString(), "listen_port", 0);
    }

    @Override
    protected Map<String, Object> invalidSettings() {
        return Map.of("listen_port", "eighty");
    }

    @Override
    protected Map<String, Object> targetAddress() {
        return Map.of("topic", "news");
    }

    @Override
    protected boolean triggerInbound(TestDriverContext context) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(context.url(0, "/file/" + INSTANCE + "?topic=news"))
                        .header("x-user", "Ann").POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        return true;
    }

    @Test
    void sentMessagesAreAppendedAsJsonLines() throws Exception {
        var driver = startedDriver(null);
        driver.send(sampleMessage());
        driver.send(sampleMessage());
        assertThat(Files.readAllLines(dir.resolve("out/messages.jsonl"))).hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("\"text\":\"Alice: hello from the contract test\""));
    }

    @Test
    void aPostIsAnswered503WhileTheBridgeCannotRecordItAnd202Afterwards() throws Exception {
        TestDriverContext[] context = new TestDriverContext[1];
        var driver = startedDriver(context);
        HttpRequest post = HttpRequest.newBuilder(context[0].url(0, "/file/" + INSTANCE + "?topic=news"))
                .header("x-user", "Ann").POST(HttpRequest.BodyPublishers.ofString("hello")).build();
        HttpClient client = HttpClient.newHttpClient();

        context[0].failPublishes(true);
        HttpResponse<String> refused = client.send(post, HttpResponse.BodyHandlers.ofString());
        context[0].failPublishes(false);
        HttpResponse<String> accepted = client.send(post, HttpResponse.BodyHandlers.ofString());

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(context[0].published()).singleElement().satisfies(m -> assertThat(m.text()).isEqualTo("hello"));
        driver.stop();
    }
}
