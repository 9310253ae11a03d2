package io.chatbridge.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Identities;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MentionMappingTest {

    private static final Map<String, String> PLATFORMS = Map.of("dt", "dingtalk", "dt2", "dingtalk", "hook",
            "webhook", "tg", "telegram");
    private static final Identities PEOPLE = Identities.of(List.of(
            Map.of("tg", "123456789", "dt", "alice01"),
            Map.of("tg", "987654321", "hook", "bob@corp.example")));

    private static InboundMessage from(String platform, String instance, String... ids) {
        return InboundMessage.builder().platform(platform).instanceId(instance)
                .mentions(new Mentions(List.of(ids), List.of(), false)).text("@bob look").build();
    }

    private static OutboundMessage to(String instance, Map<String, Object> options, InboundMessage m) {
        return OutboundMessage.builder().deliveryId("d").ruleId("r").instanceId(instance).options(options)
                .mentions(m.mentions()).build();
    }

    private static OutboundMessage map(InboundMessage m, OutboundMessage delivery) {
        return MentionMapping.apply(m, List.of(delivery), PLATFORMS::get, PEOPLE).get(0);
    }

    @Test
    void aTargetOfTheSamePlatformGetsTheMentionAsItIs() {
        InboundMessage m = from("dingtalk", "dt", "bob01");

        assertThat(map(m, to("dt2", Map.of(), m)).mentions().userIds()).containsExactly("bob01");
    }

    @Test
    void idsTheRuleItselfAddsAreKeptBesideTheMappedMentions() {
        InboundMessage m = from("webhook", "hook", "bob@corp.example");
        // the rule's msg.at_user_ids added oncall01 to the delivery's mentions
        OutboundMessage delivery = to("dt", Map.of("mentions", Map.of("bob@corp.example", "bob01")), m).toBuilder()
                .mentions(new Mentions(List.of("bob@corp.example", "oncall01"), List.of(), false)).build();

        assertThat(map(m, delivery).mentions().userIds()).containsExactly("bob01", "oncall01");
    }

    @Test
    void theRulesMentionsMapTurnsAnotherPlatformsIdIntoTheTargets() {
        InboundMessage m = from("webhook", "hook", "bob@corp.example", "eve@corp.example");

        OutboundMessage out = map(m, to("dt", Map.of("mentions", Map.of("bob@corp.example", "bob01")), m));

        assertThat(out.mentions().userIds()).containsExactly("bob01");
    }

    @Test
    void anIdentityTurnsTheSourceInstancesIdIntoTheTargetInstancesId() {
        InboundMessage m = InboundMessage.builder().platform("telegram").instanceId("tg").text("@alice see this")
                .mentions(new Mentions(List.of("123456789", "555"), List.of(), false,
                        Map.of("123456789", "alice", "555", "carol"))).build();

        OutboundMessage out = map(m, to("dt", Map.of(), m));

        // 555 is nobody on dt: left to the text; alice's display name goes with her DingTalk id
        assertThat(out.mentions().userIds()).containsExactly("alice01");
        assertThat(out.mentions().names()).containsExactly(Map.entry("alice01", "alice"));
    }

    @Test
    void theRulesMapWinsOverAnIdentity() {
        InboundMessage m = from("telegram", "tg", "123456789");

        OutboundMessage out = map(m, to("dt", Map.of("mentions", Map.of("123456789", "alice-on-call")), m));

        assertThat(out.mentions().userIds()).containsExactly("alice-on-call");
    }

    @Test
    void anIdentityWithoutAnIdOnTheTargetMapsNothing() {
        InboundMessage m = from("telegram", "tg", "987654321");

        assertThat(map(m, to("dt", Map.of(), m)).mentions().userIds()).isEmpty();
        assertThat(map(m, to("hook", Map.of(), m)).mentions().userIds()).containsExactly("bob@corp.example");
    }

    @Test
    void theSameOrganisationKeepsTheDisplayNameOfTheStaffId() {
        InboundMessage m = InboundMessage.builder().platform("dingtalk").instanceId("dt").text("@Alice hi")
                .mentions(new Mentions(List.of("alice01"), List.of(), false, Map.of("alice01", "Alice"))).build();

        OutboundMessage out = map(m, to("dt2", Map.of(), m));

        assertThat(out.mentions().nameOf("alice01")).isEqualTo("Alice");
    }
}
