package io.chatbridge.webhook;

import io.chatbridge.core.http.HttpServers;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.HttpRoutes;
import io.chatbridge.testkit.TestDriverContext;
import java.net.URI;

/**
 * The kit's context with the driver's routes served by the bridge's own {@link HttpServers} instead of the kit's
 * stand-in: for tests of what the bridge's servers do (guards before the body, non-blocking body reads, limits).
 */
class BridgeServedContext extends TestDriverContext {

    private final HttpServers servers = new HttpServers("127.0.0.1");

    BridgeServedContext(DriverConfig config) {
        super(config);
    }

    @Override
    public HttpRoutes http(int port) {
        return servers.routes(port);
    }

    @Override
    public void startHttp() {
        servers.start();
        servers.markReady();
    }

    @Override
    public URI url(int configuredPort, String path) {
        return URI.create("http://127.0.0.1:" + servers.boundPort(configuredPort) + path);
    }

    @Override
    public void close() {
        servers.stop();
        super.close();
    }
}
