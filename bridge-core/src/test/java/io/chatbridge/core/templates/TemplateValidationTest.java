package io.chatbridge.core.templates;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Rule;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.spi.ConfigProblem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code validate} says about templates, mentions and the alert settings of a webhook instance. */
class TemplateValidationTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            {"webhook": {"am": {"listen_port": 0, "token": "0123456789abcdef0123"},
                         "out": {"url": "http://127.0.0.1:9/hook"}}}""";

    private Setup load(String config, String rules) {
        return Setup.load(Files.write(dir, "config.json", config), Files.write(dir, "rules.json", rules),
                DriverRegistry.discover(null), k -> null, new Setup.Options().allowRandomPorts());
    }

    private List<String> errors(Setup setup) {
        String prefix = dir.toString() + "/";
        return setup.errors().stream().map(ConfigProblem::toString).map(s -> s.replace(prefix, "")).toList();
    }

    private static String rule(String msg) {
        return "{\"rules\": [{\"from\": {\"am\": {}}, \"to\": {\"out\": {}}, \"msg\": " + msg + "}]}";
    }

    @Test
    void templateSyntaxErrorIsAValidateErrorNamingFileRuleAndLine() {
        Setup setup = load(CONFIG, rule("{\"template\": \"{{ status }}\\n{% for a in alerts %}\\n{{ a.labels }\"}"));

        assertThat(setup.valid()).isFalse();
        assertThat(errors(setup)).singleElement().asString()
                .startsWith("rules.json: rules[0].msg.template: line ");
    }

    @Test
    void unknownHelperIsAValidateErrorWithTheLineAndASuggestion() {
        Setup setup = load(CONFIG, rule("{\"template\": \"{{ status }}\\n{{ startsAt | tiem }}\"}"));

        assertThat(errors(setup)).singleElement().asString().startsWith(
                "rules.json: rules[0].msg.template: line 2: unknown filter \"tiem\"; did you mean time?");
    }

    @Test
    void templateFileIsReadRelativeToRulesJsonAndItsErrorsNameTheFile() {
        Files.write(dir, "templates/ok.peb", "{{ status | upper }}\n");
        Files.write(dir, "templates/broken.peb", "line 1\nline 2\n{{ commonLabels | nosuch }}\n");

        Setup ok = load(CONFIG, rule("{\"template_file\": \"templates/ok.peb\"}"));
        Setup broken = load(CONFIG, rule("{\"template_file\": \"templates/broken.peb\"}"));
        Setup missing = load(CONFIG, rule("{\"template_file\": \"templates/none.peb\"}"));

        assertThat(ok.valid()).as(Setup.render(ok.problems())).isTrue();
        Rule rule = ok.rules().get(0);
        assertThat(rule.msg()).containsEntry("template", "{{ status | upper }}\n")
                .containsEntry("template_file", "templates/ok.peb");
        assertThat(errors(broken)).singleElement().asString().startsWith(
                "rules.json: rules[0].msg.template_file: templates/broken.peb: line 3: unknown filter \"nosuch\"");
        assertThat(errors(missing)).singleElement().asString().contains("rules[0].msg.template_file: no such file: ",
                "templates/none.peb");
    }

    @Test
    void mentionTemplatesAndConditionsAreChecked() {
        Setup setup = load(CONFIG, rule("""
                {"at_mobiles": ["{{ commonLabels.owner_mobile | nosuch }}"], "at_user_ids": 7,
                 "at_all": "{{ status == 'firing' }}", "at_all_when": "critical"}"""));

        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].msg.at_mobiles: [0]: line 1: unknown filter \"nosuch\" (known: " + String.join(
                        ", ", Templates.knownNames("filter")) + ")",
                "rules.json: rules[0].msg.at_user_ids: expected a list of strings or a comma-separated string, got "
                        + "a number",
                "rules.json: rules[0].msg.at_all_when: expected an object of fields and values, e.g. "
                        + "{\"severity\": \"critical\"}, got a string");
    }

    @Test
    void templatedTitleIsCheckedToo() {
        Setup setup = load(CONFIG, rule("{\"template\": \"{{ status }}\", \"title\": \"{{ status | uper }}\"}"));

        assertThat(errors(setup)).singleElement().asString()
                .startsWith("rules.json: rules[0].msg.title: line 1: unknown filter \"uper\"; did you mean upper?");
    }

    @Test
    void templateAndTemplateFileTogetherAreAnError() {
        Files.write(dir, "t.peb", "x");
        Setup setup = load(CONFIG, rule("{\"template\": \"y\", \"template_file\": \"t.peb\"}"));

        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].msg.template_file: give either template or template_file, not both");
    }

    @Test
    void unknownCompatValueIsAConfigError() {
        Setup setup = load("""
                {"webhook": {"am": {"listen_port": 0, "token": "0123456789abcdef0123",
                                    "compat": "prometheus-webhook-dingtlak"}}}""", "{\"rules\": []}");

        assertThat(errors(setup)).containsExactly("config.json: webhook.am.compat: unknown value "
                + "\"prometheus-webhook-dingtlak\"; did you mean \"prometheus-webhook-dingtalk\"? known: "
                + "prometheus-webhook-dingtalk");
    }

    @Test
    void unknownPayloadValueAndTimeZoneAreConfigErrors() {
        Setup setup = load("""
                {"webhook": {"am": {"listen_port": 0, "token": "0123456789abcdef0123", "payload": "xml",
                                    "time_zone": "Mars/Olympus"}}}""", "{\"rules\": []}");

        assertThat(errors(setup)).hasSize(2);
        assertThat(errors(setup).get(0)).startsWith("config.json: webhook.am.payload: unknown value \"xml\"");
        assertThat(errors(setup).get(1)).startsWith("config.json: webhook.am.time_zone: unknown time zone");
    }

    @Test
    void compatRouteCollidesWithAnotherInstancesCompatRouteOnTheSamePort() {
        Setup setup = load("""
                {"webhook": {"a": {"listen_port": 18999, "token": "0123456789abcdef0123",
                                   "compat": "prometheus-webhook-dingtalk"},
                             "b": {"listen_port": 18999, "listen_path": "/b", "token": "0123456789abcdef0123",
                                   "compat": "prometheus-webhook-dingtalk"}}}""", "{\"rules\": []}");

        assertThat(errors(setup)).containsExactly("config.json: webhook.b.compat: POST /dingtalk/{target}/send on "
                + "port 18999 is already used by webhook.a");
    }
}
