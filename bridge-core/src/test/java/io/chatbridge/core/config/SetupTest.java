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
                .startsWith("config.json: malformed JSON at line 3, column 11");
    }

    @Test
    void duplicateKeysAreMalformed() {
        Setup setup = load("{\"memory\": {\"a\": {}}, \"memory\": {}}", RULES);
        assertThat(errors(setup).get(0)).contains("malformed JSON").contains("Duplicate field 'memory'");
    }

    @Test
    void unknownPlatformIsNamedWithTheKnownOnes() {
        Setup setup = load("{\"memory\": {\"a\": {}, \"b\": {}}, \"telegram\": {\"t\": {}}}", RULES);
        assertThat(errors(setup)).contains(
                "config.json: telegram: unknown platform \"telegram\"; known platforms: "
                        + String.join(", ", DriverRegistry.discover(null).platforms()));
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
                        + " msg_format, msg_type, title)",
                "rules.json: rules[0].msg.msg_typ: unknown msg key; did you mean msg_type? (known keys: msg_format,"
                        + " msg_type, title)",
                "rules.json: rules[1].to.d.msg.colour: unknown msg key (known keys: msg_format, msg_type, title)",
                // memory declares no options, so "anything" goes to it; a near miss of a known key does not
                "rules.json: rules[2].msg.msg_fromat: unknown msg key; did you mean msg_format?");
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
        String known = "(known: {from}, {instance_id}, {msg}, {nickname}, {platform}, {time}, {user}, {user_avatar},"
                + " {user_id}, {username})";
        assertThat(setup.problems()).extracting(p -> p.path() + ": " + p.message()).containsExactly(
                "rules[0].msg.msg_format: unknown variable {usr}, left as written; did you mean {user}? " + known,
                "rules[0].msg.msg_format: unknown variable {room}, left as written " + known);
    }

    @Test
    void unknownConfigKeysAreWarnedWithTheKeyMeant() {
        Setup setup = load("{\"global\": {\"dedup_windw\": \"5m\"}, \"memory\": {\"a\": {}, \"b\": {}}}", RULES);
        assertThat(setup.valid()).isTrue();
        assertThat(setup.problems()).extracting(ConfigProblem::message).singleElement().asString()
                .startsWith("unknown key, ignored; did you mean dedup_window? (known keys: database, dedup_window,");
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
            return new OwnPortFactory().create(config);
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
    void routesOnPortZeroShareOneFreePortSoTheSamePathCollides() {
        Setup setup = load("""
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
        return Setup.load(c, r, DriverRegistry.of(new WebhookDriverFactory(), new OwnPortFactory()), k -> null);
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
