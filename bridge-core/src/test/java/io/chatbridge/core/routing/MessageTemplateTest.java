package io.chatbridge.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichHeader;
import io.chatbridge.spi.Sender;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MessageTemplateTest {

    private final InboundMessage message = InboundMessage.builder()
            .platform("dingtalk").instanceId("dt_main")
            .channel("open_conversation_id", "cidA")
            .sender(Sender.builder().id("user123").displayName("杨xx").username("yang")
                    .avatarUrl("https://a/avatar.png").build())
            .text("你好").time(Instant.parse("2021-02-18T06:37:32.678Z"))
            .extension("channel_name", "机器人测试-TEST")
            .build();

    @Test
    void defaultFormatIsUserColonMessage() {
        assertThat(MessageTemplate.of(null).render(message)).isEqualTo("杨xx: 你好");
    }

    @Test
    void defaultFormatWithoutSenderIsJustTheMessage() {
        InboundMessage event = InboundMessage.builder().platform("webhook").instanceId("alerts")
                .channel("source", "prometheus").text("disk full on db1").build();

        assertThat(MessageTemplate.of(null).render(event)).isEqualTo("disk full on db1");
        assertThat(MessageTemplate.of(null, ZoneOffset.UTC).render(event)).isEqualTo("disk full on db1");
        InboundMessage blankName = InboundMessage.builder().sender(Sender.of(null, " ")).text("x").build();
        assertThat(MessageTemplate.of(null).render(blankName)).isEqualTo("x");
    }

    @Test
    void explicitUserColonMessageFormatIsRenderedAsWrittenWithoutSender() {
        InboundMessage event = InboundMessage.builder().text("disk full on db1").build();

        assertThat(MessageTemplate.of(MessageTemplate.DEFAULT_FORMAT).render(event)).isEqualTo(": disk full on db1");
    }

    @Test
    void everyVariableIsReplaced() {
        MessageTemplate t = MessageTemplate.of(
                "{platform}|{instance_id}|{from}|{user}|{user_id}|{user_avatar}|{msg}|{time}|{username}|{nickname}",
                ZoneOffset.UTC);
        assertThat(t.render(message)).isEqualTo("dingtalk|dt_main|机器人测试-TEST|杨xx|user123|https://a/avatar.png|你好|"
                + "2021-02-18 06:37:32|yang|杨xx");
    }

    @Test
    void unknownVariablesAreLeftAsWritten() {
        assertThat(MessageTemplate.of("{user} said {msg} in {room} {}").render(message))
                .isEqualTo("杨xx said 你好 in {room} {}");
    }

    @Test
    void unknownVariableIsLoggedOnceHoweverOftenTheTemplateIsCompiledOrRendered() {
        Logger logger = (Logger) LoggerFactory.getLogger(MessageTemplate.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        String format = "{msg} (seen by {watcher})";
        MessageTemplate.Compiler bridge = new MessageTemplate.Compiler(); // one per bridge
        try {
            for (int i = 0; i < 3; i++) {
                MessageTemplate template = bridge.compile(format); // e.g. two rules using it
                template.render(message);
                template.render(message);
            }
        } finally {
            logger.detachAppender(appender);
        }

        assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().contains(format))
                .singleElement().satisfies(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).contains("uses unknown variable {watcher}")
                            .contains("it is left as written");
                });
    }

    @Test
    void unknownVariablesAreWarnedPerBridgeNotOncePerProcess() {
        Logger logger = (Logger) LoggerFactory.getLogger(MessageTemplate.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        String format = "{usr}: {msg}";
        try {
            new MessageTemplate.Compiler().compile(format); // a first bridge in this JVM
            new MessageTemplate.Compiler().compile(format); // a second one (a test, a reload) says it again
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().contains(format)).hasSize(2);
    }

    @Test
    void unknownVariablesAreListedOnceEachInOrder() {
        assertThat(MessageTemplate.unknownVariables("{usr} {msg} {room} {usr}")).containsExactly("usr", "room");
        assertThat(MessageTemplate.unknownVariables("{user}: {msg}")).isEmpty();
    }

    @Test
    void fromFallsBackToChannelFieldsWithoutAName() {
        InboundMessage plain = InboundMessage.builder().instanceId("dt").channel("open_conversation_id", "cidA")
                .text("x").build();
        assertThat(MessageTemplate.of("{from}").render(plain)).isEqualTo("cidA");
    }

    @Test
    void missingSenderFieldsRenderEmpty() {
        InboundMessage anonymous = InboundMessage.builder().text("hi").build();
        assertThat(MessageTemplate.of("[{user_id}]{user}: {msg} {time}").render(anonymous)).isEqualTo("[]: hi ");
    }

    @Test
    void richHeaderIsCutOutAndExpanded() {
        MessageTemplate t = MessageTemplate.of("<richheader title=\"{user}\" content=\"via {platform}\"/>\n{msg}");
        assertThat(t.render(message)).isEqualTo("你好");
        assertThat(t.header(message)).isEqualTo(new RichHeader("杨xx", "via dingtalk"));
        assertThat(t.header(message).asLine()).isEqualTo("[杨xx · via dingtalk]");
    }

    @Test
    void formatWithoutHeaderHasNone() {
        assertThat(MessageTemplate.of("{msg}").header(message)).isNull();
    }
}
