package io.chatbridge.dingtalk;

import com.github.benmanes.caffeine.cache.Ticker;
import io.chatbridge.dingtalk.outbound.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Fake time for tests: a clock, a Caffeine ticker and a sleeper that advances the clock instead of sleeping. */
final class TestTime {

    private TestTime() {
    }

    /** A clock that moves only when told. */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(Instant start) {
            this.millis = new AtomicLong(start.toEpochMilli());
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
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
