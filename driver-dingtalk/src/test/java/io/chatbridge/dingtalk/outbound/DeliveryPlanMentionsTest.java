package io.chatbridge.dingtalk.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentContent;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A message sent as several app robot messages notifies the people it mentions once. */
class DeliveryPlanMentionsTest {

    private static final long MAX = 1024;

    private final DeliveryPlan plan = new DeliveryPlan("dt", new DeliveryPlan.Media() {
        @Override
        public String freshUrl(Attachment attachment) {
            return attachment.url();
        }

        @Override
        public AttachmentContent open(Attachment attachment) throws DeliveryException {
            throw new AssertionError("a file over max_bytes is never fetched");
        }

        @Override
        public long maxBytes() {
            return MAX;
        }
    }, url -> true);

    private static OutboundMessage message(String text) {
        Attachment big = Attachment.builder().type("file").name("backup.zip").size(5 * MAX)
                .url("https://files.example/backup.zip").build();
        return OutboundMessage.builder().deliveryId("d1").ruleId("r").instanceId("dt").text(text)
                .attachments(List.of(big)).mentions(new Mentions(List.of("alice01"), List.of(), false)).build();
    }

    private static String text(AppRobotMessage m) {
        return String.valueOf(m.msgParam().get("content"));
    }

    @Test
    void aLineStandingForAFileDoesNotMentionAgainWhoTheTextAlreadyMentioned() throws DeliveryException {
        List<AppRobotMessage> sent = plan.forAppRobot(message("the backup, @alice"), (type, name, mime, bytes) -> {
            throw new AssertionError("nothing to upload");
        });

        assertThat(sent).hasSize(2);
        assertThat(text(sent.get(0))).contains("@alice01");
        assertThat(text(sent.get(1))).startsWith("[file] backup.zip").doesNotContain("@alice01");
    }

    @Test
    void withoutTextTheFirstLineCarriesTheMention() throws DeliveryException {
        List<AppRobotMessage> sent = plan.forAppRobot(message(""), (type, name, mime, bytes) -> {
            throw new AssertionError("nothing to upload");
        });

        assertThat(sent).hasSize(1);
        assertThat(text(sent.get(0))).startsWith("[file] backup.zip").contains("@alice01");
    }
}
