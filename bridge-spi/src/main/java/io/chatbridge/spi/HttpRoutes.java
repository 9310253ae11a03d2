package io.chatbridge.spi;

/** Route registration on one of the bridge's HTTP servers. See {@link DriverContext#http(int)}. */
public interface HttpRoutes {

    /** The port as configured (0 means an ephemeral port chosen when the server opens). */
    int port();

    /**
     * Adds a handler for an exact path and method. Handlers run on the server's threads: they must not wait for
     * outbound sends. An exception thrown by a handler is logged and answered with 500.
     *
     * @throws IllegalStateException when another instance already registered the same method and path
     */
    void route(String method, String path, HttpHandler handler);

    /**
     * Like {@link #route(String, String, HttpHandler)}, with a guard that checks the headers before the body is
     * read (see {@link RequestGuard}): a request the guard answers never reaches the handler. The default checks
     * the guard after the body was read (same answers, not earlier); the bridge's own servers check it before.
     *
     * @throws IllegalStateException when another instance already registered the same method and path
     */
    default void route(String method, String path, RequestGuard guard, HttpHandler handler) {
        route(method, path, request -> {
            HttpResponse refused = guard.check(request);
            return refused != null ? refused : handler.handle(request);
        });
    }

    /** Shorthand for {@code route("POST", path, handler)}. */
    default void post(String path, HttpHandler handler) {
        route("POST", path, handler);
    }

    /** Shorthand for {@code route("GET", path, handler)}. */
    default void get(String path, HttpHandler handler) {
        route("GET", path, handler);
    }

    /**
     * Adds an asynchronous handler for an exact path and method: the server thread is released as soon as the
     * handler returned its stage, and the answer is written when the stage completes. The default waits for the
     * stage on the server thread; the bridge's own servers do not.
     *
     * @throws IllegalStateException when another instance already registered the same method and path
     */
    default void routeAsync(String method, String path, AsyncHttpHandler handler) {
        route(method, path, request -> {
            try {
                return handler.handle(request).toCompletableFuture().join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        });
    }

    /**
     * Like {@link #routeAsync(String, String, AsyncHttpHandler)}, with a guard that checks the headers before the
     * body is read (see {@link RequestGuard}). The default checks the guard after the body was read; the bridge's
     * own servers check it before reading any body byte.
     *
     * @throws IllegalStateException when another instance already registered the same method and path
     */
    default void routeAsync(String method, String path, RequestGuard guard, AsyncHttpHandler handler) {
        routeAsync(method, path, request -> {
            HttpResponse refused = guard.check(request);
            return refused != null ? java.util.concurrent.CompletableFuture.completedFuture(refused)
                    : handler.handle(request);
        });
    }

    /** Shorthand for {@code routeAsync("POST", path, guard, handler)}. */
    default void postAsync(String path, RequestGuard guard, AsyncHttpHandler handler) {
        routeAsync("POST", path, guard, handler);
    }

    /** Shorthand for {@code routeAsync("POST", path, handler)}. */
    default void postAsync(String path, AsyncHttpHandler handler) {
        routeAsync("POST", path, handler);
    }
}
