package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.testkit.TestDriverContext;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Config keys, defaults and every validation problem, each naming its file and JSON path. */
class WebhookConfigTest {

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<String> sensitive = new ArrayList<>();

    private WebhookConfig read(Map<String, Object> settings, ChannelUse... uses) {
        DriverConfig recording = TestDriverContext.config("webhook", "alerts", settings, problems, List.of(uses),
                sensitive);
        return ((WebhookDriver) new WebhookDriverFactory().create(recording)).config();
    }

    private List<String> errors() {
        return problems.stream().filter(p -> !p.warning()).map(ConfigProblem::toString).toList();
    }

    private List<String> warnings() {
        return problems.stream().filter(ConfigProblem::warning).map(ConfigProblem::toString).toList();
    }

    @Test
    void factoryIsFoundByServiceLoaderUnderPlatformWebhook() {
        assertThat(ServiceLoader.load(DriverFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.platform().equals("webhook")))
                .singleElement().isInstanceOf(WebhookDriverFactory.class);
    }

    @Test
    void ingressOnlyHasDefaultPathAndNoEgress() {
        WebhookConfig config = read(Map.of("listen_port", 8090, "token", "0123456789abcdef0123"));

        assertThat(problems).isEmpty();
        assertThat(config.ingress()).isTrue();
        assertThat(config.listenPort()).isEqualTo(8090);
        assertThat(config.listenPath()).isEqualTo("/events");
        assertThat(config.egress()).isFalse();
    }

    @Test
    void egressOnlyDefaultsToPostWithoutCloudEventsAnd30SecondTimeout() {
        WebhookConfig config = read(Map.of("url", "https://example.com/hook"));

        assertThat(problems).isEmpty();
        assertThat(config.ingress()).isFalse();
        assertThat(config.url()).isEqualTo(URI.create("https://example.com/hook"));
        assertThat(config.method()).isEqualTo("POST");
        assertThat(config.ceMode()).isFalse();
        assertThat(config.headers()).isEmpty();
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsEveryKey() {
        WebhookConfig config = read(Map.of("listen_port", 8090, "listen_path", "/in", "token", "0123456789abcdef0123",
                "url", "http://example.com/out", "method", "patch", "headers", Map.of("X-Key", "v"),
                "ce_mode", true, "timeout_seconds", 5));

        assertThat(problems).isEmpty();
        assertThat(config).isEqualTo(new WebhookConfig(8090, "/in", "0123456789abcdef0123",
                URI.create("http://example.com/out"), "PATCH", Map.of("X-Key", "v"), true, Duration.ofSeconds(5)));
        assertThat(config.toString()).doesNotContain("0123456789abcdef0123").doesNotContain("X-Key=v");
    }

    @Test
    void reportsMissingTokenWhenListenPortIsSet() {
        read(Map.of("listen_port", 8090));

        assertThat(errors()).containsExactly(
                "config.json: webhook.alerts.token: required when listen_port is set (callers send "
                        + "Authorization: Bearer <token>; or set allow_unauthenticated: true for senders that "
                        + "cannot)");
    }

    @Test
    void allowUnauthenticatedIsAnExplicitOptOutWithAWarning() {
        WebhookConfig config = read(Map.of("listen_port", 8090, "allow_unauthenticated", true));

        assertThat(errors()).isEmpty();
        assertThat(config.token()).isNull();
        assertThat(warnings()).singleElement().asString()
                .startsWith("config.json: webhook.alerts.allow_unauthenticated: the ingress accepts requests "
                        + "without a token");
    }

    @Test
    void reportsInstanceWithNeitherIngressNorEgress() {
        read(Map.of());

        assertThat(errors()).containsExactly("config.json: webhook.alerts: needs listen_port (to receive messages) "
                + "or url (to send them), or both");
    }

    @Test
    void reportsNonHttpUrl() {
        read(Map.of("url", "ftp://example.com/x"));

        assertThat(errors()).containsExactly("config.json: webhook.alerts.url: must be an http:// or https:// URL");
    }

    @Test
    void reportsUnparsableUrl() {
        read(Map.of("url", "http://exa mple.com"));

        assertThat(errors()).singleElement().asString().startsWith("config.json: webhook.alerts.url: not a valid URL");
    }

    @Test
    void reportsUnsupportedMethod() {
        read(Map.of("url", "https://example.com/hook", "method", "GET"));

        assertThat(errors()).containsExactly(
                "config.json: webhook.alerts.method: must be one of POST, PUT, PATCH, got \"GET\"");
    }

    @Test
    void reportsListenPortOutOfRange() {
        read(Map.of("listen_port", 70000, "token", "0123456789abcdef0123"));

        assertThat(errors()).containsExactly(
                "config.json: webhook.alerts.listen_port: must be between 0 and 65535, got 70000");
    }

    @Test
    void reportsListenPathWithoutLeadingSlash() {
        read(Map.of("listen_port", 8090, "listen_path", "events", "token", "0123456789abcdef0123"));

        assertThat(errors()).containsExactly(
                "config.json: webhook.alerts.listen_path: must start with '/', e.g. /events");
    }

    @Test
    void reportsHeadersTheBridgeSetsItself() {
        read(Map.of("url", "https://example.com/hook", "headers", Map.of("Content-Type", "text/plain")));

        assertThat(errors()).containsExactly(
                "config.json: webhook.alerts.headers.Content-Type: set by the bridge itself; remove it");
    }

    @Test
    void marksHeaderValuesAndCredentialUrlsSensitive() {
        read(Map.of("url", "https://example.com/hook?access_token=abc",
                "headers", Map.of("Authorization", "Bearer xyz")));

        assertThat(sensitive).containsExactlyInAnyOrder("Bearer xyz", "https://example.com/hook?access_token=abc");
    }

    @Test
    void marksUrlWithSecretInItsPathSensitive() {
        read(Map.of("url", "https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX"));

        assertThat(sensitive).containsExactly("https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX");
    }

    @Test
    void marksUrlSensitiveAsWrittenAndAsSent() {
        read(Map.of("url", " https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c "));

        assertThat(sensitive).containsExactlyInAnyOrder(" https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c ",
                "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c");
    }

    @Test
    void warnsAboutUnknownKeysAndShortTokens() {
        read(Map.of("listen_port", 8090, "token", "short", "tokn", "x"));

        assertThat(errors()).isEmpty();
        assertThat(warnings()).containsExactlyInAnyOrder(
                "config.json: webhook.alerts.token: shorter than 16 characters; use a long random value",
                "config.json: webhook.alerts.tokn: unknown key, ignored; did you mean token? (known keys: allow_unauthenticated, ce_mode, headers, listen_path, "
                        + "listen_port, method, timeout_seconds, token, url)");
    }

    @Test
    void reportsRuleSendingToInstanceWithoutUrlOnTheRuleAddress() {
        ChannelUse use = TestDriverContext.use("r1", ChannelUse.Role.TARGET, "alerts", Map.of(), problems);

        read(Map.of("listen_port", 8090, "token", "0123456789abcdef0123"), use);

        assertThat(errors()).containsExactly("rules.json: rules[0].channels.alerts: rule \"r1\" sends to webhook "
                + "instance alerts, which has no url; set webhook.alerts.url");
    }

    @Test
    void reportsRuleReceivingFromInstanceWithoutListenPortOnTheRuleAddress() {
        ChannelUse use = TestDriverContext.use("r2", ChannelUse.Role.SOURCE, "alerts", Map.of("type", "x"), problems);

        read(Map.of("url", "https://example.com/hook"), use);

        assertThat(errors()).containsExactly("rules.json: rules[0].channels.alerts: rule \"r2\" receives from "
                + "webhook instance alerts, which has no listen_port; set webhook.alerts.listen_port");
    }

    @Test
    void connectRuleNeedsBothDirections() {
        ChannelUse use = TestDriverContext.use("r3", ChannelUse.Role.BOTH, "alerts", Map.of(), problems);

        read(Map.of("url", "https://example.com/hook", "listen_port", 8090, "token", "0123456789abcdef0123"), use);

        assertThat(errors()).isEmpty();
    }
}
