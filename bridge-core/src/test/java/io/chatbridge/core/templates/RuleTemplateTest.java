package io.chatbridge.core.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.chatbridge.core.config.Rule;
import io.chatbridge.core.routing.Router;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.webhook.alerts.AlertMarkdown;
import io.chatbridge.webhook.alerts.AlertMessages;
import io.chatbridge.webhook.alerts.MarkdownText;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Rule templates through the router: payload fields, helpers, output type, mentions, and what never fails. */
class RuleTemplateTest {

    private static final Map<String, String> PLATFORMS = Map.of("am", "webhook", "git", "webhook",
            "dt", "dingtalk");
    private static final Instant NOW = Instant.parse("2024-05-01T08:30:00Z");

    private static final String GITLAB_PUSH = """
            {"object_kind": "push", "ref": "refs/heads/main", "user_name": "Jane Doe",
             "project": {"name": "chatbridge", "web_url": "https://gitlab.example.com/ops/chatbridge"},
             "commits": [
               {"id": "b6568db1", "message": "Fix the retry backoff\\n\\nlonger text", "author": {"name": "Jane"}},
               {"id": "da1560886", "message": "Add alert templates", "author": {"name": "Joe"}}],
             "total_commits_count": 2}""";

    private static InboundMessage alertMessage(String resource) throws IOException {
        try (InputStream in = RuleTemplateTest.class.getResourceAsStream("/alerts/" + resource)) {
            return new AlertMessages(new AlertMarkdown(ZoneOffset.UTC, AlertMarkdown.DEFAULT_MAX_BYTES),
                    AlertMessages.DEFAULT_RETRY_WINDOW).toMessage(new ObjectMapper().readTree(in), NOW)
                    .withOrigin("webhook", "am");
        }
    }

    private static InboundMessage gitlabPush() {
        return InboundMessage.builder().platform("webhook").instanceId("git").channel(Map.of("object_kind", "push"))
                .text(GITLAB_PUSH).time(NOW).extension(Payloads.EXTENSION, GITLAB_PUSH).build();
    }

    private static List<OutboundMessage> route(InboundMessage message, Map<String, Object> address,
                                               Map<String, Object> msg) {
        Rule rule = new Rule("r", Rule.Type.FORWARD,
                List.of(new Rule.Endpoint(message.instanceId(), address, Map.of())),
                List.of(new Rule.Endpoint("dt", Map.of("chat_group", "ops"), Map.of())), msg, 0);
        return new Router(List.of(rule), PLATFORMS, false).route(message);
    }

    @Test
    void templateRendersAGitLabPushEvent() {
        Map<String, Object> msg = Map.of("msg_type", "markdown", "title", "{{ project.name }}: push",
                "template", """
                        **{{ user_name }}** pushed {{ total_commits_count }} commits to \
                        [{{ project.name }}]({{ project.web_url }}) `{{ ref | replace({'refs/heads/': ''}) }}`
                        {% for c in commits %}
                        - {{ c.id | truncate(7, '') }} {{ c.message | split('\\n') | first }} ({{ c.author.name }})
                        {% endfor %}""");

        List<OutboundMessage> out = route(gitlabPush(), Map.of("object_kind", "push"), msg);

        assertThat(out).hasSize(1);
        assertThat(out.get(0).text()).isEqualTo("""
                **Jane Doe** pushed 2 commits to [chatbridge](https://gitlab.example.com/ops/chatbridge) `main`
                - b6568db Fix the retry backoff (Jane)
                - da15608 Add alert templates (Joe)""");
        assertThat(out.get(0).options()).containsEntry("msg_type", "markdown")
                .containsEntry("title", "chatbridge: push").doesNotContainKeys("template");
        assertThat(out.get(0).extensions()).doesNotContainKey(Payloads.EXTENSION);
    }

    @Test
    void missingFieldRendersEmptyAndTheMessageIsStillSent() {
        List<OutboundMessage> out = route(gitlabPush(), Map.of(), Map.of("template",
                "{{ user_name }} [{{ no.such.field }}] {{ nothing | upper }}|"));

        assertThat(out).hasSize(1);
        assertThat(out.get(0).text()).isEqualTo("Jane Doe [] |");
    }

    @Test
    void templateThatRendersNothingFallsBackToTheDefaultText() {
        List<OutboundMessage> out = route(gitlabPush(), Map.of(), Map.of("template", "{{ no_such_field }}"));

        assertThat(out.get(0).text()).isEqualTo(GITLAB_PUSH);
    }

    /** Runs {@code test} with {@link RuleTemplate}'s log events captured in {@code logs}. */
    private static void withTemplateLogs(java.util.function.Consumer<ListAppender<ILoggingEvent>> test) {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(RuleTemplate.class);
        logs.start();
        logger.addAppender(logs);
        try {
            test.accept(logs);
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void aTemplateThatRendersNothingIsLoggedOncePerRulesLoadNotOncePerJvm() {
        withTemplateLogs(logs -> {
            route(gitlabPush(), Map.of(), Map.of("template", "{{ no_such_field }}"));
            assertThat(logs.list).hasSize(1);
            // a second bridge in the same JVM, or the same bridge after a reload, builds its own router
            route(gitlabPush(), Map.of(), Map.of("template", "{{ no_such_field }}"));
            assertThat(logs.list).hasSize(2).allSatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("rendered nothing; the default text is sent instead");
            });
        });
    }

    @Test
    void oneRouterLogsARepeatedTemplateProblemOnce() {
        withTemplateLogs(logs -> {
            Rule rule = new Rule("r", Rule.Type.FORWARD,
                    List.of(new Rule.Endpoint("git", Map.of(), Map.of())),
                    List.of(new Rule.Endpoint("dt", Map.of("chat_group", "ops"), Map.of())),
                    Map.of("template", "{{ no_such_field }}"), 0);
            Router router = new Router(List.of(rule), PLATFORMS, false);
            for (int i = 0; i < 5; i++) {
                assertThat(router.route(gitlabPush())).hasSize(1);
            }
            assertThat(logs.list).hasSize(1);
        });
    }

    @Test
    void alertTemplateUsesHelpersForTimesLabelsAndTruncation() throws IOException {
        Map<String, Object> msg = Map.of("msg_type", "text", "template", """
                {{ status | upper }} {{ commonLabels.alertname }} ({{ alerts | length }})
                {% for a in alerts %}
                {{ a.labels | pairs(exclude=['alertname', 'job']) }} since {{ a.startsAt | time('HH:mm', 'Asia/Shanghai') }}\
                {{ a.endsAt | time }} — {{ a.annotations.description | truncate(20) }}
                {% endfor %}""");

        List<OutboundMessage> out = route(alertMessage("alertmanager-firing.json"), Map.of("status", "firing"), msg);

        assertThat(out.get(0).text()).isEqualTo("""
                FIRING DiskFull (2)
                device=/dev/sda1, instance=node1:9100, mountpoint=/var, severity=critical since 16:00 — Filesystem /var on …
                device=/dev/sdb1, instance=node2:9100, mountpoint=/data, severity=critical since 16:02 — Filesystem /data on…""");
        assertThat(out.get(0).rich()).isNull(); // the template and msg_type decide, not the default markdown
    }

    @Test
    void withoutTemplateAnAlertKeepsItsDefaultMarkdown() throws IOException {
        List<OutboundMessage> out = route(alertMessage("alertmanager-firing.json"), Map.of(), Map.of());

        assertThat(out.get(0).rich()).isInstanceOf(RichContent.Markdown.class);
        assertThat(((RichContent.Markdown) out.get(0).rich()).title()).isEqualTo("[FIRING:2] DiskFull");
        assertThat(out.get(0).extensions()).doesNotContainKey(Payloads.EXTENSION);
    }

    @Test
    void rulesRouteAlertsByStatusAndSeverity() throws IOException {
        Rule critical = new Rule("critical", Rule.Type.FORWARD,
                List.of(new Rule.Endpoint("am", Map.of("status", "firing", "severity", "critical"), Map.of())),
                List.of(new Rule.Endpoint("dt", Map.of("chat_group", "oncall"), Map.of())), Map.of(), 0);
        Rule resolved = new Rule("resolved", Rule.Type.FORWARD,
                List.of(new Rule.Endpoint("am", Map.of("status", "resolved"), Map.of())),
                List.of(new Rule.Endpoint("dt", Map.of("chat_group", "ops"), Map.of())), Map.of(), 1);
        Router router = new Router(List.of(critical, resolved), PLATFORMS, false);

        assertThat(router.route(alertMessage("alertmanager-firing.json"))).extracting(OutboundMessage::ruleId)
                .containsExactly("critical");
        assertThat(router.route(alertMessage("alertmanager-resolved.json"))).extracting(OutboundMessage::ruleId)
                .containsExactly("resolved");
        assertThat(router.route(alertMessage("grafana-firing.json"))).isEmpty(); // no common severity
    }

    @Test
    void mentionsComeFromTemplatesAndAtAllWhen() throws IOException {
        InboundMessage alert = alertMessage("alertmanager-firing.json");
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("at_mobiles", List.of("{{ commonLabels.owner_mobile }}", "13800000000"));
        msg.put("at_user_ids", "{% for a in alerts %}{{ a.labels.instance | split(':') | first }},{% endfor %}");
        msg.put("at_all_when", Map.of("severity", "critical", "status", "firing"));

        OutboundMessage out = route(alert, Map.of(), msg).get(0);

        assertThat(out.mentions()).isEqualTo(new Mentions(List.of("node1", "node2"), List.of("13800000000"), true));
        assertThat(out.options()).doesNotContainKeys("at_mobiles", "at_user_ids", "at_all_when");
        assertThat(route(alertMessage("alertmanager-resolved.json"), Map.of(), msg).get(0).mentions().all())
                .isFalse();
    }

    @Test
    void atAllWhenHoldsWhenOneAlertOfTheGroupMatches() throws IOException {
        InboundMessage grafana = alertMessage("grafana-firing.json");

        OutboundMessage zone = route(grafana, Map.of(), Map.of("at_all_when", Map.of("zone", List.of("eu-1"))))
                .get(0);
        OutboundMessage none = route(grafana, Map.of(), Map.of("at_all_when", Map.of("zone", "ap-1"))).get(0);

        assertThat(zone.mentions().all()).isTrue();
        assertThat(none.mentions().all()).isFalse();
    }

    @Test
    void plainMentionOptionsStayOptionsForTheDriver() {
        OutboundMessage out = route(gitlabPush(), Map.of(), Map.of("at_mobiles", List.of("13800000000"))).get(0);

        assertThat(out.options()).containsEntry("at_mobiles", List.of("13800000000"));
        assertThat(out.mentions()).isEqualTo(Mentions.NONE);
    }

    @Test
    void unknownFilterIsACompileErrorWithItsLineAndASuggestion() {
        assertThatThrownBy(() -> Templates.compile("line one\n{% if true %}\n{{ startsAt | tiem('HH:mm') }}\n{% endif %}"))
                .isInstanceOfSatisfying(TemplateException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("unknown filter \"tiem\"; did you mean time?");
                });
        assertThatThrownBy(() -> Templates.compile("{{ nosuch(x) }}"))
                .hasMessageStartingWith("unknown function \"nosuch\"");
        assertThatThrownBy(() -> Templates.compile("{% if x is nosuchtest %}{% endif %}"))
                .hasMessageStartingWith("unknown test \"nosuchtest\"");
    }

    @Test
    void syntaxErrorNamesTheLine() {
        assertThatThrownBy(() -> Templates.compile("a\nb\n{% for a in alerts %}\n{{ a.status }"))
                .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.line()).isGreaterThanOrEqualTo(3));
    }

    @Test
    void aLineBreakAfterATagIsDroppedOneAfterAValueIsKept() throws TemplateException {
        String out = Templates.compile("{{ a }}\n{{ b }}\n{% for x in l %}\n- {{ x }}\n{% endfor %}\n\nend")
                .render(Map.of("a", "A", "b", "B", "l", List.of(1, 2)));

        assertThat(out).isEqualTo("A\nB\n- 1\n- 2\n\nend");
    }

    @Test
    void syntaxErrorLineIsTheLineAsWrittenEvenAfterTags() {
        assertThatThrownBy(() -> Templates.compile("{% if a %}\nx\n{% endif %}\ny\n{{ 1 + }}"))
                .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.line()).isEqualTo(5));
    }

    @Test
    void methodsMacrosAndTagsAreNotTakenForFunctions() throws TemplateException {
        Templates.compile("{% macro row(a) %}{{ a }}{% endmacro %}{{ row(x) }}{{ x.toUpperCase() }}"
                + "{% for i in range(1, 3) %}{{ i }}{% endfor %}{% if (x) %}{% endif %}");
    }

    @Test
    void mdFilterEscapesLikeTheDefaultAlertRendering() throws TemplateException {
        for (String sample : List.of("*prod*_[eu]", "# heading", "- item", "1. first", "a|b<c>`d`~e\\f",
                "line\nbreak", "plain")) {
            assertThat(Templates.compile("{{ v | md }}").render(Map.of("v", sample)))
                    .as(sample).isEqualTo(MarkdownText.escape(sample));
        }
    }

    @Test
    void thePayloadExtensionNameIsTheOneTheWebhookDriverWrites() {
        assertThat(Payloads.EXTENSION).isEqualTo(AlertMessages.PAYLOAD_EXTENSION);
    }
}
