package io.chatbridge.dingtalk.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The display names of a callback's mentions, as its text writes them. */
class MentionNamesTest {

    @Test
    void namesArePairedWithTheMentionedIdsInTheOrderOfTheText() {
        assertThat(CallbackMessage.names("@Alice @Bob please look", List.of("alice01", "bob01")))
                .containsEntry("alice01", "Alice").containsEntry("bob01", "Bob");
    }

    @Test
    void punctuationAfterANameEndsTheSentenceNotTheName() {
        assertThat(CallbackMessage.names("thanks @Alice, and @张三(研发)。", List.of("alice01", "zhang01")))
                .containsEntry("alice01", "Alice").containsEntry("zhang01", "张三(研发)");
    }

    @Test
    void noNamesAreGuessedWhenTheTextHasMoreOrFewerNamesThanIds() {
        assertThat(CallbackMessage.names("@Alice and @Bob", List.of("alice01"))).isEmpty();
    }
}
