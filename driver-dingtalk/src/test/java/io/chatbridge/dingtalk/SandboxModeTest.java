package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.dingtalk.outbound.Sleeper;
import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxMessage;
import io.chatbridge.dingtalk.sandbox.SandboxMessage.Delivery.State;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ChannelUse.Role;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichContent;
import io.chatbridge.testkit.TestDriverContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code "sandbox": true}: the instance runs the local DingTalk sandbox in-process and talks only to it. */
class SandboxModeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private DriverFixture fixture;

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Sandbox mode on a random sandbox port; {@link #start} gives the {@code listen_port}. */
    private static Map<String, Object> sandboxSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sandbox", true);
        settings.put("sandbox_port", 0);
        return settings;
    }

    private static Map<String, Object> sandboxSettings(int listenPort) {
        Map<String, Object> settings = sandboxSettings();
        settings.put("listen_port", listenPort);
        return settings;
    }

    /** Starts the instance on a fresh {@code listen_port}. */
    private DingTalkSandbox start(Map<String, Object> settings, List<ChannelUse> uses) throws Exception {
        fixture = DriverFixture.sandbox(settings, uses, Clock.systemUTC(), new TestTime.FakeTicker(), Sleeper.SYSTEM);
        return fixture.driver.sandbox();
    }

    @Test
    void needsNoCredentialsAndSendsGroupMessagesIntoTheSandbox() throws Exception {
        DingTalkSandbox sandbox = start(sandboxSettings(), List.of());

        fixture.driver.send(Messages.toGroup("cidGroupB").text("hello from the bridge").build());

        SandboxMessage shown = sandbox.awaitMessage("cidGroupB", m -> m.shows("hello from the bridge"), WAIT);
        assertThat(shown.via()).isEqualTo(SandboxMessage.VIA_OPENAPI);
        assertThat(sandbox.tokenRequests()).isEqualTo(1);
    }

    @Test
    void inProcessSandboxPortAnswersHealthz() throws Exception {
        DingTalkSandbox sandbox = start(sandboxSettings(), List.of());

        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void showsEveryConversationTheRulesNameAsAGroup() throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        List<ChannelUse> uses = List.of(
                TestDriverContext.use("r1", Role.BOTH, "dt", Map.of("open_conversation_id", "cidTeam"), problems),
                TestDriverContext.use("r2", Role.TARGET, "dt", Map.of("open_conversation_id", "cidOps"), problems));
        DingTalkSandbox sandbox = start(sandboxSettings(), uses);

        assertThat(sandbox.settings().groups()).extracting(g -> g.openConversationId())
                .containsExactly("cidGroupA", "cidGroupB", "cidTeam", "cidOps");
        fixture.driver.send(Messages.toGroup("cidOps").rich(RichContent.markdown("Deploy", "**done**")).build());
        assertThat(sandbox.awaitMessage("cidOps", m -> m.shows("**done**"), WAIT)).isNotNull();
    }

    @Test
    void membersMessagesArriveAsSignedCallbacksThatTheInstanceAccepts() throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        List<ChannelUse> uses = List.of(
                TestDriverContext.use("r1", Role.SOURCE, "dt", Map.of("open_conversation_id", "cidGroupA"), problems));
        Map<String, Object> settings = sandboxSettings();
        settings.put("signing_secret", "a-signing-secret-of-my-own");
        DingTalkSandbox sandbox = start(settings, uses);

        SandboxMessage sent = sandbox.postAsMember("cidGroupA", "Alice", "hi robot");

        SandboxMessage done = sandbox.awaitMessage("cidGroupA",
                m -> m.id().equals(sent.id()) && m.delivery().state() != State.PENDING, WAIT);
        assertThat(done.delivery().state()).isEqualTo(State.DELIVERED);
        List<InboundMessage> published = fixture.context.published();
        assertThat(published).hasSize(1);
        assertThat(published.get(0).text()).isEqualTo("hi robot");
        assertThat(published.get(0).channel()).containsEntry("open_conversation_id", "cidGroupA");
        assertThat(published.get(0).sender().displayName()).isEqualTo("Alice");
    }

    @Test
    void customRobotsPostSignedIntoSandboxGroupsWithoutShowingTheirRealToken() throws Exception {
        Map<String, Object> settings = sandboxSettings();
        settings.put("webhooks", List.of(
                Map.of("chat_group", "ops", "url", "https://oapi.dingtalk.com/robot/send?access_token=tokOPS",
                        "secret", "SECops0123456789"),
                Map.of("chat_group", "dev", "url", "https://oapi.dingtalk.com/robot/send?access_token=tokDEV")));
        DingTalkSandbox sandbox = start(settings, List.of());

        fixture.driver.send(Messages.to(Map.of("chat_group", "ops")).text("disk full on db-1").build());
        fixture.driver.send(Messages.to(Map.of("chat_group", "dev")).text("unsigned robot").build());
        fixture.driver.send(Messages.to(Map.of()).text("default robot").build());

        assertThat(sandbox.awaitMessage("cidRobot_ops", m -> m.shows("disk full on db-1"), WAIT)).isNotNull();
        assertThat(sandbox.awaitMessage("cidRobot_dev", m -> m.shows("unsigned robot"), WAIT)).isNotNull();
        assertThat(sandbox.awaitMessage("cidRobot_ops", m -> m.shows("default robot"), WAIT)).isNotNull();
        assertThat(sandbox.settings().groups()).extracting(g -> g.title())
                .contains("ops (custom robot)", "dev (custom robot)");
        assertThat(sandbox.settings().webhooks()).allSatisfy(w -> assertThat(w.accessToken()).startsWith("sandbox-"));
        assertThat(sandbox.settings().webhooks()).filteredOn(w -> w.name().equals("ops"))
                .allSatisfy(w -> assertThat(w.secret()).isEqualTo("SECops0123456789"));
    }

    @Test
    void theSandboxTellsThePageItRunsInTheBridgeAndThatCustomRobotGroupsCannotReachIt() throws Exception {
        Map<String, Object> settings = sandboxSettings();
        settings.put("webhooks", List.of(
                Map.of("chat_group", "ops", "url", "https://oapi.dingtalk.com/robot/send?access_token=tokOPS")));
        DingTalkSandbox sandbox = start(settings, List.of());
        HttpClient http = HttpClient.newHttpClient();

        var state = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(
                HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/sandbox/api/state")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(state.path("bridgeInstance").asText()).isEqualTo("dt");
        Map<String, Boolean> appRobot = new LinkedHashMap<>();
        state.path("groups").forEach(g -> appRobot.put(g.path("openConversationId").asText(),
                g.path("appRobot").asBoolean()));
        assertThat(appRobot).containsEntry("cidGroupA", true).containsEntry("cidRobot_ops", false);

        HttpResponse<String> typed = http.send(HttpRequest.newBuilder(
                        URI.create(sandbox.baseUrl() + "/sandbox/api/groups/cidRobot_ops/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"senderNick\":\"Al\",\"text\":\"hi\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(typed.statusCode()).isEqualTo(409);
        assertThat(typed.body()).contains("a custom robot cannot receive messages in DingTalk");
        assertThat(fixture.context.published()).isEmpty();
    }

    @Test
    void aTakenSandboxPortIsAClearStartError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Map<String, Object> settings = sandboxSettings();
            settings.put("sandbox_port", taken.getLocalPort());
            assertThatThrownBy(() -> start(settings, List.of()))
                    .hasMessageStartingWith("dingtalk.dt.sandbox_port: cannot listen on 127.0.0.1:"
                            + taken.getLocalPort())
                    .hasMessageEndingWith("choose a free port");
        }
    }

    @Test
    void configProblemsAreLocated() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sandbox", "yes");
        assertThat(problems(settings)).contains("config.json: dingtalk.dt.sandbox: expected true or false, got a string");

        settings = sandboxSettings(0);
        assertThat(problems(settings)).anyMatch(p -> p.startsWith("config.json: dingtalk.dt.listen_port: must be a fixed port"));

        settings = sandboxSettings(8070);
        settings.put("sandbox_port", 8070);
        assertThat(problems(settings)).anyMatch(p -> p.startsWith("config.json: dingtalk.dt.sandbox_port: must differ"
                + " from listen_port (8070)"));

        settings = sandboxSettings(8082);
        settings.put("signing_secret", " ");
        assertThat(problems(settings)).contains("config.json: dingtalk.dt.signing_secret: must not be blank; remove"
                + " the key to use the sandbox's default");

        settings = sandboxSettings(8082);
        settings.put("api_endpoint", "https://api.dingtalk.com");
        assertThat(warnings(settings)).anyMatch(w -> w.startsWith("config.json: dingtalk.dt.api_endpoint: ignored"));

        settings = new LinkedHashMap<>(Map.of("sandbox_port", 9000, "webhooks",
                List.of(Map.of("chat_group", "a", "url", "https://oapi.dingtalk.com/robot/send?access_token=x"))));
        assertThat(warnings(settings)).anyMatch(w -> w.startsWith("config.json: dingtalk.dt.sandbox_port: ignored"));
    }

    private static List<String> problems(Map<String, Object> settings) {
        return read(settings).stream().filter(p -> !p.warning()).map(ConfigProblem::toString)
                .collect(Collectors.toList());
    }

    private static List<String> warnings(Map<String, Object> settings) {
        return read(settings).stream().filter(ConfigProblem::warning).map(ConfigProblem::toString)
                .collect(Collectors.toList());
    }

    private static List<ConfigProblem> read(Map<String, Object> settings) {
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config("dingtalk", "dt", settings, problems, List.of());
        DingTalkConfig.read(config);
        return problems;
    }

}
