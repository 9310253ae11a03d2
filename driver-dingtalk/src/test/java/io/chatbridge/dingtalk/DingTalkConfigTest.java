package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ChannelUse.Role;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DingTalkConfigTest {

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<String> sensitive = new ArrayList<>();

    private DingTalkConfig read(Map<String, Object> settings, Function<List<ConfigProblem>, List<ChannelUse>> uses) {
        DriverConfig recording = TestDriverContext.config("dingtalk", "dt_main", settings, problems,
                uses.apply(problems), sensitive);
        return DingTalkConfig.read(recording);
    }

    private DingTalkConfig read(Map<String, Object> settings) {
        return read(settings, p -> List.of());
    }

    private static ChannelUse use(Role role, Map<String, Object> address, List<ConfigProblem> problems) {
        return TestDriverContext.use("r1", role, "dt_main", address, problems);
    }

    private List<String> errors() {
        return problems.stream().filter(p -> !p.warning()).map(ConfigProblem::toString).toList();
    }

    private List<String> warnings() {
        return problems.stream().filter(ConfigProblem::warning).map(ConfigProblem::toString).toList();
    }

    private static Map<String, Object> app() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("app_key", "dingkey");
        s.put("app_secret", "secret");
        s.put("robot_code", "dingrobot");
        return s;
    }

    private static Map<String, Object> webhooksOnly() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("webhooks", List.of(
                Map.of("chat_group", "bot1", "url", "https://oapi.dingtalk.com/robot/send?access_token=AAA",
                        "signature", "SECone"),
                Map.of("chat_group", "bot2", "url", "https://oapi.dingtalk.com/robot/send?access_token=BBB")));
        return s;
    }

    @Test
    void defaultsMatchNextBridge() {
        DingTalkConfig config = read(app(), p -> List.of(use(Role.BOTH, Map.of("open_conversation_id", "cid"), p)));

        assertThat(errors()).isEmpty();
        assertThat(config.listenPort()).isEqualTo(8082);
        assertThat(config.listenPath()).isEqualTo("/dingtalk/event");
        assertThat(config.apiEndpoint()).isEqualTo(URI.create("https://api.dingtalk.com"));
        assertThat(config.signingSecret()).isNull();
        assertThat(config.callbacks()).isTrue();
        assertThat(config.webhooks()).isEmpty();
    }

    @Test
    void readsEveryKey() {
        Map<String, Object> s = app();
        s.put("signing_secret", "sig");
        s.put("listen_port", 9000);
        s.put("listen_path", "/dt");
        s.put("api_endpoint", "http://127.0.0.1:18080/");
        s.put("rate_per_minute", 10);
        s.putAll(webhooksOnly());
        s.put("default", "bot2");

        DingTalkConfig config = read(s);

        assertThat(errors()).isEmpty();
        assertThat(config.appKey()).isEqualTo("dingkey");
        assertThat(config.appSecret()).isEqualTo("secret");
        assertThat(config.robotCode()).isEqualTo("dingrobot");
        assertThat(config.signingSecret()).isEqualTo("sig");
        assertThat(config.listenPort()).isEqualTo(9000);
        assertThat(config.listenPath()).isEqualTo("/dt");
        assertThat(config.callbacks()).isTrue();
        assertThat(config.apiEndpoint()).isEqualTo(URI.create("http://127.0.0.1:18080"));
        assertThat(config.defaultChatGroup()).isEqualTo("bot2");
        assertThat(config.webhooks()).containsExactly(
                new WebhookConfig("bot1", "https://oapi.dingtalk.com/robot/send?access_token=AAA", "SECone", 10),
                new WebhookConfig("bot2", "https://oapi.dingtalk.com/robot/send?access_token=BBB", null, 10));
    }

    @Test
    void webhooksOnlyInstanceIsValidWithoutAppKeys() {
        DingTalkConfig config = read(webhooksOnly(),
                p -> List.of(use(Role.TARGET, Map.of("chat_group", "bot2"), p), use(Role.TARGET, Map.of(), p)));

        assertThat(errors()).isEmpty();
        assertThat(config.hasApp()).isFalse();
        assertThat(config.callbacks()).isFalse();
        assertThat(config.defaultChatGroup()).isEqualTo("bot1");
    }

    @Test
    void webhookUrlsAndVanusSignatureAreMarkedSensitive() {
        read(webhooksOnly());

        assertThat(sensitive).contains("https://oapi.dingtalk.com/robot/send?access_token=AAA",
                "https://oapi.dingtalk.com/robot/send?access_token=BBB", "SECone");
    }

    @Test
    void perWebhookRateOverridesInstanceRate() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rate_per_minute", 5);
        s.put("webhooks", List.of(Map.of("chat_group", "a", "url", "https://x/robot/send?access_token=1"),
                Map.of("chat_group", "b", "url", "https://x/robot/send?access_token=2", "rate_per_minute", 12)));

        assertThat(read(s).webhooks()).extracting(WebhookConfig::ratePerMinute).containsExactly(5, 12);
    }

    @Test
    void robotCodeRequiredWhenRuleSendsToOpenConversationId() {
        Map<String, Object> s = webhooksOnly();
        s.put("app_key", "k");
        s.put("app_secret", "s");

        read(s, p -> List.of(use(Role.TARGET, Map.of("open_conversation_id", "cidX"), p)));

        assertThat(errors()).containsExactly(
                "config.json: dingtalk.dt_main.robot_code: required when a rule sends to open_conversation_id");
    }

    @Test
    void appKeysRequiredWhenRuleSendsToUserIds() {
        read(webhooksOnly(), p -> List.of(use(Role.TARGET, Map.of("user_ids", List.of("manager01")), p)));

        assertThat(errors()).containsExactly(
                "config.json: dingtalk.dt_main.app_key: required when a rule sends to user_ids",
                "config.json: dingtalk.dt_main.app_secret: required when a rule sends to user_ids",
                "config.json: dingtalk.dt_main.robot_code: required when a rule sends to user_ids");
    }

    @Test
    void appKeysRequiredWhenRuleReceivesFromInstance() {
        read(webhooksOnly(), p -> List.of(use(Role.SOURCE, Map.of("open_conversation_id", "cid"), p)));

        assertThat(errors()).contains("config.json: dingtalk.dt_main.app_key: required when a rule receives "
                + "messages from this instance");
    }

    @Test
    void connectChannelNamingOnlyAChatGroupNeedsNoAppCredentials() {
        DingTalkConfig config = read(webhooksOnly(), p -> List.of(use(Role.BOTH, Map.of("chat_group", "bot2"), p)));

        assertThat(errors()).isEmpty();
        assertThat(config.hasApp()).isFalse();
        assertThat(config.callbacks()).isFalse();
        assertThat(warnings()).containsExactly("rules.json: rules[0].channels.dt_main: this channel only sends: "
                + "messages from DingTalk arrive by open_conversation_id, which chat_group and user_ids never match, "
                + "and dingtalk.dt_main receives no callbacks");
    }

    @Test
    void sendOnlyConnectChannelOnAnInstanceWithCallbacksIsStillNamed() {
        Map<String, Object> s = webhooksOnly();
        s.put("app_key", "k");
        s.put("app_secret", "s");
        s.put("robot_code", "r");
        s.put("listen_port", 8090);

        DingTalkConfig config = read(s, p -> List.of(use(Role.BOTH, Map.of("chat_group", "bot2"), p)));

        assertThat(errors()).isEmpty();
        assertThat(config.callbacks()).isTrue();
        assertThat(warnings()).singleElement().asString().endsWith("this channel only sends: messages from DingTalk "
                + "arrive by open_conversation_id, which chat_group and user_ids never match");
    }

    @Test
    void connectChannelThatCanMatchCallbacksStillNeedsAppCredentials() {
        read(webhooksOnly(), p -> List.of(use(Role.BOTH, Map.of(), p),
                use(Role.BOTH, Map.of("open_conversation_id", "cidX"), p)));

        assertThat(errors()).contains("config.json: dingtalk.dt_main.app_key: required when a rule receives "
                + "messages from this instance and a rule sends to open_conversation_id");
    }

    @Test
    void unknownChatGroupNamesTheKnownOnes() {
        read(webhooksOnly(), p -> List.of(use(Role.TARGET, Map.of("chat_group", "bot3"), p)));

        assertThat(errors()).containsExactly(
                "rules.json: rules[0].channels.dt_main.chat_group: unknown chat_group 'bot3' (known: bot1, bot2)");
    }

    @Test
    void userIdsMustBeAnArrayOfStrings() {
        read(app(), p -> List.of(use(Role.TARGET, Map.of("user_ids", "manager01"), p),
                use(Role.TARGET, Map.of("user_ids", List.of("a", 3)), p)));

        assertThat(errors()).containsExactly(
                "rules.json: rules[0].channels.dt_main.user_ids: expected a non-empty array of staff id strings, "
                        + "e.g. [\"manager01\"]",
                "rules.json: rules[0].channels.dt_main.user_ids: expected a non-empty array of staff id strings, "
                        + "e.g. [\"manager01\"]");
    }

    @Test
    void emptyTargetAddressNeedsWebhooks() {
        read(app(), p -> List.of(use(Role.TARGET, Map.of(), p)));

        assertThat(errors()).containsExactly("rules.json: rules[0].channels.dt_main: names no DingTalk target: give "
                + "open_conversation_id, user_ids or chat_group (an empty address needs dingtalk.dt_main.webhooks)");
    }

    @Test
    void defaultMustNameAKnownChatGroup() {
        Map<String, Object> s = webhooksOnly();
        s.put("default", "nope");

        read(s);

        assertThat(errors()).containsExactly(
                "config.json: dingtalk.dt_main.default: unknown chat_group 'nope' (known: bot1, bot2)");
    }

    @Test
    void vanusMisspeltDefaultIsReadWithAWarning() {
        Map<String, Object> s = webhooksOnly();
        s.put("defalult", "bot2");

        DingTalkConfig config = read(s);

        assertThat(errors()).isEmpty();
        assertThat(config.defaultChatGroup()).isEqualTo("bot2");
        assertThat(warnings()).singleElement().asString().contains("dingtalk.dt_main.defalult")
                .contains("rename it to 'default'");
    }

    @Test
    void webhookEntriesAreChecked() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("webhooks", List.of(Map.of("url", "https://x/robot/send?access_token=1"),
                Map.of("chat_group", "a", "url", "ftp://nope"),
                Map.of("chat_group", "b", "url", "https://x/robot/send?access_token=2"),
                Map.of("chat_group", "b", "url", "https://x/robot/send?access_token=3"),
                Map.of("chat_group", "c", "url", "https://oapi.dingtalk.com/robot/send?access_token=tok en|x")));

        read(s);

        assertThat(errors()).containsExactly(
                "config.json: dingtalk.dt_main.webhooks[0].chat_group: required",
                "config.json: dingtalk.dt_main.webhooks[1].url: must be the robot's webhook URL, "
                        + "e.g. https://oapi.dingtalk.com/robot/send?access_token=...",
                "config.json: dingtalk.dt_main.webhooks[3].chat_group: duplicate chat_group 'b': names must be unique",
                "config.json: dingtalk.dt_main.webhooks[4].url: must be the robot's webhook URL, "
                        + "e.g. https://oapi.dingtalk.com/robot/send?access_token=...");
        assertThat(String.join("\n", errors())).doesNotContain("tok en");
    }

    @Test
    void instanceWithNothingToSendToIsAProblem() {
        read(new LinkedHashMap<>());

        assertThat(errors()).singleElement().asString().contains("configures nothing to send to");
    }

    @Test
    void badEndpointPortAndPathAreReported() {
        Map<String, Object> s = app();
        s.put("api_endpoint", "api.dingtalk.com/v1");
        s.put("listen_port", 70000);
        s.put("listen_path", "event");

        read(s);

        assertThat(errors()).containsExactlyInAnyOrder(
                "config.json: dingtalk.dt_main.api_endpoint: expected http(s)://host[:port] without a path, "
                        + "e.g. https://api.dingtalk.com",
                "config.json: dingtalk.dt_main.listen_port: must be between 0 and 65535, got 70000",
                "config.json: dingtalk.dt_main.listen_path: must start with '/', e.g. \"/dingtalk/event\"");
    }

    @Test
    void unknownKeysAreWarnings() {
        Map<String, Object> s = webhooksOnly();
        s.put("robotcode", "x");

        read(s);

        assertThat(errors()).isEmpty();
        assertThat(warnings()).singleElement().asString().contains("dingtalk.dt_main.robotcode: unknown key");
    }

    @Test
    void toStringShowsNoSecrets() {
        Map<String, Object> s = app();
        s.put("signing_secret", "sigsecret");
        s.putAll(webhooksOnly());

        String text = read(s).toString();

        assertThat(text).doesNotContain("secret").doesNotContain("sigsecret").doesNotContain("access_token")
                .doesNotContain("SECone");
    }
}
