package io.chatbridge.dingtalk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class CustomRobotBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CustomRobotBody roundTrip(CustomRobotBody body) throws Exception {
        return CustomRobotBody.read(JSON.readTree(JSON.writeValueAsString(body.toMap())));
    }

    @Test
    void everyBodyTheDriverWritesReadsBackTheSame() throws Exception {
        List<CustomRobotBody> bodies = List.of(
                new CustomRobotBody.Text("hi @138", new CustomRobotBody.At(List.of("138"), List.of("u1"), false)),
                new CustomRobotBody.Markdown("T", "**b**", CustomRobotBody.At.NONE),
                new CustomRobotBody.Link("T", "t", "https://p", "https://m"),
                new CustomRobotBody.ActionCard("T", "t", "0", "Open", "https://s", List.of()),
                new CustomRobotBody.ActionCard("T", "t", "1", null, null,
                        List.of(new CustomRobotBody.Button("A", "https://a"), new CustomRobotBody.Button("B", "https://b"))),
                new CustomRobotBody.FeedCard(List.of(new CustomRobotBody.FeedLink("F", "https://f", "https://fp"))));
        for (CustomRobotBody body : bodies) {
            assertThat(roundTrip(body)).isEqualTo(body);
        }
    }

    @Test
    void keepsDingTalksCasingPerType() throws Exception {
        String link = JSON.writeValueAsString(new CustomRobotBody.Link("T", "t", "p", "m").toMap());
        String feed = JSON.writeValueAsString(new CustomRobotBody.FeedCard(
                List.of(new CustomRobotBody.FeedLink("F", "m", "p"))).toMap());

        assertThat(link).isEqualTo("{\"msgtype\":\"link\",\"link\":{\"title\":\"T\",\"text\":\"t\",\"picUrl\":\"p\","
                + "\"messageUrl\":\"m\"}}");
        assertThat(feed).contains("\"messageURL\":\"m\"", "\"picURL\":\"p\"");
    }

    @Test
    void refusesWhatDingTalkRefuses() {
        assertThatThrownBy(() -> CustomRobotBody.read(JSON.readTree("{\"msgtype\":\"image\"}")))
                .isInstanceOfSatisfying(CustomRobotBody.Invalid.class, e -> assertThat(e.unsupportedType()).isTrue());
        assertThatThrownBy(() -> CustomRobotBody.read(JSON.readTree("{\"msgtype\":\"link\",\"link\":{\"title\":\"T\"}}")))
                .isInstanceOfSatisfying(CustomRobotBody.Invalid.class, e -> {
                    assertThat(e.unsupportedType()).isFalse();
                    assertThat(e.getMessage()).isEqualTo("missing parameter link.text");
                });
    }
}
