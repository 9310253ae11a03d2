package io.chatbridge.spi;

import java.util.concurrent.CompletionStage;

/**
 * Handles one HTTP request on a bridge server without holding the server thread: the handler returns a stage at
 * once (typically from {@link DriverContext#publishAsync}) and the bridge writes the answer when it completes. A
 * stage that fails with {@link BridgeUnavailableException} is answered 503, any other failure 500 (logged).
 */
@FunctionalInterface
public interface AsyncHttpHandler {

    /** Starts answering the request. Runs on a server thread; must return promptly and not block. */
    CompletionStage<HttpResponse> handle(HttpRequest request) throws Exception;
}
