package io.chatbridge.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PortClaim;
import io.chatbridge.spi.SendResult;
import io.chatbridge.webhook.WebhookDriverFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetupTest {

    @TempDir
    Path dir;

    private static final String RULES = """
            {"rules": [{"type": "connect", "channels": {"a": {"room": "1"}, "b": {"room": "2"}}}]}
            """;

    private Setup load(String config, String rules) {
        return load(config, rules, Map.of());
    }

    private Setup load(String config, String rules, Map<String, String> env) {
        Path c = Files.write(dir, "config.json", config);
        Path r = Files.write(dir, "rules.json", rules);
        return Setup.load(c, r, DriverRegistry.discover(null), env::get);
    }

    private List<String> errors(Setup setup) {
        String prefix = dir.toString() + "/";
        return setup.errors().stream().map(ConfigProblem::toString).map(s -> s.replace(prefix, "")).toList();
    }

    @Test
    void validFilesProduceInstancesRulesAndDrivers() {
        Setup setup = load("""
                {"global": {"strict_echo_match": true, "delivery": {"max_attempts": 3, "max_age": "2h"}},
                 "memory": {"a": {}, "b": {"fail_first": 0}}}
                """, RULES);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        assertThat(setup.instances()).containsOnlyKeys("a", "b");
        assertThat(setup.drivers()).containsOnlyKeys("a", "b");
        assertThat(setup.global().strictEchoMatch()).isTrue();
        assertThat(setup.global().maxAttempts()).isEqualTo(3);
        assertThat(setup.global().maxAge()).isEqualTo(Duration.ofHours(2));
        assertThat(setup.rules()).hasSize(1);
    }

    @Test
    void yamlFilesAreReadLikeJson() {
        Path c = Files.write(dir, "config.yaml", "memory:\n  a: {}\n  b:\n    fail_first: 1\n");
        Path r = Files.write(dir, "rules.yaml", """
                rules:
                  - from: {a: {}}
                    to: {b: {room: "x"}}
                """);
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), k -> null);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        assertThat(setup.rules().get(0).type()).isEqualTo(Rule.Type.FORWARD);
    }

    @Test
    void malformedJsonIsReportedWithLineAndColumn() {
        Setup setup = load("{\n  \"memory\": {\n    \"a\": {,}\n  }\n}", RULES);
        assertThat(errors(setup)).singleElement().asString()
                .isEqualTo("config.json:3:11: expected a key in double quotes or '}'");
    }

    @Test
    void duplicateKeysAreMalformed() {
        Setup setup = load("{\"memory\": {\"a\": {}}, \"memory\": {}}", RULES);
        assertThat(errors(setup).get(0)).isEqualTo("config.json:1:23: key \"memory\" appears twice in the object"
                + " opened at line 1");
    }

    @Test
    void jsonSyntaxErrorsReadAsAPersonWouldWriteThem() {
        // before: "malformed JSON at line 3, column 1: Unexpected end-of-input: expected close marker for Object
        // (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); ...])"
        assertThat(errors(load("{\n  \"memory\": {\"a\": {}, \"b\": {}}\n", RULES)))
                .containsExactly("config.json:2:31: missing '}' to close the object opened at line 1");
        assertThat(errors(load("{\"memory\": {\"a\": {}, \"b\": {},}}", RULES)))
                .containsExactly("config.json:1:29: trailing comma before '}': remove it (JSON allows none)");
        assertThat(errors(load("{\n  // the robots\n  \"memory\": {\"a\": {}, \"b\": {}}}", RULES)))
                .containsExactly("config.json:2:3: comments are not allowed in JSON (write the file as YAML,"
                        + " config.yaml, to keep comments)");
        assertThat(errors(load("{\"memory\": {\"a\": {}, \"b\": {}}]", RULES)))
                .containsExactly("config.json:1:30: ']' does not close the object opened at line 1 (expected ','"
                        + " or '}')");
        assertThat(errors(load("{\"memory\": {\"a\": {} \"b\": {}}}", RULES)))
                .containsExactly("config.json:1:21: missing ',' before the next key");
        assertThat(errors(load("{\"memory\": {\"a\": {}, \"b\": {}}} {}", RULES)))
                .containsExactly("config.json:1:32: unexpected text after the end of the document (one file holds"
                        + " one JSON value)");
    }

    @Test
    void syntaxErrorsNeverQuoteTheValueNextToThem() {
        String secret = "s3cr3t-Value-0042";
        List<String> json = errors(load("{\"memory\": {\"a\": {\"app_secret\": " + secret + "}, \"b\": {}}}",
                RULES));
        assertThat(json).containsExactly("config.json:1:33: expected a value: text must be in double quotes; other"
                + " values are numbers, true, false, null, {objects} and [arrays]");
        List<String> unclosed = errors(load("{\"memory\": {\"a\": {\"app_secret\": \"" + secret + "}}\n}", RULES));
        assertThat(unclosed).containsExactly("config.json:1:33: the string opened here is not closed on its line:"
                + " missing '\"' (a line break inside a string is written \\n)");

        for (String yaml : List.of("memory:\n  a:\n    app_secret: [" + secret + "\n  b: {}\n",
                "memory:\n  a:\n    app_secret: \"" + secret + "\n  b: {}\n",
                "memory:\n  a:\n    app_secret: '" + secret + "\n",
                "memory:\n  a:\n    app_secret: {" + secret + "\n",
                "memory:\n  a:\n    app_secret: " + secret + ": x: y\n",
                "memory:\n  a:\n    app_secret: \"" + secret + "\\q\"\n",
                "memory:\n  a:\n    app_secret: @" + secret + "\n")) {
            Path c = Files.write(dir, "config.yaml", yaml);
            Setup setup = Setup.load(c, Files.write(dir, "rules.json", RULES), DriverRegistry.discover(null),
                    k -> null);
            assertThat(setup.errors()).as(yaml).singleElement().asString()
                    .startsWith(c + ":").doesNotContain(secret).doesNotContain("s3cr3t").doesNotContain("Source")
                    .doesNotContain("Feature");
        }
    }

    @Test
    void yamlSyntaxErrorsNameLineColumnAndWhatWasExpected() {
        Path rules = Files.write(dir, "rules.json", RULES);
        Path list = Files.write(dir, "config.yaml", "memory:\n  a: [1, 2\n  b: {}\n");
        assertThat(errors(Setup.load(list, rules, DriverRegistry.discover(null), k -> null))).containsExactly(
                "config.yaml:3:4: expected ',' or ']', but got : (in the [list] opened at line 2)");
        Path quote = Files.write(dir, "config.yaml", "memory:\n  a: {}\n  b:\n    api_key: \"abc\n");
        assertThat(errors(Setup.load(quote, rules, DriverRegistry.discover(null), k -> null))).containsExactly(
                "config.yaml:5:1: unexpected end of file (in the quoted text opened at line 4)");
        Path tab = Files.write(dir, "config.yaml", "memory:\n\ta: {}\n");
        assertThat(errors(Setup.load(tab, rules, DriverRegistry.discover(null), k -> null))).singleElement()
                .asString().isEqualTo("config.yaml:2:1: a tab: YAML is indented with spaces, never tabs");
        Path twice = Files.write(dir, "config.yaml", "memory:\n  a: {}\n  a: {}\n");
        assertThat(errors(Setup.load(twice, rules, DriverRegistry.discover(null), k -> null))).singleElement()
                .asString().matches("config.yaml:3:\\d+: key \"a\" appears twice in one mapping");
    }

    @Test
    void unknownPlatformIsNamedWithTheKnownOnes() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}, \"telegram\": {\"t\": {}}}", RULES);
        assertThat(errors(setup)).contains(
                "config.json: telegram: unknown platform \"telegram\"; known platforms: "
                        + String.join(", ", DriverRegistry.discover(null).platforms()) + "; other platforms come as"
                        + " driver plugins: put the plugin's jar in a directory and pass --plugins DIR");
    }

    @Test
    void aMisspeltPlatformNamesTheOneMeant() {
        Setup setup = load("{\"memroy\": {\"a\": {}}}", RULES);
        assertThat(errors(setup).get(0)).startsWith("config.json: memroy: unknown platform \"memroy\"; did you mean"
                + " memory?; known platforms: ");
    }

    @Test
    void theVanusSinksBotBlockIsAnErrorSayingWhereItGoes() {
        // the Vanus sink's config.yml as its README gives it; before: bot: unknown platform "bot"
        Path c = Files.write(dir, "config.yml", """
                bot:
                  webhooks:
                    - chat_group: test
                      url: https://oapi.dingtalk.com/robot/send?access_token=xxxxxx
                      signature: SECxxxxxx
                """);
        Setup setup = Setup.load(c, Files.write(dir, "rules.json", "{\"rules\": []}"), DriverRegistry.discover(null),
                k -> null);
        assertThat(errors(setup)).containsExactly("config.yml: bot: this is the Vanus DingTalk sink's \"bot\" block;"
                + " here it is one DingTalk instance: move it under \"dingtalk\", as {\"dingtalk\": {\"bot\":"
                + " {\"webhooks\": [...]}}} (in YAML: indent it under a top-level \"dingtalk:\"); its webhooks"
                + " (chat_group, url, signature) and default (or defalult) are read as they are. CloudEvents then come"
                + " in through a webhook instance and a rule, as in examples/cloudevents-to-dingtalk");
    }

    @Test
    void environmentVariablesAreSubstitutedWithDefaults() {
        Setup setup = load("""
                {"memory": {"a": {"api_key": "${A_KEY}"}, "b": {"fail_mode": "${MODE:-permanent}"}}}
                """, RULES, Map.of("A_KEY", "k-123456"));
        assertThat(setup.valid()).isTrue();
        assertThat(setup.instances().get("a").settings().string("api_key", null)).isEqualTo("k-123456");
        assertThat(setup.instances().get("b").settings().string("fail_mode", null)).isEqualTo("permanent");
        assertThat(setup.sensitiveValues()).contains("k-123456");
    }

    @Test
    void unsetEnvironmentVariableNamesTheVariableAndTheKeyPath() {
        Setup setup = load("{\"memory\": {\"a\": {\"api_key\": \"${DT_SECRET}\"}, \"b\": {}}}", RULES);
        assertThat(errors(setup)).containsExactly("config.json: memory.a.api_key: environment variable DT_SECRET "
                + "is not set (set it, or write ${DT_SECRET:-default})");
    }

    @Test
    void aDollarNameWithoutBracesIsWarnedAsAProbableMissingBrace() {
        Setup setup = load("""
                {"webhook": {"in": {"listen_port": 18290, "token": "$EVENTS_TOKEN"}}}
                """, "{\"rules\": []}", Map.of("EVENTS_TOKEN", "a-long-token-0123456789"));
        assertThat(setup.problems()).extracting(p -> p.path() + ": " + p.message()).contains(
                "webhook.in.token: looks like an environment variable without braces and is taken literally; write"
                        + " ${EVENTS_TOKEN} to read EVENTS_TOKEN from the environment");
    }

    @Test
    void anUnsetVariableInARuleIsOneError() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [{"from": {"a": {}}, "to": {"b": {}}, "msg": {"msg_format": "${FORMAT}"}}]}
                """);
        assertThat(errors(setup)).containsExactly("rules.json: rules[0].msg.msg_format: environment variable"
                + " FORMAT is not set (set it, or write ${FORMAT:-default})");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Setup setup = load("""
                {"global": {"delivery": {"max_attempts": 0, "max_age": "soon"}},
                 "memory": {"a": {"fail_mode": "sometimes", "listen_port": "x"}, "b": []}}
                """, """
                {"rules": [{"type": "connect", "channels": {"a": {}, "zz": {}}}, {"type": "mirror"}]}
                """);
        assertThat(errors(setup)).containsExactlyInAnyOrder(
                "config.json: global.delivery.max_attempts: must be between 1 and 1000, got 0",
                "config.json: global.delivery.max_age: expected a positive duration such as \"30s\", \"10m\", \"24h\" or \"PT1H\"",
                "config.json: memory.a.listen_port: expected a whole number, got a string",
                "config.json: memory.a.fail_mode: expected \"retryable\" or \"permanent\"",
                "config.json: memory.b: expected an object of settings, got an array",
                "rules.json: rules[0].channels.zz: unknown instance \"zz\"; instances in config.json: a",
                "rules.json: rules[1].type: unknown rule type \"mirror\"; expected \"connect\" or \"forward\"");
    }

    @Test
    void anUnknownInstanceNamesTheConfigFileAsItIsCalled() {
        Path c = Files.write(dir, "vanus.yml", "memory:\n  alerts: {}\n");
        Path r = Files.write(dir, "rules.json", "{\"rules\": [{\"type\": \"connect\", "
                + "\"channels\": {\"alerts\": {}, \"alert\": {}}}]}");
        Setup setup = Setup.load(c, r, DriverRegistry.discover(null), name -> null);
        assertThat(errors(setup)).containsExactly("rules.json: rules[0].channels.alert: unknown instance \"alert\"; "
                + "did you mean alerts? instances in vanus.yml: alerts");
    }

    @Test
    void instanceIdsMustBeUniqueAcrossPlatforms() {
        Path c = Files.write(dir, "config.json", "{\"memory\": {\"a\": {}}, \"webhook\": {\"a\": {}}}");
        Path r = Files.write(dir, "rules.json", "{\"rules\": []}");
        DriverRegistry registry = DriverRegistry.discover(null);
        if (registry.factory("webhook") == null) {
            return; // the webhook driver is not on this classpath
        }
        Setup setup = Setup.load(c, r, registry, k -> null);
        assertThat(errors(setup)).anyMatch(e -> e.contains("config.json: webhook.a: instance id \"a\" is already used"));
    }

    @Test
    void rulesMustBeAnObjectWithARulesArray() {
        assertThat(errors(load("{\"memory\": {\"a\": {}, \"b\": {}}}", "[1, 2]")))
                .containsExactly("rules.json: expected {\"rules\": [...]}");
        assertThat(errors(load("{\"memory\": {\"a\": {}, \"b\": {}}}", "{\"rules\": {}}")))
                .containsExactly("rules.json: rules: expected an array of rules, got an object");
    }

    @Test
    void ruleShapesAreChecked() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [
                  {"type": "connect", "channels": {"a": {}}},
                  {"from": {"a": {}}},
                  {"from": {"a": "room"}, "to": {"b": {}}},
                  {"from": {"a": {}}, "to": {"b": {}}, "msg": "x"}
                ]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].channels: a connect rule needs at least two channels",
                "rules.json: rules[1].to: required: an object mapping instance ids to channel addresses, e.g. "
                        + "{\"dt_main\": {\"open_conversation_id\": \"cid...\"}}",
                "rules.json: rules[2].from.a: expected a channel address object ({} matches every channel), got a string",
                "rules.json: rules[3].msg: expected an object such as {\"msg_format\": \"{user}: {msg}\"}, got a string");
    }

    @Test
    void emptyConfigFileIsReported() {
        assertThat(errors(load("  ", RULES))).contains("config.json: file is empty");
    }

    @Test
    void derivedRuleIdsAreStableAndIgnoreMsgBlocks() {
        String config = "{\"memory\": {\"a\": {}, \"b\": {}}}";
        Setup first = load(config, """
                {"rules": [{"from": {"a": {"room": "1"}}, "to": {"b": {}}, "msg": {"msg_format": "{msg}"}}]}
                """);
        Setup second = load(config, """
                {"rules": [{"type": "forward", "to": {"b": {"msg": {"msg_format": "x"}}}, "from": {"a": {"room": "1"}}}]}
                """);
        Setup other = load(config, """
                {"rules": [{"from": {"a": {"room": "2"}}, "to": {"b": {}}}]}
                """);
        String id = first.rules().get(0).id();
        assertThat(id).matches("forward-[0-9a-f]{8}");
        assertThat(second.rules().get(0).id()).isEqualTo(id);
        assertThat(other.rules().get(0).id()).isNotEqualTo(id);
    }

    @Test
    void duplicateRuleIdsGetSuffixesWithAWarning() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [
                  {"id": "r", "from": {"a": {}}, "to": {"b": {}}},
                  {"id": "r", "from": {"b": {}}, "to": {"a": {}}},
                  {"id": "r", "type": "connect", "channels": {"a": {"x": 1}, "b": {"x": 2}}}
                ]}
                """);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.rules()).extracting(Rule::id).containsExactly("r", "r#2", "r#3");
        assertThat(setup.problems()).filteredOn(ConfigProblem::warning).extracting(ConfigProblem::message)
                .contains("duplicate rule id \"r\", using \"r#2\"", "duplicate rule id \"r\", using \"r#3\"");
    }

    @Test
    void forwardWithinOneInstanceWarnsUnlessStrictEchoMatchIsOn() {
        String rules = """
                {"rules": [{"from": {"a": {"room": "1"}}, "to": {"a": {"room": "2"}, "b": {}}}]}
                """;
        Setup loose = load("{\"memory\": {\"a\": {}, \"b\": {}}}", rules);
        assertThat(loose.valid()).isTrue();
        assertThat(loose.problems()).filteredOn(ConfigProblem::warning)
                .extracting(p -> p.path() + ": " + p.message())
                .containsExactly("rules[0].to.a: same instance as the rule's source: messages from \"a\" are"
                        + " never sent back to it, so they skip this target; set global.strict_echo_match to true"
                        + " to bridge channels of one instance");

        Setup strict = load("{\"global\": {\"strict_echo_match\": true}, \"memory\": {\"a\": {}, \"b\": {}}}",
                rules);
        assertThat(strict.problems()).isEmpty();
    }

    @Test
    void perChannelMsgIsSeparatedFromTheAddress() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [{"type": "connect", "msg": {"msg_format": "{msg}"},
                  "channels": {"a": {"room": "1", "msg": {"msg_format": "[{user}] {msg}"}}, "b": {"room": "2"}}}]}
                """);
        Rule.Endpoint a = setup.rules().get(0).sources().get(0);
        assertThat(a.address()).isEqualTo(Map.of("room", "1"));
        assertThat(a.msg()).isEqualTo(Map.of("msg_format", "[{user}] {msg}"));
    }

    @Test
    void unknownGlobalKeysAreWarningsNotErrors() {
        Setup setup = load("{\"global\": {\"colour\": \"blue\"}, \"memory\": {\"a\": {}, \"b\": {}}}", RULES);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.problems()).anyMatch(p -> p.warning() && p.path().equals("global.colour"));
    }

    @Test
    void secretsAreCollectedFromSensitiveKeys() {
        Setup setup = load("""
                {"global": {"database": {"url": "jdbc:postgresql://db/bridge", "password": "pg-pass-1"}},
                 "memory": {"a": {"api_key": "abcd-1234"}, "b": {}}}
                """, RULES);
        assertThat(setup.sensitiveValues()).contains("abcd-1234", "pg-pass-1");
    }

    // ---------------------------------------------------------------- typos in rules.json are errors, not routes

    private Setup loadDeclaring(String config, String rules) {
        Path c = Files.write(dir, "config.json", config);
        Path r = Files.write(dir, "rules.json", rules);
        return Setup.load(c, r, DriverRegistry.of(new WebhookDriverFactory(), new DeclaringFactory(),
                new io.chatbridge.core.testing.MemoryDriverFactory()), k -> null);
    }

    @Test
    void aMisspeltAddressKeyIsAnErrorNamingTheKeyMeant() {
        Setup setup = loadDeclaring("{\"declaring\": {\"d\": {}}, \"memory\": {\"m\": {}}}", """
                {"rules": [{"from": {"m": {}}, "to": {"d": {"Room_Id": "B"}}},
                           {"type": "connect", "channels": {"m": {}, "d": {"colour": "red"}}}]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].to.d.Room_Id: unknown declaring address key; did you mean room_id? (known"
                        + " keys: room_id)",
                "rules.json: rules[1].channels.d.colour: unknown declaring address key (known keys: room_id)");
    }

    @Test
    void aPlatformThatDeclaresNoAddressKeysTakesAnyKey() {
        Setup setup = loadDeclaring("{\"declaring\": {\"d\": {}}, \"memory\": {\"m\": {}}}", """
                {"rules": [{"from": {"d": {}}, "to": {"m": {"Room_Id": "B", "anything": 1}}}]}
                """);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
    }

    /** Core's own msg keys sorted before msg_format: the mentions of issue 18 (templates follow msg_type). */
    private static final String CORE_KEYS = " at_all, at_all_when, at_mobiles, at_user_ids, mentions,";

    @Test
    void misspeltMsgKeysAreErrorsWithTheKeyMeant() {
        Setup setup = loadDeclaring("{\"declaring\": {\"d\": {}}, \"memory\": {\"m\": {}}}", """
                {"rules": [
                  {"from": {"m": {}}, "to": {"d": {}}, "msg": {"msg_fromat": "[{user}] {msg}", "msg_typ": "markdown"}},
                  {"from": {"m": {}}, "to": {"d": {"msg": {"colour": "red"}}}},
                  {"from": {"d": {}}, "to": {"m": {}}, "msg": {"msg_fromat": "{msg}", "anything": "goes"}}
                ]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].msg.msg_fromat: unknown msg key; did you mean msg_format? (known keys:"
                        + CORE_KEYS + " msg_format, msg_type, reply_format, template, template_file, title)",
                "rules.json: rules[0].msg.msg_typ: unknown msg key; did you mean msg_type? (known keys:"
                        + CORE_KEYS + " msg_format, msg_type, reply_format, template, template_file, title)",
                "rules.json: rules[1].to.d.msg.colour: unknown msg key (known keys:" + CORE_KEYS
                        + " msg_format, msg_type, reply_format, template, template_file, title)",
                // memory declares no options, so "anything" goes to it; a near miss of a known key does not
                "rules.json: rules[2].msg.msg_fromat: unknown msg key; did you mean msg_format?");
    }

    @Test
    void replyFormatAndMentionsAreMsgKeysOfTheBridgeForEveryTarget() {
        Setup setup = loadDeclaring("{\"declaring\": {\"d\": {}}, \"memory\": {\"m\": {}}}", """
                {"rules": [
                  {"from": {"m": {}}, "to": {"d": {}},
                   "msg": {"reply_format": "re {reply_user}", "mentions": {"alice@corp": "alice01"}}},
                  {"from": {"m": {}}, "to": {"d": {}}, "msg": {"reply_fromat": ""}}
                ]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[1].msg.reply_fromat: unknown msg key; did you mean reply_format? (known keys:"
                        + CORE_KEYS + " msg_format, msg_type, reply_format, template, template_file, title)");
    }

    @Test
    void malformedRuleMentionsAreErrorsWithTheirPath() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [
                  {"from": {"a": {}}, "to": {"b": {}}, "msg": {"mentions": ["alice01"]}},
                  {"from": {"a": {}}, "to": {"b": {}}, "msg": {"mentions": {"alice@corp": "", "bob@corp": {"id": 1}}}}
                ]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].msg.mentions: expected an object from a mentioned user id to that person's user"
                        + " id on the target, e.g. {\"alice@corp.example\": \"alice01\"}, got an array",
                "rules.json: rules[1].msg.mentions[\"alice@corp\"]: must not be empty: the user id on the target "
                        + "for mentions of this id",
                "rules.json: rules[1].msg.mentions[\"bob@corp\"]: expected the user id on the target for mentions "
                        + "of this id (a string), got an object");
    }

    @Test
    void identitiesMapAPersonsIdsAcrossInstances() {
        Setup setup = load("""
                {"global": {"identities": [{"a": "123456789", "b": "alice01"}, {"a": 42, "b": "bob02"}]},
                 "memory": {"a": {}, "b": {}}}
                """, RULES);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
        assertThat(setup.identities().map("a", "123456789", "b")).isEqualTo("alice01");
        assertThat(setup.identities().map("b", "bob02", "a")).isEqualTo("42");
        assertThat(setup.identities().map("a", "nobody", "b")).isNull();
    }

    @Test
    void malformedIdentitiesAreErrorsWithTheirPathAndTheInstanceMeant() {
        Setup setup = load("""
                {"global": {"identities": [
                  {"a": "123", "bb": "alice01"},
                  {"a": "124"},
                  "alice",
                  {"a": "", "b": ["x"]},
                  {"a": "123", "b": "alice02"}
                ]},
                 "memory": {"a": {}, "b": {}}}
                """, RULES);
        assertThat(errors(setup)).containsExactly(
                "config.json: global.identities[0].bb: unknown instance; did you mean b? (instances: a, b)",
                "config.json: global.identities[1]: names one instance only; a person maps the user ids of two or"
                        + " more instances",
                "config.json: global.identities[2]: expected an object from instance id to user id, e.g. {\"tg\": "
                        + "\"123456789\", \"dt_main\": \"alice01\"}, got a string",
                "config.json: global.identities[3].a: must not be empty: the person's user id on a",
                "config.json: global.identities[3].b: expected the person's user id on b (a string), got an array",
                "config.json: global.identities[4].a: user id \"123\" of a is already given in"
                        + " global.identities[0]; one id can be one person only");
    }

    @Test
    void identitiesMustBeAList() {
        Setup setup = load("{\"global\": {\"identities\": {\"a:123\": \"b:alice01\"}}, "
                + "\"memory\": {\"a\": {}, \"b\": {}}}", RULES);
        assertThat(errors(setup)).containsExactly("config.json: global.identities: expected an array of people, "
                + "each mapping instance ids to that person's user id there, e.g. [{\"tg\": \"123456789\", "
                + "\"dt_main\": \"alice01\"}], got an object");
    }

    @Test
    void aMsgBlockOnASourceAddressIsWarnedAsUnused() {
        Setup setup = loadDeclaring("{\"declaring\": {\"d\": {}}, \"memory\": {\"m\": {}}}", """
                {"rules": [{"from": {"m": {"msg": {"msg_format": "{msg}"}}}, "to": {"d": {}}}]}
                """);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.problems()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "rules[0].from.m.msg: not used: a msg block on a \"from\" address shapes nothing; put it on the rule"
                        + " or on a \"to\" address");
    }

    @Test
    void unknownTemplateVariablesAreWarnedWithTheKnownOnes() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}}", """
                {"rules": [{"from": {"a": {}}, "to": {"b": {}}, "msg": {"msg_format": "{usr}: {msg} in {room}"}}]}
                """);
        assertThat(setup.valid()).isTrue();
        String known = "(known: {from}, {instance_id}, {msg}, {nickname}, {platform}, {reply_text}, {reply_user},"
                + " {time}, {user}, {user_avatar}, {user_id}, {username})";
        assertThat(setup.problems()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "rules[0].msg.msg_format: unknown variable {usr}, left as written; did you mean {user}? " + known,
                "rules[0].msg.msg_format: unknown variable {room}, left as written " + known);
    }

    @Test
    void unknownConfigKeysAreWarnedWithTheKeyMeant() {
        Setup setup = load("{\"global\": {\"dedup_windw\": \"5m\"}, \"memory\": {\"a\": {}, \"b\": {}}}", RULES);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.problems()).extracting(ConfigProblem::message).singleElement().asString()
                .startsWith("unknown key, ignored; did you mean dedup_window? (known keys: admin, database, dedup_window,");
    }

    @Test
    void misspeltInstancesAndRuleTypesNameTheOneMeant() {
        Setup setup = load("{\"memory\": {\"dt_main\": {}, \"b\": {}}}", """
                {"rules": [{"from": {"b": {}}, "to": {"dt_mian": {}}}, {"type": "froward", "from": {}, "to": {}}]}
                """);
        assertThat(errors(setup)).containsExactly(
                "rules.json: rules[0].to.dt_mian: unknown instance \"dt_mian\"; did you mean dt_main? instances in"
                        + " config.json: dt_main, b",
                "rules.json: rules[1].type: unknown rule type \"froward\"; did you mean forward? expected"
                        + " \"connect\" or \"forward\"");
    }

    @Test
    void aNearMissOfACloudEventAttributeInAWebhookSourceIsWarned() {
        Setup setup = loadDeclaring("""
                {"webhook": {"w": {"listen_port": 18290, "token": "tok-w-0123456789abcdef"}},
                 "declaring": {"d": {}}}
                """, """
                {"rules": [{"from": {"w": {"Type": "alert", "room": "ops"}}, "to": {"d": {}}}]}
                """);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.problems()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "rules[0].from.w.Type: CloudEvents are matched by source, type and subject (a bridge JSON channel by"
                        + " its own keys): did you mean type?");
    }

    @Test
    void suggestionsAreTyposOfOneKeyNotAnyShortWord() {
        Set<String> keys = Set.of("open_conversation_id", "chat_group", "user_ids");
        assertThat(ConfigNode.nearest("open_conversation_Id", keys)).isEqualTo("open_conversation_id");
        assertThat(ConfigNode.nearest("chatgroup", keys)).isEqualTo("chat_group");
        assertThat(ConfigNode.nearest("user_id", keys)).isEqualTo("user_ids");
        assertThat(ConfigNode.nearest("room", keys)).isNull();
        assertThat(ConfigNode.nearest("ab", Set.of("ac", "ad"))).isNull(); // two equally close: no guess
    }

    /** Platform "declaring": addresses have {@code room_id} only; it reads {@code msg_type} and {@code title}. */
    private static final class DeclaringFactory implements DriverFactory {
        @Override
        public String platform() {
            return "declaring";
        }

        @Override
        public Set<String> addressKeys(ChannelUse.Role role) {
            return Set.of("room_id");
        }

        @Override
        public Set<String> messageOptionKeys() {
            return Set.of("msg_type", "title");
        }

        @Override
        public Driver create(DriverConfig config) {
            return new Driver() {
                @Override
                public void start(DriverContext context) {
                }

                @Override
                public SendResult send(OutboundMessage message) {
                    return SendResult.OK;
                }

                @Override
                public void stop() {
                }
            };
        }
    }

    // ---------------------------------------------------------------- ports and routes two instances claim

    private static final String NO_RULES = "{\"rules\": []}";

    @Test
    void twoWebhooksOnOnePortWithTheDefaultPathCollide() {
        Setup setup = load("""
                {"webhook": {"a": {"listen_port": 18290, "token": "tok-a-123"},
                             "b": {"listen_port": 18290, "token": "tok-b-123"}}}
                """, NO_RULES);
        assertThat(errors(setup))
                .containsExactly("config.json: webhook.b.listen_path: POST /events on port 18290 is already used by webhook.a");
    }

    @Test
    void webhooksShareAPortOnDifferentPaths() {
        Setup setup = load("""
                {"webhook": {"a": {"listen_port": 18290, "token": "tok-a-123"},
                             "b": {"listen_port": 18290, "listen_path": "/other", "token": "tok-b-123"},
                             "c": {"listen_port": 18291, "token": "tok-c-123"}}}
                """, NO_RULES);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
    }

    @Test
    void aPathWithATrailingSlashIsTheSameRoute() {
        // before: valid, and POST /events/ was routed to w1, so w2 could never be reached
        Setup setup = load("""
                {"webhook": {"w1": {"listen_port": 18290, "listen_path": "/events", "token": "tok-a-123"},
                             "w2": {"listen_port": 18290, "listen_path": "/events/", "token": "tok-b-123"}}}
                """, NO_RULES);
        assertThat(errors(setup)).containsExactly("config.json: webhook.w2.listen_path: POST /events/ on port 18290"
                + " is already used by webhook.w1 (a trailing slash makes no other path: the server matches /events/"
                + " as /events)");
    }

    @Test
    void portZeroIsAnErrorOutsideTests() {
        // before: accepted, and the ingress opened on a random port no sender could know
        Setup setup = load("""
                {"webhook": {"a": {"listen_port": 0, "token": "tok-a-123"}}}
                """, NO_RULES);
        assertThat(errors(setup)).containsExactly("config.json: webhook.a.listen_port: 0 would open a random free"
                + " port, which no sender can know; give a fixed port from 1 to 65535");
    }

    private Setup loadAllowingRandomPorts(String config, String rules) {
        return Setup.load(Files.write(dir, "config.json", config), Files.write(dir, "rules.json", rules),
                DriverRegistry.discover(null), k -> null, new Setup.Options().allowRandomPorts());
    }

    @Test
    void routesOnPortZeroShareOneFreePortSoTheSamePathCollides() {
        Setup setup = loadAllowingRandomPorts("""
                {"webhook": {"a": {"listen_port": 0, "token": "tok-a-123"},
                             "b": {"listen_port": 0, "listen_path": "/other", "token": "tok-b-123"},
                             "c": {"listen_port": 0, "token": "tok-c-123"}}}
                """, NO_RULES);
        assertThat(errors(setup))
                .containsExactly("config.json: webhook.c.listen_path: POST /events on port 0 is already used by webhook.a");
    }

    @Test
    void aPortADriverOpensItselfCollidesWithAnyRouteOnItInEitherOrder() {
        Setup routeFirst = loadWithClaims("""
                {"webhook": {"a": {"listen_port": 18290, "token": "tok-a-123"}},
                 "claims": {"s": {"own_port": 18290}}}
                """);
        assertThat(errors(routeFirst))
                .containsExactly("config.json: claims.s.own_port: port 18290 is already used by webhook.a");
        Setup serverFirst = loadWithClaims("""
                {"claims": {"s": {"own_port": 18290}},
                 "webhook": {"a": {"listen_port": 18290, "listen_path": "/in", "token": "tok-a-123"}}}
                """);
        assertThat(errors(serverFirst))
                .containsExactly("config.json: webhook.a.listen_port: port 18290 is already used by claims.s");
        Setup twoServers = loadWithClaims("""
                {"claims": {"s": {"own_port": 18290}, "t": {"own_port": 18290}}}
                """);
        assertThat(errors(twoServers))
                .containsExactly("config.json: claims.t.own_port: port 18290 is already used by claims.s");
    }

    @Test
    void aPortZeroADriverOpensItselfNeverCollides() {
        Setup setup = loadWithClaims("""
                {"claims": {"s": {"own_port": 0}, "t": {"own_port": 0}},
                 "webhook": {"a": {"listen_port": 0, "token": "tok-a-123"}}}
                """);
        assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();
    }

    @Test
    void anInstanceWithSettingsProblemsClaimsNothing() {
        Setup setup = load("""
                {"webhook": {"a": {"listen_port": 18290, "token": "tok-a-123"},
                             "b": {"listen_port": 18290, "listen_path": "events", "token": "tok-b-123"}}}
                """, NO_RULES);
        assertThat(errors(setup)).containsExactly("config.json: webhook.b.listen_path: must start with '/', e.g. /events");
    }

    private Setup loadWithClaims(String config) {
        Path c = Files.write(dir, "config.json", config);
        Path r = Files.write(dir, "rules.json", NO_RULES);
        return Setup.load(c, r, DriverRegistry.of(new WebhookDriverFactory(), new OwnPortFactory()), k -> null,
                new Setup.Options().allowRandomPorts());
    }

    /** Platform "claims": an instance that opens {@code own_port} itself, like the DingTalk sandbox does. */
    private static final class OwnPortFactory implements DriverFactory {
        @Override
        public String platform() {
            return "claims";
        }

        @Override
        public Driver create(DriverConfig config) {
            int port = config.settings().integer("own_port", 0, 0, 65535);
            return new Driver() {
                @Override
                public List<PortClaim> portClaims() {
                    return List.of(PortClaim.ownServer(port, "own_port"));
                }

                @Override
                public void start(DriverContext context) {
                }

                @Override
                public SendResult send(OutboundMessage message) {
                    return SendResult.OK;
                }

                @Override
                public void stop() {
                }
            };
        }
    }
}
