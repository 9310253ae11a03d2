package io.chatbridge.dingtalk.outbound;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Holds the app's access token. A token is dropped {@link #REFRESH_MARGIN} before DingTalk's {@code expireIn}
 * runs out, so no send goes out with a token about to expire; callers that ask while a fetch is in flight share it
 * (one request for a burst of sends); a failed fetch is shared by the callers waiting for it, then forgotten.
 *
 * <p>Failures complete the shared fetch as values (removed once seen) rather than as failed futures, so that
 * Caffeine does not log every failed fetch with a stack trace; the caller logs and classifies it.
 */
public final class AccessTokenCache {

    /** How long before DingTalk's expiry a token is replaced. */
    public static final Duration REFRESH_MARGIN = Duration.ofSeconds(60);

    /** Fetches a token from DingTalk; may block. */
    @FunctionalInterface
    public interface Fetcher {
        AccessToken fetch() throws Exception;
    }

    private static final String KEY = "token";

    private final AsyncLoadingCache<String, Fetched> cache;

    /** The outcome of one fetch: a token or the failure. */
    private record Fetched(AccessToken token, Throwable failure) {
    }

    /**
     * @param fetcher called on {@code executor} when no valid token is cached
     * @param ticker the time source for expiry ({@link Ticker#systemTicker()} outside tests)
     */
    private final java.util.function.Consumer<String> secretSink;

    public AccessTokenCache(Fetcher fetcher, Executor executor, Ticker ticker) {
        this(fetcher, executor, ticker, token -> { });
    }

    /**
     * @param fetcher called on {@code executor} when no valid token is cached
     * @param ticker the time source for expiry ({@link Ticker#systemTicker()} outside tests)
     * @param secrets told every fetched token before anyone uses it ({@code DriverContext::secret}), so that a
     *     server quoting it back is masked in logs and dead letters
     */
    public AccessTokenCache(Fetcher fetcher, Executor executor, Ticker ticker,
                            java.util.function.Consumer<String> secrets) {
        this.secretSink = secrets;
        this.cache = Caffeine.newBuilder()
                .executor(executor)
                .ticker(ticker)
                .expireAfter(new RefreshBeforeExpiry())
                .buildAsync((key, exec) -> CompletableFuture.supplyAsync(() -> {
                    try {
                        AccessToken token = fetcher.fetch();
                        if (token != null) {
                            secrets.accept(token.value());
                        }
                        return new Fetched(token, null);
                    } catch (Exception e) {
                        return new Fetched(null, e);
                    }
                }, exec));
    }

    /** The cached token, or a fetch in flight (shared with concurrent callers). */
    public CompletableFuture<AccessToken> get() {
        return cache.get(KEY).thenCompose(fetched -> {
            if (fetched.failure() == null) {
                // registered again on every use: the bridge keeps a few runtime secrets per instance, newest first
                secretSink.accept(fetched.token().value());
                return CompletableFuture.completedFuture(fetched.token());
            }
            // the callers that shared this fetch all see the failure; the next caller fetches again
            cache.synchronous().asMap().remove(KEY, fetched);
            return CompletableFuture.failedFuture(fetched.failure());
        });
    }

    /** Drops {@code stale} after DingTalk rejected it, unless another caller already replaced it. */
    public void invalidate(AccessToken stale) {
        cache.synchronous().asMap().remove(KEY, new Fetched(stale, null));
    }

    private static final class RefreshBeforeExpiry implements Expiry<String, Fetched> {
        @Override
        public long expireAfterCreate(String key, Fetched fetched, long currentTime) {
            if (fetched.failure() != null) {
                return 0;
            }
            return Math.max(0, fetched.token().expiresIn().minus(REFRESH_MARGIN).toNanos());
        }

        @Override
        public long expireAfterUpdate(String key, Fetched fetched, long currentTime, long currentDuration) {
            return expireAfterCreate(key, fetched, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Fetched fetched, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
