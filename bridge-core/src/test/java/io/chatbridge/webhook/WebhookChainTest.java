package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.Sender;
import io.chatbridge.testkit.TestDriverContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One bridge's webhook egress posting into another bridge's webhook ingress. */
class WebhookChainTest {

    private OutboundMessage message() {
        return OutboundMessage.builder().deliveryId("del-7").ruleId("r1").instanceId("out")
                .channel(Map.of("room", "ops")).text("hello").rich(RichContent.actionCard("T", "body", null, null,
                        List.of(RichContent.button("Open", "https://example.com")), "1")).attachments(List.of())
                                .mentions(new Mentions(List.of("u1"), List.of(), false, Map.of("u1", "Alice"))).options(Map.of())
                                .source(new Origin("dingtalk", "dt", Map.of(), "m1", Sender.of("u9", "Li"), null))
                                .extensions(Map.of("xvchatgroup", "bot1")).attempt(1).build();
    }

    private void sendTwice(boolean ceMode, IngressFixture ingress) throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("webhook", "out", Map.of(
                "url", ingress.context.url(0, IngressFixture.PATH).toString(), "ce_mode", ceMode,
                "headers", Map.of("Authorization", "Bearer " + IngressFixture.TOKEN)), problems, List.of());
        WebhookDriver egress = (WebhookDriver) new WebhookDriverFactory().create(config);
        assertThat(problems).isEmpty();
        try (TestDriverContext context = new TestDriverContext(config)) {
            egress.start(context);
            egress.send(message());
            egress.send(message().withAttempt(2)); // a retry after a lost answer
            egress.stop();
        }
    }

    @Test
    void plainJsonKeepsRichContentMentionsAndSenderAndRetriesAreDeduplicated() throws Exception {
        try (IngressFixture ingress = new IngressFixture()) {
            sendTwice(false, ingress);

            assertThat(ingress.context.published()).hasSize(1);
            InboundMessage received = ingress.context.published().get(0);
            assertThat(received.id()).isEqualTo("del-7");
            assertThat(received.text()).isEqualTo("hello");
            assertThat(received.channel()).isEqualTo(Map.of("room", "ops"));
            assertThat(received.rich()).isEqualTo(message().rich());
            assertThat(received.mentions()).isEqualTo(message().mentions());
            assertThat(received.sender()).isEqualTo(Sender.of("u9", "Li"));
            assertThat(received.extensions()).containsEntry("xvchatgroup", "bot1");
        }
    }

    @Test
    void cloudEventModeArrivesAsEventOfTypeChatbridgeMessageKeepingRichContent() throws Exception {
        try (IngressFixture ingress = new IngressFixture()) {
            sendTwice(true, ingress);

            assertThat(ingress.context.published()).hasSize(1);
            InboundMessage received = ingress.context.published().get(0);
            assertThat(received.channel()).isEqualTo(Map.of("source", "chatbridge/out",
                    "type", "io.chatbridge.message"));
            assertThat(received.id()).startsWith("chatbridge/out\ndel-7\n");
            assertThat(received.text()).isEqualTo("hello");
            assertThat(received.rich()).isEqualTo(message().rich());
            assertThat(received.mentions()).isEqualTo(message().mentions());
            assertThat(received.extensions()).containsEntry("xvchatgroup", "bot1");
        }
    }
}
