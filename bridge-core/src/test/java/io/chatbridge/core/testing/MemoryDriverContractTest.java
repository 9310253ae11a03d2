package io.chatbridge.core.testing;

import io.chatbridge.spi.DriverFactory;
import io.chatbridge.testkit.DriverContractTest;
import io.chatbridge.testkit.TestDriverContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** The test platform keeps the driver contract too (and shows how a driver uses the kit). */
class MemoryDriverContractTest extends DriverContractTest {

    @Override
    protected DriverFactory factory() {
        return new MemoryDriverFactory();
    }

    @Override
    protected Map<String, Object> validSettings() {
        return Map.of("listen_port", 0);
    }

    @Override
    protected Map<String, Object> invalidSettings() {
        return Map.of("fail_mode", "sometimes");
    }

    @Override
    protected Map<String, Object> targetAddress() {
        return Map.of("room", "1");
    }

    @Override
    protected boolean triggerInbound(TestDriverContext context) throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(context.url(0, "/memory/" + INSTANCE))
                .POST(HttpRequest.BodyPublishers.ofString("{\"channel\": {\"room\": \"1\"}, \"text\": \"hi\"}"))
                .build(), HttpResponse.BodyHandlers.discarding());
        return true;
    }
}
