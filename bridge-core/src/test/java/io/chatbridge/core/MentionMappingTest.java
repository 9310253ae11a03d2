package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MentionMappingTest {

    private static final Map<String, String> PLATFORMS = Map.of("dt", "dingtalk", "dt2", "dingtalk", "hook", "webhook");

    private static InboundMessage from(String platform, String instance, String... ids) {
        return InboundMessage.builder().platform(platform).instanceId(instance)
                .mentions(new Mentions(List.of(ids), List.of(), false)).text("@bob look").build();
    }

    private static OutboundMessage to(String instance, Map<String, Object> options, InboundMessage m) {
        return OutboundMessage.builder().deliveryId("d").ruleId("r").instanceId(instance).options(options)
                .mentions(m.mentions()).build();
    }

    @Test
    void aTargetOfTheSamePlatformGetsTheMentionAsItIs() {
        InboundMessage m = from("dingtalk", "dt", "bob01");

        OutboundMessage out = MentionMapping.apply(m, List.of(to("dt2", Map.of(), m)), PLATFORMS::get).get(0);

        assertThat(out.mentions().userIds()).containsExactly("bob01");
    }

    @Test
    void theRulesMentionsMapTurnsAnotherPlatformsIdIntoTheTargets() {
        InboundMessage m = from("webhook", "hook", "bob@corp.example", "eve@corp.example");

        OutboundMessage out = MentionMapping.apply(m,
                List.of(to("dt", Map.of("mentions", Map.of("bob@corp.example", "bob01")), m)), PLATFORMS::get).get(0);

        assertThat(out.mentions().userIds()).containsExactly("bob01");
    }
}
