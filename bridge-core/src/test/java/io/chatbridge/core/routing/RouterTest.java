package io.chatbridge.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Rule;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Sender;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final Map<String, String> PLATFORMS = Map.of("dt_a", "dingtalk", "dt_b", "dingtalk",
            "hook", "webhook", "dt_x", "dingtalk");

    private static Rule.Endpoint ep(String instance, Map<String, Object> address) {
        return new Rule.Endpoint(instance, address, Map.of());
    }

    private static Rule.Endpoint ep(String instance, Map<String, Object> address, Map<String, Object> msg) {
        return new Rule.Endpoint(instance, address, msg);
    }

    private static Rule connect(String id, Map<String, Object> msg, Rule.Endpoint... channels) {
        return new Rule(id, Rule.Type.CONNECT, List.of(channels), List.of(channels), msg, 0);
    }

    private static Rule forward(String id, List<Rule.Endpoint> from, List<Rule.Endpoint> to) {
        return new Rule(id, Rule.Type.FORWARD, from, to, Map.of(), 0);
    }

    private static InboundMessage msg(String instance, String platform, Map<String, Object> channel) {
        return InboundMessage.builder().platform(platform).instanceId(instance).channel(channel)
                .sender(Sender.of("u1", "Alice")).text("hello").id("m1").build();
    }

    @Test
    void connectSendsToEveryOtherChannel() {
        Router router = new Router(List.of(connect("room", Map.of(),
                ep("dt_a", Map.of("open_conversation_id", "cidA")),
                ep("dt_b", Map.of("open_conversation_id", "cidB")),
                ep("hook", Map.of()))), PLATFORMS, false);

        List<OutboundMessage> out = router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")));

        assertThat(out).extracting(OutboundMessage::instanceId).containsExactly("dt_b", "hook");
        assertThat(out.get(0).channel()).isEqualTo(Map.of("open_conversation_id", "cidB"));
        assertThat(out.get(0).text()).isEqualTo("Alice: hello");
        assertThat(out.get(0).ruleId()).isEqualTo("room");
        assertThat(out.get(0).source().instanceId()).isEqualTo("dt_a");
        assertThat(out.get(0).source().messageId()).isEqualTo("m1");
        assertThat(out.get(0).deliveryId()).isNotEqualTo(out.get(1).deliveryId());
    }

    @Test
    void ruleWithoutMsgFormatSendsAnEventWithoutSenderAsJustItsText() {
        Router router = new Router(List.of(forward("alerts", List.of(ep("hook", Map.of())),
                List.of(ep("dt_a", Map.of("chat_group", "ops"))))), PLATFORMS, false);
        InboundMessage event = InboundMessage.builder().platform("webhook").instanceId("hook")
                .channel("type", "alert.critical").text("disk full on db1").id("e1").build();

        assertThat(router.route(event)).singleElement()
                .satisfies(o -> assertThat(o.text()).isEqualTo("disk full on db1"));
    }

    @Test
    void messageFromAnotherChannelOfTheInstanceDoesNotMatch() {
        Router router = new Router(List.of(connect("room", Map.of(),
                ep("dt_a", Map.of("open_conversation_id", "cidA")),
                ep("dt_b", Map.of("open_conversation_id", "cidB")))), PLATFORMS, false);
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidOther")))).isEmpty();
        assertThat(router.route(msg("hook", "webhook", Map.of()))).isEmpty();
    }

    @Test
    void forwardGoesOneWayOnly() {
        Router router = new Router(List.of(forward("alerts",
                List.of(ep("hook", Map.of("type", "alert.critical"))),
                List.of(ep("dt_a", Map.of("user_ids", List.of("m1", "m2")))))), PLATFORMS, false);

        assertThat(router.route(msg("hook", "webhook", Map.of("type", "alert.critical", "source", "prom"))))
                .singleElement().satisfies(o -> assertThat(o.channel()).containsEntry("user_ids", List.of("m1", "m2")));
        assertThat(router.route(msg("hook", "webhook", Map.of("type", "alert.info")))).isEmpty();
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of()))).isEmpty();
    }

    @Test
    void emptyAddressMatchesEveryMessageOfTheInstance() {
        Router router = new Router(List.of(forward("all", List.of(ep("hook", Map.of())),
                List.of(ep("dt_a", Map.of("chat_group", "ops"))))), PLATFORMS, false);
        assertThat(router.route(msg("hook", "webhook", Map.of("source", "x", "type", "y")))).hasSize(1);
    }

    @Test
    void addressValuesCompareAsTextForScalars() {
        Router router = new Router(List.of(forward("n", List.of(ep("hook", Map.of("priority", 1L))),
                List.of(ep("dt_a", Map.of())))), PLATFORMS, false);
        assertThat(router.route(msg("hook", "webhook", Map.of("priority", "1")))).hasSize(1);
    }

    @Test
    void neverSendsBackToTheOwnInstanceByDefault() {
        Router router = new Router(List.of(connect("same-robot", Map.of(),
                ep("dt_a", Map.of("open_conversation_id", "cidA")),
                ep("dt_a", Map.of("open_conversation_id", "cidB")))), PLATFORMS, false);
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")))).isEmpty();
    }

    @Test
    void strictEchoMatchOnlySkipsTheSameInstanceAndChannel() {
        Router router = new Router(List.of(connect("same-robot", Map.of(),
                ep("dt_a", Map.of("open_conversation_id", "cidA")),
                ep("dt_a", Map.of("open_conversation_id", "cidB")))), PLATFORMS, true);
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA"))))
                .singleElement().satisfies(o -> assertThat(o.channel()).containsEntry("open_conversation_id", "cidB"));
    }

    @Test
    void neverSendsBackToTheSameChannelThroughAnotherInstanceByDefault() {
        Router router = new Router(List.of(forward("f",
                List.of(ep("dt_a", Map.of("open_conversation_id", "cidA"))),
                List.of(ep("dt_b", Map.of("open_conversation_id", "cidA")), ep("dt_x", Map.of("open_conversation_id", "cidC"))))),
                PLATFORMS, false);
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA"))))
                .extracting(OutboundMessage::instanceId).containsExactly("dt_x");

        Router strict = new Router(List.of(forward("f",
                List.of(ep("dt_a", Map.of("open_conversation_id", "cidA"))),
                List.of(ep("dt_b", Map.of("open_conversation_id", "cidA"))))), PLATFORMS, true);
        assertThat(strict.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")))).hasSize(1);
    }

    @Test
    void forwardToItsOwnChannelIsAnEchoEvenInStrictMode() {
        Router router = new Router(List.of(forward("loop", List.of(ep("dt_a", Map.of())),
                List.of(ep("dt_a", Map.of())))), PLATFORMS, true);
        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")))).isEmpty();
    }

    @Test
    void perChannelMsgOverridesTheRuleMsgForThatTarget() {
        Router router = new Router(List.of(connect("room", Map.of("msg_format", "{user}: {msg}", "msg_type", "text"),
                ep("dt_a", Map.of("open_conversation_id", "cidA")),
                ep("dt_b", Map.of("open_conversation_id", "cidB"), Map.of("msg_format", "[{platform}] {msg}",
                        "msg_type", "markdown", "title", "Bridge")),
                ep("hook", Map.of()))), PLATFORMS, false);

        List<OutboundMessage> out = router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")));

        assertThat(out.get(0).text()).isEqualTo("[dingtalk] hello");
        assertThat(out.get(0).options()).isEqualTo(Map.of("msg_type", "markdown", "title", "Bridge"));
        assertThat(out.get(1).text()).isEqualTo("Alice: hello");
        assertThat(out.get(1).options()).isEqualTo(Map.of("msg_type", "text"));
    }

    @Test
    void everyMatchingRuleProducesItsOwnDelivery() {
        Router router = new Router(List.of(
                forward("r1", List.of(ep("hook", Map.of())), List.of(ep("dt_a", Map.of("chat_group", "ops")))),
                forward("r2", List.of(ep("hook", Map.of("type", "t"))), List.of(ep("dt_a", Map.of("chat_group", "ops"))))),
                PLATFORMS, false);
        assertThat(router.route(msg("hook", "webhook", Map.of("type", "t")))).extracting(OutboundMessage::ruleId)
                .containsExactly("r1", "r2");
    }

    @Test
    void manyGroupRulesRouteOnlyTheMatchingOneInRuleOrderWithCatchAllRules() {
        List<Rule> rules = new java.util.ArrayList<>();
        rules.add(forward("all-first", List.of(ep("dt_a", Map.of())), List.of(ep("hook", Map.of("n", 0)))));
        for (int i = 0; i < 1000; i++) {
            rules.add(forward("group-" + i, List.of(ep("dt_a", Map.of("open_conversation_id", "cid" + i))),
                    List.of(ep("hook", Map.of("n", i + 1)))));
        }
        rules.add(forward("numeric", List.of(ep("dt_a", Map.of("open_conversation_id", 7))),
                List.of(ep("hook", Map.of("n", "numeric")))));
        rules.add(forward("list-valued", List.of(ep("dt_a", Map.of("open_conversation_id", List.of("cid7")))),
                List.of(ep("hook", Map.of("n", "list")))));
        rules.add(forward("all-last", List.of(ep("dt_a", Map.of())), List.of(ep("hook", Map.of("n", "last")))));
        Router router = new Router(rules, PLATFORMS, false);

        List<OutboundMessage> out = router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cid7")));
        List<OutboundMessage> numeric = router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "7")));
        List<OutboundMessage> listChannel = router.route(msg("dt_a", "dingtalk",
                Map.of("open_conversation_id", List.of("cid7"))));

        assertThat(out).extracting(OutboundMessage::ruleId).containsExactly("all-first", "group-7", "all-last");
        assertThat(numeric).extracting(OutboundMessage::ruleId).containsExactly("all-first", "numeric", "all-last");
        assertThat(listChannel).extracting(OutboundMessage::ruleId)
                .containsExactly("all-first", "list-valued", "all-last");
    }

    @Test
    void aMessageMatchingNoRuleIsCountedAndLoggedOncePerChannelPerTenMinutes() {
        io.chatbridge.testkit.MutableClock clock =
                new io.chatbridge.testkit.MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        Router router = new Router(List.of(forward("ops", List.of(ep("hook", Map.of("room", "ops"))),
                List.of(ep("dt_a", Map.of("chat_group", "ops"))))), PLATFORMS, false, clock);
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(Router.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            InboundMessage random = msg("hook", "webhook", Map.of("room", "random"));
            assertThat(router.route(random)).isEmpty();
            assertThat(router.route(random)).isEmpty();
            clock.advance(java.time.Duration.ofMinutes(9));
            assertThat(router.route(random)).isEmpty();
            router.route(msg("hook", "webhook", Map.of("room", "other")));
            router.route(msg("hook", "webhook", Map.of("room", "ops"))); // matches: neither counted nor logged
            clock.advance(java.time.Duration.ofMinutes(1));
            router.route(random);

            assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .containsExactly("message from hook {\"room\":\"random\"} matched no rule",
                            "message from hook {\"room\":\"other\"} matched no rule",
                            "message from hook {\"room\":\"random\"} matched no rule");
            assertThat(logs.list).allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO);
            assertThat(router.unmatched()).isEqualTo(5);
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void aMessageWhoseOnlyTargetIsItsOwnChannelIsNotReportedAsMatchingNoRule() {
        Router router = new Router(List.of(forward("self", List.of(ep("dt_a", Map.of())),
                List.of(ep("dt_a", Map.of())))), PLATFORMS, false);

        assertThat(router.route(msg("dt_a", "dingtalk", Map.of("open_conversation_id", "cidA")))).isEmpty();
        assertThat(router.unmatched()).isZero();
    }
}
