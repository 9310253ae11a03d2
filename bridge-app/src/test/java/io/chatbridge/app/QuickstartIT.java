package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.core.testing.Ports;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code examples/quickstart} run from the packaged bridge.jar, as the README tells a new user to: the in-process
 * sandbox, a person typing in a real headless Chromium, signed callbacks, Robot v1.0 sends, the HTTP ingress and a
 * signed custom robot. Only the ports are moved to free ones, so the test never collides with a running bridge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuickstartIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private Path log;
    private Process bridge;
    private int sandboxPort;
    private int callbackPort;
    private int eventsPort;
    private WebDriver browser;

    @BeforeAll
    void startBridge() throws Exception {
        dir = Files.createTempDirectory("quickstart-it-");
        log = dir.resolve("bridge.log");
        Path example = BridgeJarIT.ROOT.resolve("examples/quickstart");
        Files.copy(example.resolve("rules.json"), dir.resolve("rules.json"));
        bridge = BridgeJarIT.startHealthy(dir, Map.of(), log, () -> {
            sandboxPort = Ports.freePort();
            callbackPort = Ports.freePort();
            eventsPort = Ports.freePort();
            ObjectNode config = (ObjectNode) JSON.readTree(example.resolve("config.json").toFile());
            ObjectNode robot = (ObjectNode) config.path("dingtalk").path("sandbox_robot");
            assertThat(robot.path("sandbox").asBoolean()).as("the quickstart uses the sandbox").isTrue();
            robot.put("sandbox_port", sandboxPort).put("listen_port", callbackPort);
            ((ObjectNode) config.path("webhook").path("events")).put("listen_port", eventsPort);
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
            return new int[] {callbackPort};
        }, "--config", "config.json", "--rules", "rules.json");
    }

    @AfterAll
    void stopBridge() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        BridgeJarIT.stop(bridge);
    }

    private String sandboxUrl() {
        return "http://127.0.0.1:" + sandboxPort;
    }

    @Test
    void startUpTellsWhereTheSandboxPageIs() throws Exception {
        assertThat(Files.readString(log)).contains("open it in a browser").contains(sandboxUrl() + "/");
    }

    @Test
    void aMessageTypedInGroupAInTheBrowserAppearsInGroupB() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (apt-get install chromium chromium-driver)");
        browser = chromium();
        browser.get(sandboxUrl() + "/");
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement groupA = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("section.group[data-group='cidGroupA']")));
        WebElement name = groupA.findElement(By.cssSelector("input.sender-name"));
        name.clear();
        name.sendKeys("Alice");
        groupA.findElement(By.cssSelector("textarea.compose-text")).sendKeys("hello from the browser");
        groupA.findElement(By.cssSelector("button.send")).click();

        WebElement bridged = wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath(
                "//section[@data-group='cidGroupB']//li[contains(@class,'message')][.//div[@class='text']"
                        + "[contains(., '[Group A] Alice: hello from the browser')]]")));
        assertThat(bridged.getAttribute("data-via")).isEqualTo("openapi");
        WebElement delivered = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "section[data-group='cidGroupA'] li.message.from-member .delivery-delivered")));
        assertThat(delivered.getText()).contains("delivered");
    }

    @Test
    void aMemberMessageInGroupBIsBridgedBackToGroupA() throws Exception {
        HttpResponse<String> posted = post(sandboxUrl() + "/sandbox/api/groups/cidGroupB/messages",
                Map.of("Content-Type", "application/json"), "{\"senderNick\": \"Bob\", \"text\": \"hi from B\"}");
        assertThat(posted.statusCode()).isBetween(200, 299);

        JsonNode message = awaitMessage("cidGroupA", m -> m.path("content").path("text").asText()
                .equals("[Group B] Bob: hi from B"));
        assertThat(message.path("via").asText()).isEqualTo("openapi");
    }

    @Test
    void plainJsonOnTheEventsIngressReachesGroupA() throws Exception {
        HttpResponse<String> posted = post("http://127.0.0.1:" + eventsPort + "/events",
                Map.of("Authorization", "Bearer quickstart-token", "Content-Type", "application/json"),
                "{\"channel\": {\"room\": \"general\"}, \"user\": \"ci\", \"text\": \"build 42 passed\"}");
        assertThat(posted.statusCode()).isEqualTo(202);

        awaitMessage("cidGroupA", m -> m.path("content").path("text").asText().equals("ci: build 42 passed"));
    }

    @Test
    void anAlertCloudEventGoesThroughTheSignedCustomRobotAsMarkdown() throws Exception {
        HttpResponse<String> posted = post("http://127.0.0.1:" + eventsPort + "/events",
                Map.of("Authorization", "Bearer quickstart-token", "Content-Type", "application/cloudevents+json"),
                "{\"id\": \"a-1\", \"source\": \"prometheus\", \"specversion\": \"1.0\", \"type\": \"alert\","
                        + " \"data\": \"disk full on db-1\"}");
        assertThat(posted.statusCode()).isEqualTo(202);

        JsonNode alert = awaitMessage("cidRobot_alerts",
                m -> m.path("content").path("text").asText().contains("### disk full on db-1"));
        assertThat(alert.path("content").path("type").asText()).isEqualTo("markdown");
        assertThat(alert.path("content").path("title").asText()).isEqualTo("Alert");
    }

    @Test
    void forgedStaleAndUnsignedCallbacksAreRefusedAndNothingIsBridged() throws Exception {
        String url = "http://127.0.0.1:" + callbackPort + "/dingtalk/event";
        String body = "{\"msgtype\": \"text\", \"text\": {\"content\": \"forged\"}, \"msgId\": \"forged-1\","
                + " \"conversationId\": \"cidGroupA\", \"senderNick\": \"Mallory\", \"conversationType\": \"2\"}";
        long now = System.currentTimeMillis();
        String ts = Long.toString(now);
        String stale = Long.toString(now - Duration.ofHours(2).toMillis());

        assertThat(post(url, Map.of("Content-Type", "application/json"), body).statusCode()).isEqualTo(403);
        assertThat(post(url, signed(ts, "wrong-secret"), body).statusCode()).isEqualTo(403);
        assertThat(post(url, signed(stale, "sandbox-app-secret"), body).statusCode()).isEqualTo(403);
        assertThat(post(url, signed(ts, "sandbox-app-secret"), "{not json").statusCode()).isEqualTo(400);

        // a correctly signed one still goes through afterwards
        String signedBody = body.replace("forged", "signed by hand");
        assertThat(post(url, signed(ts, "sandbox-app-secret"), signedBody).statusCode()).isEqualTo(200);
        awaitMessage("cidGroupB", m -> m.path("content").path("text").asText().endsWith("signed by hand"));
        assertThat(state().toString()).doesNotContain("\"[Group A] Mallory: forged\"");
    }

    private static Map<String, String> signed(String timestamp, String secret) throws Exception {
        return Map.of("timestamp", timestamp, "sign", BridgeJarIT.callbackSign(timestamp, secret));
    }

    private JsonNode state() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sandboxUrl() + "/sandbox/api/state"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private JsonNode awaitMessage(String group, Predicate<JsonNode> matches) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode state = null;
        while (System.nanoTime() < deadline) {
            state = state();
            for (JsonNode g : state.path("groups")) {
                if (g.path("openConversationId").asText().equals(group)) {
                    for (JsonNode m : g.path("messages")) {
                        if (matches.test(m)) {
                            return m;
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no matching message in " + group + "; sandbox state: " + state
                + "\nbridge log:\n" + Files.readString(log));
    }

    private HttpResponse<String> post(String url, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private WebDriver chromium() throws IOException {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

}
