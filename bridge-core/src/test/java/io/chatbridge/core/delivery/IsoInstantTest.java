package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

    private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();

    @Test
    void formatsEveryInstantExactlyAsInstantToStringAndParsesItBack() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long second = random.nextLong(YEAR_0 - 1_000_000, YEAR_10000 + 1_000_000);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(second, nano);
            String text = IsoInstant.format(instant);
            assertThat(text).isEqualTo(instant.toString());
            if (second >= YEAR_0 && second < YEAR_10000) {
                assertThat(IsoInstant.parse(text)).isEqualTo(instant);
            }
        }
    }

    @Test
    void parsesAnyNumberOfFractionDigitsAsInstantParseDoes() {
        for (String text : new String[] {"2026-03-04T05:06:07Z", "2026-03-04T05:06:07.1Z",
                "2026-03-04T05:06:07.12Z", "2026-03-04T05:06:07.1234Z", "2026-03-04T05:06:07.123456789Z",
                "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00Z",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"}) {
            assertThat(IsoInstant.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void leavesEveryOtherShapeToTheStandardParser() {
        for (String text : new String[] {"2026-03-04T05:06:07+08:00", "2026-03-04 05:06:07Z", "2026-02-30T00:00:00Z",
                "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-04T24:00:00Z", "2026-03-04T23:60:00Z",
                "2026-03-04T23:59:60Z", "2026-03-04T05:06:07.Z", "2026-03-04T05:06:07.1234567890Z",
                "+2026-03-04T05:06:07Z", "2026-3-04T05:06:07Z", "2026-03-04T05:06:0xZ", "", "Z",
                "2026-03-04T05:06:07z", "-001-03-04T05:06:07Z"}) {
            assertThat(IsoInstant.parse(text)).as(text).isNull();
        }
    }

    @Test
    void storedInstantsInAnotherShapeStillReadThroughTheStandardParser() {
        String json = MessageCodec.write(MessageCodecTest.fullMessage())
                .replace("\"time\":\"2026-03-04T05:06:07.123Z\"", "\"time\":\"2026-03-04T13:06:07.123+08:00\"");
        assertThat(MessageCodec.read(json).source().time()).isEqualTo(Instant.parse("2026-03-04T05:06:07.123Z"));
        String seconds = MessageCodec.write(MessageCodecTest.fullMessage())
                .replace("\"time\":\"2026-03-04T05:06:07.123Z\"", "\"time\":1772600767.123");
        assertThat(MessageCodec.read(seconds).source().time()).isEqualTo(Instant.parse("2026-03-04T05:06:07.123Z"));
    }
}
