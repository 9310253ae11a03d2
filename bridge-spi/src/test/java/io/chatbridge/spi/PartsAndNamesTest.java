package io.chatbridge.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartsAndNamesTest {

    @Test
    void aSendInPartsKeepsEveryPartsIdInOrderAndJoinsThemAsTheMessageId() {
        SendResult parts = SendResult.ofParts(Arrays.asList("k1", null, "", "k2", "k3"));
        assertThat(parts.partMessageIds()).containsExactly("k1", "k2", "k3");
        assertThat(parts.platformMessageId()).isEqualTo("k1,k2,k3");
        assertThat(SendResult.ofParts(List.of()).platformMessageId()).isNull();
    }

    @Test
    void aSendWithOneIdHasThatOnePartAndOneWithoutNone() {
        assertThat(new SendResult("pqk").partMessageIds()).containsExactly("pqk");
        assertThat(SendResult.OK.partMessageIds()).isEmpty();
    }

    @Test
    void mentionsKeepNamesOnlyForMentionedIds() {
        Mentions m = new Mentions(List.of("alice01"), List.of(), false, Map.of("alice01", "Alice", "bob02", "Bob",
                "x", " "));
        assertThat(m.names()).containsExactly(Map.entry("alice01", "Alice"));
        assertThat(m.nameOf("bob02")).isNull();
        assertThat(new Mentions(List.of("a"), List.of(), false)).isEqualTo(new Mentions(List.of("a"), List.of(),
                false, Map.of()));
    }
}
