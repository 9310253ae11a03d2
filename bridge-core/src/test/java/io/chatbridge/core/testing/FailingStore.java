package io.chatbridge.core.testing;

import io.chatbridge.core.delivery.DeliveryStore;
import io.chatbridge.core.delivery.StoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store that fails on demand: {@link #failNext} makes the next calls of one method throw a
 * {@link StoreException} as a full disk would, without touching the store underneath.
 */
public final class FailingStore {

    private final DeliveryStore real;
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final DeliveryStore proxy;

    public FailingStore(DeliveryStore real) {
        this.real = real;
        this.proxy = (DeliveryStore) Proxy.newProxyInstance(DeliveryStore.class.getClassLoader(),
                new Class<?>[] {DeliveryStore.class}, (p, method, args) -> {
                    calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
                    AtomicInteger left = failures.get(method.getName());
                    if (left != null && left.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
                        throw new StoreException("outbox test: " + method.getName() + " failed: disk I/O error",
                                null);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The store to hand to the code under test. */
    public DeliveryStore store() {
        return proxy;
    }

    /** The next {@code times} calls of {@code method} fail ({@link Integer#MAX_VALUE}: until {@link #heal}). */
    public FailingStore failNext(String method, int times) {
        failures.computeIfAbsent(method, k -> new AtomicInteger()).set(times);
        return this;
    }

    /** Every call of {@code method} fails until {@link #heal}. */
    public FailingStore fail(String method) {
        return failNext(method, Integer.MAX_VALUE);
    }

    /** Nothing fails any more. */
    public void heal() {
        failures.clear();
    }

    /** How often {@code method} was called (failed calls included). */
    public int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }
}
