package io.chatbridge.spi;

/**
 * Checks a request's headers (a token, a signature's timestamp) before its body is read, so that a caller without
 * credentials is answered at once and cannot hold a connection by sending its body slowly. Given with a route:
 * {@link HttpRoutes#route(String, String, RequestGuard, HttpHandler)} or
 * {@link HttpRoutes#routeAsync(String, String, RequestGuard, AsyncHttpHandler)}.
 *
 * <p>Called by the bridge on a server thread once the request line and headers have arrived, before any byte of
 * the body is read; must return promptly and not block. The request it sees has an empty body. When the guard
 * answers, the handler is not called, the answer is written at once and the connection is closed after what the
 * client is still sending is dropped (bounded in size and time). A guard that throws is answered 500 (logged).
 */
@FunctionalInterface
public interface RequestGuard {

    /**
     * @param head the request with its method, path, headers, query and peer; its body is empty (not read yet)
     * @return {@code null} to read the body and call the handler, or the answer to send instead (e.g. 401)
     */
    HttpResponse check(HttpRequest head) throws Exception;
}
