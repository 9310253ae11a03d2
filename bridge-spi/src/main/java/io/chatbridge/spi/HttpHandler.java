package io.chatbridge.spi;

/** Handles one HTTP request on a bridge server. */
@FunctionalInterface
public interface HttpHandler {

    /** Answers the request. Runs on a server thread; must return promptly. */
    HttpResponse handle(HttpRequest request) throws Exception;
}
