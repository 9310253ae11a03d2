package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.testkit.MutableClock;
import io.chatbridge.dingtalk.outbound.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fake time for tests: a Caffeine ticker and a sleeper that advances a {@link MutableClock} (the kit's) instead of
 * sleeping.
 */
final class TestTime {

    private TestTime() {
    }

    /** A Caffeine ticker that moves only when told. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong();

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }

        @Override
        public long read() {
            return nanos.get();
        }
    }

    /** Records each wait and advances {@code clock} by it. */
    static final class FakeSleeper implements Sleeper {
        private final MutableClock clock;
        final List<Duration> waits = new CopyOnWriteArrayList<>();

        FakeSleeper(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public void sleep(Duration duration) {
            waits.add(duration);
            clock.advance(duration);
        }
    }
}
