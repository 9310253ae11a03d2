package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.core.delivery.DeliveryStore.PendingDelivery;
import io.chatbridge.core.testing.PostgresServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The contract on a real PostgreSQL server, plus what only a shared database has to get right: replicas. */
class PostgresDeliveryStoreTest extends DeliveryStoreContract {

    private String url;

    @Override
    protected DeliveryStore createStore() {
        url = PostgresServer.get().newDatabase();
        return JdbcDeliveryStore.openPostgres(url, "postgres", null, 8);
    }

    private DeliveryStore replica() {
        return JdbcDeliveryStore.openPostgres(url, "postgres", null, 8);
    }

    @Test
    void aSecondReplicaOpeningTheSameDatabaseSeesTheSameOutbox() {
        append("t:a:1");
        try (DeliveryStore other = replica()) {
            assertThat(texts(other.claim(5, t0, LEASE))).containsExactly("1");
            assertThat(store.claim(5, t0, LEASE)).isEmpty();
        }
    }

    @Test
    void replicasClaimingConcurrentlyNeverHandOutTheSameDeliveryAndKeepPerQueueOrder() throws Exception {
        int queues = 6;
        int perQueue = 25;
        for (int i = 0; i < perQueue; i++) {
            for (int q = 0; q < queues; q++) {
                store.append(null, List.of(message("t", "q" + q, q + ":" + i)), t0, WINDOW);
            }
        }
        List<DeliveryStore> replicas = List.of(store, replica(), replica());
        Map<String, List<Integer>> sentPerQueue = new ConcurrentHashMap<>();
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean duplicate = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                DeliveryStore s = replicas.get(w % replicas.size());
                workers.add(pool.submit(() -> {
                    go.await();
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (s.stats(t0).pending() > 0 && System.nanoTime() < deadline) {
                        for (PendingDelivery d : s.claim(2, t0, LEASE)) {
                            if (!seen.add(d.id())) {
                                duplicate.set(true);
                            }
                            String[] parts = d.message().text().split(":");
                            sentPerQueue.computeIfAbsent(parts[0], k -> Collections.synchronizedList(new ArrayList<>()))
                                    .add(Integer.parseInt(parts[1]));
                            s.delivered(d, null, t0);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            replicas.get(1).close();
            replicas.get(2).close();
        }
        assertThat(duplicate).isFalse();
        assertThat(seen).hasSize(queues * perQueue);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < perQueue; i++) {
            expected.add(i);
        }
        for (int q = 0; q < queues; q++) {
            assertThat(sentPerQueue.get(String.valueOf(q))).as("queue " + q).containsExactlyElementsOf(expected);
        }
        assertThat(store.stats(t0).delivered()).isEqualTo((long) queues * perQueue);
    }

    @Test
    void concurrentDuplicatesFromTwoReplicasAreRecordedOnce() throws Exception {
        try (DeliveryStore other = replica()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    DeliveryStore s = i % 2 == 0 ? store : other;
                    results.add(pool.submit(() -> s.append("in\nmsg-1", List.of(message("t", "a", "x")), t0, WINDOW)));
                }
                int fresh = 0;
                for (Future<Boolean> r : results) {
                    fresh += r.get() ? 1 : 0;
                }
                assertThat(fresh).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(store.stats(t0).pending()).isEqualTo(1);
    }

    @Test
    void aWrongPasswordIsAClearErrorWithoutThePassword() {
        PostgresServer server = PostgresServer.get();
        String db = server.newDatabase();
        assertThatThrownBy(() -> JdbcDeliveryStore.openPostgres(db + "?password=hunter22", "nobody_here",
                "s3cr3t-pass", 2))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open database " + db.replaceFirst("\\?.*", "") + ": ")
                .hasMessageNotContaining("s3cr3t-pass")
                .hasMessageNotContaining("hunter22");
    }

    @Test
    void aReplicaStartingOnAMigratedDatabaseKeepsItsData() {
        append("t:a:1");
        try (DeliveryStore again = replica()) {
            assertThat(again.stats(t0).pending()).isEqualTo(1);
        }
    }
}
