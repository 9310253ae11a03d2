package io.chatbridge.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.spi.DeliveryException.Category;
import io.chatbridge.spi.DeliveryException.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveryExceptionTest {

    @Test
    void aReasonIsTheStoredCodeAndThePlatformCodeStaysBesideIt() {
        DeliveryException e = DeliveryException.permanent(Reason.TARGET_GONE, "robot stopped")
                .withPlatformCode("400102");
        assertThat(e.reason()).isEqualTo(Reason.TARGET_GONE);
        assertThat(e.platformCode()).isEqualTo("400102");
        assertThat(e.code()).isEqualTo("TARGET_GONE");
        assertThat(e.category()).isEqualTo(Category.PERMANENT);
        assertThat(e.getMessage()).isEqualTo("robot stopped");
    }

    @Test
    void otherWithAPlatformCodeStoresThePlatformCode() {
        assertThat(DeliveryException.retryable(Reason.OTHER, "x").withPlatformCode("E42").code()).isEqualTo("E42");
        assertThat(DeliveryException.retryable(Reason.OTHER, "x").code()).isEqualTo("OTHER");
        assertThat(DeliveryException.retryable(Reason.OTHER, "x").withPlatformCode(" ").platformCode()).isNull();
    }

    @Test
    void thePlatformCodeIsSetOnce() {
        DeliveryException e = DeliveryException.retryable(Reason.NETWORK, "reset", Duration.ofSeconds(2))
                .withPlatformCode("ECONNRESET");
        assertThatThrownBy(() -> e.withPlatformCode("other")).isInstanceOf(IllegalStateException.class);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    @SuppressWarnings("deprecation")
    void freeFormCodesOfOlderDriversKeepWorking() {
        DeliveryException named = DeliveryException.retryable("RATE_LIMITED", "slow", Duration.ofSeconds(1));
        assertThat(named.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(named.platformCode()).isNull();
        assertThat(named.retryable()).isTrue();
        DeliveryException own = DeliveryException.permanent("HTTP_418", "teapot");
        assertThat(own.reason()).isEqualTo(Reason.OTHER);
        assertThat(own.platformCode()).isEqualTo("HTTP_418");
        assertThat(own.code()).as("what dead letters store, as before").isEqualTo("HTTP_418");
        assertThat(own.retryable()).isFalse();
        DeliveryException none = new DeliveryException(Category.RETRYABLE, (String) null, "?", null, null);
        assertThat(none.reason()).isEqualTo(Reason.OTHER);
        assertThat(none.code()).isEqualTo("OTHER");
    }
}
