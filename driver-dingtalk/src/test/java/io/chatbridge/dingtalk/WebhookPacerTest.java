package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.dingtalk.outbound.WebhookPacer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebhookPacerTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void twentyPerMinuteGoAtOnceAndTheTwentyFirstWaitsForTheWindow() {
        WebhookPacer pacer = WebhookPacer.perMinute(20);
        for (int i = 0; i < 20; i++) {
            assertThat(pacer.acquire(T0.plusSeconds(i))).isZero();
        }
        assertThat(pacer.delayFor(T0.plusSeconds(20))).isEqualTo(Duration.ofSeconds(40));
        assertThat(pacer.acquire(T0.plusSeconds(20))).isEqualTo(Duration.ofSeconds(40));
        // the 22nd waits for the second slot of the first minute to leave the window
        assertThat(pacer.acquire(T0.plusSeconds(20))).isEqualTo(Duration.ofSeconds(41));
    }

    @Test
    void delayForDoesNotReserve() {
        WebhookPacer pacer = WebhookPacer.perMinute(1);
        assertThat(pacer.delayFor(T0)).isZero();
        assertThat(pacer.delayFor(T0)).isZero();
        assertThat(pacer.acquire(T0)).isZero();
        assertThat(pacer.delayFor(T0)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void burstIsSpreadSoNoMinuteHoldsMoreThanTheRate() {
        WebhookPacer pacer = WebhookPacer.perMinute(3);
        Instant[] slots = new Instant[10];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = T0.plus(pacer.acquire(T0));
        }
        for (int i = 3; i < slots.length; i++) {
            assertThat(Duration.between(slots[i - 3], slots[i])).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
        }
        assertThat(slots[9]).isEqualTo(T0.plus(Duration.ofMinutes(3)));
    }

    @Test
    void quietPeriodResetsTheWindow() {
        WebhookPacer pacer = WebhookPacer.perMinute(2);
        pacer.acquire(T0);
        pacer.acquire(T0);
        assertThat(pacer.acquire(T0.plus(Duration.ofMinutes(5)))).isZero();
        assertThat(pacer.acquire(T0.plus(Duration.ofMinutes(5)))).isZero();
    }
}
