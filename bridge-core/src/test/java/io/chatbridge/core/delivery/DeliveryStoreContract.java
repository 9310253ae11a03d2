package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.delivery.DeliveryStore.PendingDelivery;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DeliveryStore} must do; subclasses say which store. */
abstract class DeliveryStoreContract {

    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration WINDOW = Duration.ofMinutes(10);

    protected final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    protected DeliveryStore store;

    /** A new, empty store. */
    protected abstract DeliveryStore createStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static OutboundMessage message(String target, String room, String text) {
        return OutboundMessage.builder().deliveryId(UUID.randomUUID().toString()).ruleId("rule-1").instanceId(target)
                .channel(Map.of("room", room)).text(text).attachments(List.of()).options(Map.of())
                .source(new Origin("memory", "src", Map.of("room", "S"), "m-" + text, Sender.of("u1", "Ann"),
                        Instant.parse("2026-01-01T00:00:00Z"))).extensions(Map.of()).attempt(1).build();
    }

    void append(String... spec) {
        for (String s : spec) {
            String[] parts = s.split(":");
            store.append(null, List.of(message(parts[0], parts[1], parts[2])), t0, WINDOW);
        }
    }

    static List<String> texts(List<PendingDelivery> ds) {
        return ds.stream().map(d -> d.message().text()).toList();
    }

    @Test
    void handsOutOnlyTheHeadOfEachQueueInOrder() {
        append("t:a:1", "t:a:2", "t:b:3", "u:a:4", "t:a:5");
        List<PendingDelivery> first = store.claim(10, t0, LEASE);
        assertThat(texts(first)).containsExactlyInAnyOrder("1", "3", "4");
        assertThat(store.claim(10, t0, LEASE)).isEmpty();
        store.delivered(first.get(0), "x", t0);
        assertThat(texts(store.claim(10, t0, LEASE))).containsExactly("2");
    }

    @Test
    void aDeliveredMarkHandsOverTheNextDeliveryOfTheSameQueueOnly() {
        append("t:a:1", "t:a:2", "t:b:3", "t:a:4");
        PendingDelivery first = store.claim(1, t0, LEASE).get(0);
        assertThat(first.message().text()).isEqualTo("1");

        PendingDelivery second = store.deliveredAndClaimNext(first, List.of("x1"), t0, LEASE);
        assertThat(second.message().text()).isEqualTo("2");
        assertThat(second.queueKey()).isEqualTo(first.queueKey());
        assertThat(texts(store.claim(10, t0, LEASE))).as("2 is claimed; the other queue's head is free")
                .containsExactly("3");
        assertThat(store.links("src", "m-1")).extracting(DeliveryStore.MessageLink::targetMessageId)
                .containsExactly("x1");

        PendingDelivery third = store.deliveredAndClaimNext(second, List.of(), t0, LEASE);
        assertThat(third.message().text()).isEqualTo("4");
        assertThat(store.deliveredAndClaimNext(third, List.of(), t0, LEASE)).as("the queue is empty").isNull();
        assertThat(store.stats(t0).delivered()).isEqualTo(3);
    }

    @Test
    void aDeliveredMarkHandsOverNothingThatIsNotDueOrWhenItsClaimWasLost() {
        append("t:a:1", "t:a:2");
        PendingDelivery first = store.claim(1, t0, LEASE).get(0);
        PendingDelivery second = store.deliveredAndClaimNext(first, List.of(), t0, LEASE);
        store.retryLater(second, t0.plusSeconds(30), "boom");
        append("t:a:3");
        assertThat(store.claim(10, t0.plusSeconds(30), LEASE)).extracting(d -> d.message().text())
                .containsExactly("2");

        // a worker whose lease expired records nothing and gets nothing
        append("u:a:4", "u:a:5");
        PendingDelivery late = store.claim(10, t0, LEASE).stream().filter(d -> d.message().text().equals("4"))
                .findFirst().orElseThrow();
        PendingDelivery takenOver = store.claim(10, t0.plus(LEASE), LEASE).stream()
                .filter(d -> d.message().text().equals("4")).findFirst().orElseThrow();
        assertThat(store.deliveredAndClaimNext(late, List.of(), t0.plus(LEASE), LEASE)).isNull();
        assertThat(store.deliveredAndClaimNext(takenOver, List.of(), t0.plus(LEASE), LEASE).message().text())
                .isEqualTo("5");
    }

    @Test
    void claimRespectsMax() {
        append("t:a:1", "t:b:2", "t:c:3");
        assertThat(store.claim(2, t0, LEASE)).hasSize(2);
        assertThat(store.claim(2, t0, LEASE)).hasSize(1);
    }

    @Test
    void anExpiredLeaseLetsAnotherWorkerTakeOverAndTheLateWorkerChangesNothing() {
        append("t:a:1", "t:a:2");
        PendingDelivery late = store.claim(1, t0, LEASE).get(0);
        assertThat(store.claim(1, t0.plus(LEASE).minusMillis(1), LEASE)).isEmpty();
        PendingDelivery again = store.claim(1, t0.plus(LEASE), LEASE).get(0);
        assertThat(again.id()).isEqualTo(late.id());
        assertThat(again.claimToken()).isNotEqualTo(late.claimToken());

        store.delivered(late, "late", t0.plus(LEASE));
        store.retryLater(late, t0, "late");
        store.deadLetter(late, "late", t0);
        assertThat(store.stats(t0.plus(LEASE)).pending()).isEqualTo(2);
        assertThat(store.deadLetters(10)).isEmpty();

        store.delivered(again, "ok", t0.plus(LEASE));
        assertThat(texts(store.claim(1, t0.plus(LEASE), LEASE))).containsExactly("2");
    }

    @Test
    void aRenewedClaimIsNotTakenOverButALostOneStaysLost() {
        append("t:a:1");
        PendingDelivery d = store.claim(1, t0, LEASE).get(0);
        store.renew(List.of(d), t0.plus(LEASE).plusSeconds(20));
        assertThat(store.claim(1, t0.plus(LEASE).plusSeconds(19), LEASE)).isEmpty();
        PendingDelivery other = store.claim(1, t0.plus(LEASE).plusSeconds(20), LEASE).get(0);
        store.renew(List.of(d), t0.plus(LEASE).plusSeconds(100));
        store.delivered(d, "late", t0);
        assertThat(store.stats(t0).pending()).isEqualTo(1);
        store.delivered(other, "ok", t0);
        assertThat(store.stats(t0).pending()).isZero();
    }

    @Test
    void retryLaterCountsAnAttemptAndWaits() {
        append("t:a:1");
        PendingDelivery d = store.claim(1, t0, LEASE).get(0);
        assertThat(d.message().attempt()).isEqualTo(1);
        store.retryLater(d, t0.plusSeconds(5), "UNAVAILABLE: down");
        assertThat(store.nextDue()).isEqualTo(t0.plusSeconds(5));
        assertThat(store.claim(1, t0.plusSeconds(4), LEASE)).isEmpty();
        PendingDelivery second = store.claim(1, t0.plusSeconds(5), LEASE).get(0);
        assertThat(second.message().attempt()).isEqualTo(2);
        assertThat(second.createdAt()).isEqualTo(t0);
    }

    @Test
    void postponeWaitsWithoutCountingAnAttempt() {
        append("t:a:1", "t:a:2");
        store.postpone(store.claim(1, t0, LEASE).get(0), t0.plusSeconds(60));
        assertThat(store.claim(5, t0.plusSeconds(59), LEASE)).isEmpty();
        PendingDelivery d = store.claim(5, t0.plusSeconds(60), LEASE).get(0);
        assertThat(d.message().text()).isEqualTo("1");
        assertThat(d.message().attempt()).isEqualTo(1);
    }

    @Test
    void nextDueIsTheEarliestHeadOrLease() {
        assertThat(store.nextDue()).isNull();
        append("t:a:1", "t:b:2");
        assertThat(store.nextDue()).isEqualTo(t0);
        List<PendingDelivery> ds = store.claim(5, t0, LEASE);
        assertThat(store.nextDue()).isEqualTo(t0.plus(LEASE));
        store.retryLater(ds.get(0), t0.plusSeconds(3), "e");
        assertThat(store.nextDue()).isEqualTo(t0.plusSeconds(3));
    }

    @Test
    void deadLettersKeepTheErrorAndCanBeRetriedOrDropped() {
        append("t:a:1", "t:a:2", "t:b:3");
        List<PendingDelivery> ds = store.claim(5, t0, LEASE);
        PendingDelivery one = ds.stream().filter(d -> d.message().text().equals("1")).findFirst().orElseThrow();
        PendingDelivery three = ds.stream().filter(d -> d.message().text().equals("3")).findFirst().orElseThrow();
        store.retryLater(one, t0, "first");
        one = store.claim(5, t0, LEASE).get(0);
        store.deadLetter(one, "BAD_REQUEST: refused", t0.plusSeconds(1));
        store.deadLetter(three, "NO_DRIVER: gone", t0.plusSeconds(2));

        List<DeliveryStore.DeadLetter> dead = store.deadLetters(10);
        assertThat(dead).extracting(l -> l.message().text()).containsExactly("1", "3");
        assertThat(dead.get(0).error()).isEqualTo("BAD_REQUEST: refused");
        assertThat(dead.get(0).attempts()).isEqualTo(2);
        assertThat(dead.get(0).failedAt()).isEqualTo(t0.plusSeconds(1));
        assertThat(dead.get(0).createdAt()).isEqualTo(t0);
        assertThat(dead.get(0).message().deliveryId()).isEqualTo(one.message().deliveryId());
        assertThat(store.deadLetters(1)).hasSize(1);
        assertThat(store.stats(t0).dead()).isEqualTo(2);

        // the queue went on without the dead letter
        PendingDelivery two = store.claim(5, t0.plusSeconds(2), LEASE).get(0);
        assertThat(two.message().text()).isEqualTo("2");

        long oneId = dead.get(0).id();
        assertThat(store.retryDeadLetter(oneId, t0.plusSeconds(10))).isTrue();
        assertThat(store.retryDeadLetter(oneId, t0.plusSeconds(10))).isFalse();
        assertThat(store.claim(5, t0.plusSeconds(10), LEASE)).isEmpty(); // behind "2", still in flight
        store.delivered(two, null, t0.plusSeconds(10));
        PendingDelivery retried = store.claim(5, t0.plusSeconds(10), LEASE).get(0);
        assertThat(retried.message().text()).isEqualTo("1");
        assertThat(retried.message().attempt()).isEqualTo(1);
        assertThat(retried.createdAt()).isEqualTo(t0.plusSeconds(10));

        assertThat(store.dropDeadLetter(dead.get(1).id())).isTrue();
        assertThat(store.dropDeadLetter(dead.get(1).id())).isFalse();
        assertThat(store.deadLetters(10)).isEmpty();
    }

    @Test
    void retryAllMovesEveryDeadLetterBack() {
        append("t:a:1", "t:b:2");
        for (PendingDelivery d : store.claim(5, t0, LEASE)) {
            store.deadLetter(d, "x", t0);
        }
        assertThat(store.retryAllDeadLetters(t0)).isEqualTo(2);
        assertThat(store.deadLetters(10)).isEmpty();
        assertThat(texts(store.claim(5, t0, LEASE))).containsExactlyInAnyOrder("1", "2");
        assertThat(store.retryAllDeadLetters(t0)).isZero();
    }

    @Test
    void deduplicatesWithinTheWindowOnly() {
        assertThat(store.append("src\nm1", List.of(message("t", "a", "1")), t0, WINDOW)).isTrue();
        assertThat(store.append("src\nm1", List.of(message("t", "a", "1")), t0.plusSeconds(599), WINDOW)).isFalse();
        assertThat(store.append("src\nm2", List.of(), t0, WINDOW)).isTrue();
        assertThat(store.append("src\nm2", List.of(message("t", "a", "x")), t0, WINDOW)).isFalse();
        assertThat(store.stats(t0).pending()).isEqualTo(1);
        assertThat(store.append("src\nm1", List.of(message("t", "a", "1")), t0.plus(WINDOW), WINDOW)).isTrue();
        assertThat(store.stats(t0).pending()).isEqualTo(2);
    }

    @Test
    void concurrentAppendsAreAllKeptInEachCallersOrderAndADuplicateOnce() throws Exception {
        int threads = 8;
        int perThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> fresh = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String room = "r" + t;
                fresh.add(pool.submit(() -> {
                    go.await();
                    int accepted = 0;
                    for (int i = 0; i < perThread; i++) {
                        store.append(room + "\n" + i, List.of(message("t", room, room + "-" + i)), t0, WINDOW);
                        if (store.append("everyone\nsame", List.of(message("t", "dup", "dup")), t0, WINDOW)) {
                            accepted++;
                        }
                    }
                    return accepted;
                }));
            }
            go.countDown();
            int duplicatesAccepted = 0;
            for (Future<Integer> f : fresh) {
                duplicatesAccepted += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(duplicatesAccepted).as("appends of one dedup key accepted").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }

        assertThat(store.stats(t0).pending()).isEqualTo(threads * perThread + 1);
        Map<String, List<String>> byRoom = new HashMap<>();
        List<PendingDelivery> batch;
        while (!(batch = store.claim(100, t0, LEASE)).isEmpty()) {
            for (PendingDelivery d : batch) {
                byRoom.computeIfAbsent(String.valueOf(d.message().channel().get("room")), k -> new ArrayList<>())
                        .add(d.message().text());
                store.delivered(d, null, t0);
            }
        }
        for (int t = 0; t < threads; t++) {
            String room = "r" + t;
            assertThat(byRoom.get(room)).as(room).containsExactlyElementsOf(
                    IntStream.range(0, perThread).mapToObj(i -> room + "-" + i).toList());
        }
    }

    @Test
    void statsCountPendingInFlightDeliveredAndDead() {
        assertThat(store.stats(t0)).isEqualTo(new DeliveryStore.OutboxStats(0, 0, 0, 0, null));
        append("t:a:1", "t:a:2", "t:b:3");
        store.append(null, List.of(message("t", "c", "4")), t0.plusSeconds(5), WINDOW);
        List<PendingDelivery> ds = store.claim(5, t0.plusSeconds(5), LEASE);
        assertThat(store.stats(t0.plusSeconds(5)))
                .isEqualTo(new DeliveryStore.OutboxStats(4, 3, 0, 0, t0));
        store.delivered(ds.get(0), null, t0);
        store.deadLetter(ds.get(1), "x", t0);
        assertThat(store.stats(t0.plusSeconds(5)))
                .isEqualTo(new DeliveryStore.OutboxStats(2, 1, 1, 1, t0));
        assertThat(store.stats(t0.plusSeconds(5).plus(LEASE)).inFlight()).isZero();
    }

    @Test
    void recordsWhereEachSourceMessageWent() {
        store.append(null, List.of(message("t", "a", "1"), message("u", "b", "1")), t0, WINDOW);
        for (PendingDelivery d : store.claim(5, t0, LEASE)) {
            store.delivered(d, d.message().instanceId().equals("t") ? "tid-1" : null, t0);
        }
        assertThat(store.links("src", "m-1")).containsExactlyInAnyOrder(
                new DeliveryStore.MessageLink("rule-1", "t", "{\"room\":\"a\"}", "tid-1"),
                new DeliveryStore.MessageLink("rule-1", "u", "{\"room\":\"b\"}", null));
        assertThat(store.links("src", "m-2")).isEmpty();
        assertThat(store.links("other", "m-1")).isEmpty();
    }

    @Test
    void findsTheLinksOfAnIdAndOfTheIdsQualifyingItButNoOther() {
        // a CloudEvent's id is source\nid\nfingerprint; a recall names source\nid
        for (String id : List.of("s\ne1\nf1", "s\ne1\nf2", "s\ne1", "s\ne10\nf1", "s\nE1\nf1", "s\ne", "s\ne1x")) {
            OutboundMessage m = message("t", "a", id);
            store.append(null, List.of(m.toBuilder().source(new Origin("webhook", "src", Map.of(), id,
                    Sender.UNKNOWN, null)).build()), t0, WINDOW);
            PendingDelivery d = store.claim(1, t0, LEASE).get(0);
            store.delivered(d, "tid-" + id.replace('\n', '/'), t0);
        }
        assertThat(store.linksOfIdOrQualified("src", "s\ne1")).extracting(DeliveryStore.MessageLink::targetMessageId)
                .containsExactlyInAnyOrder("tid-s/e1/f1", "tid-s/e1/f2", "tid-s/e1");
        assertThat(store.linksOfIdOrQualified("src", "s\ne1\nf2"))
                .extracting(DeliveryStore.MessageLink::targetMessageId).containsExactly("tid-s/e1/f2");
        assertThat(store.linksOfIdOrQualified("src", "s\nnone")).isEmpty();
        assertThat(store.linksOfIdOrQualified("other", "s\ne1")).isEmpty();
    }

    @Test
    void aMessageSentInPartsHasOneLinkPerPart() {
        store.append(null, List.of(message("t", "a", "1")), t0, WINDOW);
        PendingDelivery d = store.claim(1, t0, LEASE).get(0);
        store.deliveredParts(d, List.of("k1", "k2", "k3"), t0);
        assertThat(store.links("src", "m-1")).extracting(DeliveryStore.MessageLink::targetMessageId)
                .containsExactly("k1", "k2", "k3");
        for (String part : List.of("k1", "k2", "k3")) {
            assertThat(store.sources("t", part)).containsExactly(new DeliveryStore.SourceLink("src", "m-1", "rule-1"));
        }
        assertThat(store.stats(t0).delivered()).isEqualTo(1);
    }

    @Test
    void findsTheSourceMessageOfATargetsMessageId() {
        store.append(null, List.of(message("t", "a", "1"), message("u", "b", "1")), t0, WINDOW);
        for (PendingDelivery d : store.claim(5, t0, LEASE)) {
            store.delivered(d, d.message().instanceId().equals("t") ? "tid-1" : null, t0);
        }
        assertThat(store.sources("t", "tid-1"))
                .containsExactly(new DeliveryStore.SourceLink("src", "m-1", "rule-1"));
        assertThat(store.sources("u", "tid-1")).isEmpty();
        assertThat(store.sources("t", "tid-2")).isEmpty();
    }

    @Test
    void theClaimedMessageIsTheAppendedOne() {
        OutboundMessage m = MessageCodecTest.fullMessage();
        store.append(null, List.of(m), t0, WINDOW);
        PendingDelivery d = store.claim(1, t0, LEASE).get(0);
        assertThat(d.message()).isEqualTo(m.withAttempt(1));
        assertThat(d.queueKey()).isEqualTo(DeliveryStore.queueKey(m));
    }
}
