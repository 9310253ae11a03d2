package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryDeliveryStoreDedupTest {

    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void keyIsADuplicateWithinTheWindowAndFreshAfterIt() {
        InMemoryDeliveryStore store = new InMemoryDeliveryStore();

        assertThat(store.append("dt\nm1", List.of(), T0, WINDOW)).isTrue();
        assertThat(store.append("dt\nm1", List.of(), T0.plus(WINDOW).minusMillis(1), WINDOW)).isFalse();
        assertThat(store.append("dt\nm1", List.of(), T0.plus(WINDOW), WINDOW)).isTrue();
    }

    @Test
    void expiredKeysAreDroppedWhileNewerOnesStay() {
        InMemoryDeliveryStore store = new InMemoryDeliveryStore();
        store.append("dt\nold", List.of(), T0, WINDOW);
        store.append("dt\nnewer", List.of(), T0.plus(Duration.ofMinutes(5)), WINDOW);

        store.append("dt\ntrigger", List.of(), T0.plus(WINDOW), WINDOW);

        assertThat(store.append("dt\nnewer", List.of(), T0.plus(WINDOW), WINDOW)).isFalse();
        assertThat(store.append("dt\nold", List.of(), T0.plus(WINDOW), WINDOW)).isTrue();
    }

    @Test
    void pastTheKeyLimitTheOldestKeysAreForgottenEarly() {
        InMemoryDeliveryStore store = new InMemoryDeliveryStore();
        for (int i = 0; i <= InMemoryDeliveryStore.MAX_DEDUP_KEYS; i++) {
            store.append("dt\nm" + i, List.of(), T0, WINDOW);
        }

        assertThat(store.append("dt\nm" + InMemoryDeliveryStore.MAX_DEDUP_KEYS, List.of(), T0, WINDOW)).isFalse();
        assertThat(store.append("dt\nm0", List.of(), T0, WINDOW)).isTrue();
    }
}
