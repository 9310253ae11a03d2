package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ConfigProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A typo in a rule naming a DingTalk instance is an error, never a message sent to another group. */
class DingTalkRuleKeysTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            {"webhook": {"alerts": {"listen_port": 18390, "token": "tok-alerts-0123456789"}},
             "dingtalk": {"sandbox_robot": {"sandbox": true, "sandbox_port": 18391, "listen_port": 18392,
                          "webhooks": [{"chat_group": "ops", "url": "https://oapi.dingtalk.com/robot/send?access_token=t0k"}]}}}
            """;

    private List<String> errors(String rules) throws IOException {
        Path c = Files.writeString(dir.resolve("config.json"), CONFIG);
        Path r = Files.writeString(dir.resolve("rules.json"), rules);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null);
        return setup.errors().stream().map(ConfigProblem::toString).map(s -> s.replace(dir + "/", "")).toList();
    }

    @Test
    void misspeltOpenConversationIdIsRejectedWithTheKeyMeant() throws IOException {
        // before: a warning, and the message went to the instance's default custom robot group instead of group B
        assertThat(errors("""
                {"rules": [{"from": {"alerts": {}}, "to": {"sandbox_robot": {"open_conversation_Id": "cidGroupB"}}}]}
                """)).containsExactly("rules.json: rules[0].to.sandbox_robot.open_conversation_Id: unknown dingtalk"
                + " address key; did you mean open_conversation_id? (known keys: chat_group, open_conversation_id,"
                + " user_ids)");
    }

    @Test
    void misspeltMsgTypeIsRejectedWithTheKeyMeant() throws IOException {
        assertThat(errors("""
                {"rules": [{"from": {"alerts": {}}, "to": {"sandbox_robot": {"chat_group": "ops"}},
                            "msg": {"msg_typ": "markdown", "title": "Alert"}}]}
                """)).singleElement().asString().startsWith("rules.json: rules[0].msg.msg_typ: unknown msg key; did"
                + " you mean msg_type? (known keys: ");
    }

    @Test
    void templateAndMentionKeysAreKnownForADingTalkTarget() throws IOException {
        // issue 18: Pebble templates and templated mentions are msg keys core reads, so validate accepts them
        assertThat(errors("""
                {"rules": [{"from": {"alerts": {}}, "to": {"sandbox_robot": {"chat_group": "ops"}},
                            "msg": {"msg_type": "markdown", "title": "{{ commonLabels.alertname }}",
                                    "template": "{{ status | upper }}", "at_mobiles": "{{ commonLabels.mobile }}",
                                    "at_user_ids": ["u1"], "at_all": false, "at_all_when": {"severity": "critical"}}},
                           {"from": {"alerts": {}}, "to": {"sandbox_robot": {"chat_group": "ops"}},
                            "msg": {"template_fil": "t.peb"}}]}
                """)).containsExactly("rules.json: rules[1].msg.template_fil: unknown msg key; did you mean"
                + " template_file? (known keys: at_all, at_all_when, at_mobiles, at_user_ids, mentions, messageUrl,"
                + " message_url, msg_format, msg_type, photo_url, picUrl, pic_url, reply_format, singleURL,"
                + " single_title, single_url, template, template_file, title)");
    }

    @Test
    void anUnsetVariableIsOneErrorNotAlsoItsConsequences() throws IOException {
        // before: also "required" on the url, "unknown chat_group 'bot1' (known: )" on defalult, "configures
        // nothing to send to" on the instance and an unknown chat_group on the rule
        Path c = Files.writeString(dir.resolve("config.json"), """
                {"webhook": {"alerts": {"listen_port": 18390, "token": "tok-alerts-0123456789"}},
                 "dingtalk": {"bot": {"defalult": "bot1", "signing_secret": "${SIGNING_SECRET}",
                              "webhooks": [{"chat_group": "bot1", "url": "${BOT1_URL}", "signature": "SECabc"}]}}}
                """);
        Path r = Files.writeString(dir.resolve("rules.json"), """
                {"rules": [{"from": {"alerts": {}}, "to": {"bot": {"chat_group": "bot1"}}}]}
                """);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null);
        assertThat(setup.errors()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "dingtalk.bot.signing_secret: environment variable SIGNING_SECRET is not set (set it, or write"
                        + " ${SIGNING_SECRET:-default})",
                "dingtalk.bot.webhooks[0].url: environment variable BOT1_URL is not set (set it, or write"
                        + " ${BOT1_URL:-default})");
    }

    @Test
    void aVariableSetButEmptySaysSoByName() throws IOException {
        Path c = Files.writeString(dir.resolve("config.json"), """
                {"webhook": {"alerts": {"listen_port": 18390, "token": "tok-alerts-0123456789"}},
                 "dingtalk": {"bot": {"signing_secret": "${SIGNING_SECRET}",
                              "webhooks": [{"chat_group": "ops", "url": "https://oapi.dingtalk.com/robot/send?access_token=t"}]}}}
                """);
        Path r = Files.writeString(dir.resolve("rules.json"), """
                {"rules": [{"from": {"alerts": {}}, "to": {"bot": {}}}]}
                """);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), java.util.Map.of("SIGNING_SECRET", "")::get);
        assertThat(setup.errors()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "dingtalk.bot.signing_secret: environment variable SIGNING_SECRET is set but empty (must not be"
                        + " blank; remove the key to skip signature verification)");
    }

    @Test
    void theVanusBotBlockMovedUnderDingtalkAsTheErrorSaysIsValid() throws IOException {
        Path c = Files.writeString(dir.resolve("config.yml"), """
                dingtalk:
                  bot:
                    defalult: "bot1"
                    webhooks:
                      - chat_group: "bot1"
                        url: "https://oapi.dingtalk.com/robot/send?access_token=XXXXXX"
                        signature: "xxxxxxxxxx"
                """);
        Path r = Files.writeString(dir.resolve("rules.json"), "{\"rules\": []}");
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
    }
}
