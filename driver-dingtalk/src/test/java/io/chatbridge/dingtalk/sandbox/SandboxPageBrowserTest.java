package io.chatbridge.dingtalk.sandbox;

import static io.chatbridge.dingtalk.sandbox.SandboxHttp.JSON;
import static io.chatbridge.dingtalk.sandbox.SandboxHttp.hmacBase64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real headless Chromium: a person types into group A, a stand-in bridge (a small Javalin app that
 * checks the callback signature) relays it into group B through the sandbox's own OpenAPI, and the page shows it.
 * Needs Debian's {@code chromium} and {@code chromium-driver}; skipped without them.
 */
@ExtendWith(QuietJettyLogs.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String SIGNING_SECRET = "browser-test-secret";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService bridgeWork = Executors.newSingleThreadExecutor();
    private Javalin bridge;
    private DingTalkSandbox sandbox;
    private Path profile;
    private WebDriver browser;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (apt-get install chromium chromium-driver)");
        bridge = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/dingtalk/event", ctx -> {
                String timestamp = ctx.header("timestamp");
                if (timestamp == null || !hmacBase64(SIGNING_SECRET, timestamp).equals(ctx.header("sign"))) {
                    ctx.status(401).result("bad signature");
                    return;
                }
                JsonNode callback = JSON.readTree(ctx.body());
                if ("cidGroupB".equals(callback.get("conversationId").asText())) {
                    ctx.status(500).result("no rule for group B");
                    return;
                }
                // answer at once and relay afterwards, like the bridge's outbox does
                bridgeWork.submit(() -> relayToGroupB(callback));
                ctx.status(200);
            });
        }).start("127.0.0.1", 0);
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)
                .withCallbackUrl(URI.create("http://127.0.0.1:" + bridge.port() + "/dingtalk/event"))
                .withSigningSecret(SIGNING_SECRET)
                .withGroups(List.of(new SandboxSettings.Group("cidGroupA", "Group A"),
                        new SandboxSettings.Group("cidGroupB", "Group B"),
                        new SandboxSettings.Group("cidRobot_alerts", "alerts (custom robot)", false)))
                .withWebhooks(List.of(new SandboxSettings.Webhook("cards", "cards-token", null, "cidGroupB"),
                        new SandboxSettings.Webhook("alerts", "alerts-token", null, "cidRobot_alerts"))))
                .start();

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("sandbox-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    private void relayToGroupB(JsonNode callback) {
        try {
            String token = SandboxHttp.token(sandbox);
            String nick = callback.get("senderNick").asText();
            String text = callback.get("text").get("content").asText().strip();
            SandboxHttp.groupSend(sandbox, token, "cidGroupB", "sampleText", Map.of("content", nick + ": " + text));
            SandboxHttp.groupSend(sandbox, token, "cidGroupB", "sampleMarkdown", Map.of("title", "relay",
                    "text", "## Relayed from Group A\n**" + nick + "** said:\n- " + text));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        if (bridge != null) {
            bridge.stop();
        }
        bridgeWork.shutdownNow();
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private WebElement group(String cid) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("section.group[data-group='" + cid + "']")));
    }

    private void type(String cid, String name, String text) {
        WebElement group = group(cid);
        WebElement nameField = group.findElement(By.cssSelector("input.sender-name"));
        nameField.clear();
        nameField.sendKeys(name);
        group.findElement(By.cssSelector("textarea.compose-text")).sendKeys(text);
        group.findElement(By.cssSelector("button.send")).click();
    }

    @Test
    void aMemberSendsTheBuiltInPictureFromThePageAndSeesIt() {
        try (DingTalkSandbox own = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)).start()) {
            browser.get(own.baseUrl() + "/");
            group("cidGroupA").findElement(By.cssSelector("button.send-picture")).click();

            WebElement picture = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section[data-group='cidGroupA'] li.message.from-member img.image")));
            assertThat(picture.getAttribute("src")).startsWith(own.baseUrl() + "/sandbox/view/");
            new WebDriverWait(browser, WAIT).until(d -> ((Number) ((org.openqa.selenium.JavascriptExecutor) d)
                    .executeScript("return arguments[0].naturalWidth", picture)).intValue() == 16);
        }
    }

    @Test
    void aFilePickedInTheOneToOneChatIsShownWithNameSizeAndADownloadLinkAndGroupsSayWhereFilesGo()
            throws Exception {
        Path file = Files.createTempFile(profile, "report-", ".pdf");
        byte[] bytes = new byte[2_500];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(file, bytes);
        try (DingTalkSandbox own = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null))
                .start()) {
            browser.get(own.baseUrl() + "/");
            // groups have no file button: DingTalk delivers files to robots only in one-to-one chats
            assertThat(group("cidGroupA").findElements(By.cssSelector("input[type=file], button.send-file")))
                    .isEmpty();
            assertThat(group("cidGroupA").findElement(By.cssSelector(".files-one-to-one")).getText())
                    .contains("only in one-to-one chats");

            WebElement compose = browser.findElement(By.id("direct-compose"));
            WebElement name = compose.findElement(By.cssSelector("input.sender-name"));
            name.clear();
            name.sendKeys("Erin");
            compose.findElement(By.cssSelector("input[type=file]")).sendKeys(file.toString());
            compose.findElement(By.cssSelector("button.send-file")).click();

            WebElement card = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section.direct[data-user='erin'] li.message.from-member .file-card")));
            assertThat(card.findElement(By.cssSelector(".file-name")).getText()).isEqualTo(file.getFileName()
                    .toString());
            assertThat(card.findElement(By.cssSelector(".file-size")).getText()).isEqualTo("(2.4 KiB)");
            WebElement download = card.findElement(By.cssSelector("a.download"));
            assertThat(download.getAttribute("download")).isEqualTo(file.getFileName().toString());
            assertThat(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    URI.create(download.getAttribute("href"))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body()).isEqualTo(bytes);
            assertThat(card.findElement(By.cssSelector(".media-kind")).getText()).isEqualToIgnoringCase("file");
            // DingTalk offers quoting in groups; the page's Reply works there only, so one-to-one chats have none
            assertThat(browser.findElements(By.cssSelector("section.direct button.reply"))).isEmpty();
            assertThat(browser.findElement(By.cssSelector("section.direct[data-user='erin'] h3 .cid")).getText())
                    .isEqualTo(DingTalkSandbox.directConversationId("erin"));
            assertThat(own.directMessages("erin")).singleElement()
                    .satisfies(m -> assertThat(m.content().media()).containsEntry("fileName",
                            file.getFileName().toString()).containsEntry("size", "2500"));

            // the built-in voice message plays in the page, and what the robot sends back shows like DingTalk's
            compose.findElement(By.cssSelector("button.send-voice")).click();
            WebElement player = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section.direct[data-user='erin'] .audio-card audio.player")));
            assertThat(player.getAttribute("src")).startsWith(own.baseUrl() + "/sandbox/view/");
            String token = SandboxHttp.token(own);
            String mediaId = SandboxHttp.upload(own, token, "file", "notes.pdf", "application/pdf", bytes).body()
                    .path("media_id").asText();
            SandboxHttp.post(own.baseUrl() + "/v1.0/robot/oToMessages/batchSend", Map.of("robotCode",
                    "sandbox-robot", "userIds", List.of("erin"), "msgKey", "sampleFile", "msgParam",
                    JSON.writeValueAsString(Map.of("mediaId", mediaId, "fileName", "notes.pdf", "fileType", "pdf"))),
                    Map.of("x-acs-dingtalk-access-token", token));
            WebElement robotFile = new WebDriverWait(browser, WAIT).until(ExpectedConditions
                    .presenceOfElementLocated(By.cssSelector(
                            "section.direct[data-user='erin'] li.message[data-via='openapi'] .file-card")));
            assertThat(robotFile.findElement(By.cssSelector(".file-name")).getText()).isEqualTo("notes.pdf");
            assertThat(robotFile.findElement(By.cssSelector("a.download")).getAttribute("href"))
                    .isEqualTo(own.baseUrl() + "/sandbox/media/" + mediaId);
        }
    }

    @Test
    void replyOnAMessageQuotesItInTheNextMessage() {
        try (DingTalkSandbox own = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)).start()) {
            replyIn(own);
        }
    }

    private void replyIn(DingTalkSandbox own) {
        browser.get(own.baseUrl() + "/");
        type("cidGroupA", "Carol", "quote me please");
        WebElement original = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//section[@data-group='cidGroupA']//li[contains(@class,'message')]"
                        + "[.//*[contains(text(),'quote me please')]]")));
        original.findElement(By.cssSelector("button.reply")).click();
        assertThat(group("cidGroupA").findElement(By.cssSelector(".replying")).getText()).contains("Carol");
        type("cidGroupA", "Dave", "quoted it");

        WebElement reply = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//section[@data-group='cidGroupA']//li[contains(@class,'message')]"
                        + "[.//*[contains(text(),'quoted it')]]")));
        assertThat(reply.getText()).contains("Carol: quote me please");
    }

    @Test
    void mentionsAreShownHighlightedAsTheirNamesAsDingTalkShowsThem() throws Exception {
        try (DingTalkSandbox own = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)
                .withWebhooks(List.of(new SandboxSettings.Webhook("ops", "ops-token", null, "cidGroupB")))).start()) {
            browser.get(own.baseUrl() + "/");
            // a member mentions another by typing @Name
            type("cidGroupA", "Carol", "@Bob can you look, cc ops@example.com");
            WebElement typed = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section[data-group='cidGroupA'] li.message.from-member .mention")));
            assertThat(typed.getText()).isEqualTo("@Bob");
            assertThat(group("cidGroupA").findElements(By.cssSelector("li.message.from-member .mention"))).hasSize(1);

            // a custom robot mentions by staff id (in at.atUserIds and in the text): shown as the member's name
            SandboxHttp.post(own.webhookUrl("ops"), Map.of("msgtype", "text", "text",
                    Map.of("content", "deploy done @bob @nobody"), "at", Map.of("atUserIds", List.of("bob"))));
            // an app robot writes @userId into a markdown text
            SandboxHttp.groupSend(own, SandboxHttp.token(own), "cidGroupB", "sampleMarkdown",
                    Map.of("title", "t", "text", "**review** by @carol please"));
            WebDriverWait wait = new WebDriverWait(browser, WAIT);
            WebElement fromHook = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "section[data-group='cidGroupB'] li.message[data-via='webhook:ops'] .mention")));
            assertThat(fromHook.getText()).isEqualTo("@Bob");
            assertThat(fromHook.getAttribute("data-token")).isEqualTo("@bob");
            // @nobody is not in at.atUserIds: plain text, as DingTalk leaves it
            assertThat(browser.findElement(By.cssSelector(
                    "section[data-group='cidGroupB'] li.message[data-via='webhook:ops'] .text")).getText())
                    .startsWith("deploy done @Bob @nobody");
            WebElement fromApp = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "section[data-group='cidGroupB'] li.message[data-type='markdown'] .mention")));
            assertThat(fromApp.getText()).isEqualTo("@Carol");
        }
    }

    @Test
    void aMessageTypedInGroupAAppearsBridgedInGroupB() {
        browser.get(sandbox.baseUrl() + "/");
        type("cidGroupA", "Alice", "hello <b>raw</b> from the browser");

        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement relayed = wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath(
                "//section[@data-group='cidGroupB']//li[contains(@class,'message')][.//div[@class='text']"
                        + "[contains(., 'Alice: hello <b>raw</b> from the browser')]]")));
        assertThat(relayed.findElement(By.cssSelector(".sender")).getText()).isEqualTo("sandbox-robot");
        assertThat(relayed.getAttribute("data-via")).isEqualTo("openapi");

        WebElement markdown = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("section[data-group='cidGroupB'] li.message[data-type='markdown'] .markdown")));
        assertThat(markdown.findElement(By.tagName("h2")).getText()).isEqualTo("Relayed from Group A");
        assertThat(markdown.findElement(By.tagName("strong")).getText()).isEqualTo("Alice");
        assertThat(markdown.findElement(By.cssSelector("ul > li")).getText())
                .isEqualTo("hello <b>raw</b> from the browser");
        // the typed HTML stays text everywhere
        assertThat(browser.findElements(By.cssSelector("section.group li.message b"))).isEmpty();

        // group A shows the member's own message, delivered
        WebElement own = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "section[data-group='cidGroupA'] li.message.from-member .delivery-delivered")));
        assertThat(own.getText()).contains("delivered");
        assertThat(group("cidGroupA").findElement(By.cssSelector("textarea.compose-text")).getAttribute("value"))
                .isEmpty();
    }

    @Test
    void thePageFitsAPhoneWidthScreen() {
        ChromeDriver chrome = (ChromeDriver) browser;
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 360, "height", 740, "deviceScaleFactor", 2, "mobile", true));
        // a sandbox of its own, so its messages show in no other test
        DingTalkSandbox phone = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null))
                .start();
        try {
            browser.get(phone.baseUrl() + "/");
            WebElement groupA = group("cidGroupA");
            JavascriptExecutor js = (JavascriptExecutor) browser;
            long viewport = ((Number) js.executeScript("return window.innerWidth;")).longValue();
            assertThat(viewport).isEqualTo(360);
            // nothing sticks out sideways: no horizontal scrolling
            assertThat(((Number) js.executeScript("return document.documentElement.scrollWidth;")).longValue())
                    .isLessThanOrEqualTo(viewport);
            for (String selector : List.of("textarea.compose-text", "button.send", "input.sender-name")) {
                Map<?, ?> box = (Map<?, ?>) js.executeScript("var r = arguments[0].getBoundingClientRect();"
                        + " return {left: r.left, right: r.right, width: r.width};",
                        groupA.findElement(By.cssSelector(selector)));
                assertThat(((Number) box.get("left")).doubleValue()).as(selector).isGreaterThanOrEqualTo(0);
                assertThat(((Number) box.get("right")).doubleValue()).as(selector).isLessThanOrEqualTo(viewport);
            }
            assertThat(groupA.findElement(By.cssSelector("textarea.compose-text")).getSize().getWidth())
                    .as("room to type").isGreaterThanOrEqualTo(150);

            // and it still works there
            type("cidGroupA", "Phone", "sent from a phone");
            new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.xpath(
                    "//section[@data-group='cidGroupA']//li[contains(@class,'from-member')]"
                            + "[.//div[@class='text'][contains(., 'sent from a phone')]]//div[@data-state]")));
        } finally {
            chrome.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
            phone.stop();
        }
    }

    @Test
    void aCustomRobotGroupOffersNothingToSendAndSaysWhy() {
        browser.get(sandbox.baseUrl() + "/");
        WebElement robotGroup = group("cidRobot_alerts");

        assertThat(robotGroup.findElements(By.cssSelector("form.compose, textarea, button.send"))).isEmpty();
        assertThat(robotGroup.findElement(By.cssSelector(".no-app-robot")).getText())
                .contains("A custom robot cannot receive messages in DingTalk")
                .contains("nothing typed here could reach the bridge");
        // the app robot's groups keep their compose box
        assertThat(group("cidGroupA").findElements(By.cssSelector("button.send"))).hasSize(1);
    }

    @Test
    void saysTheBridgeIsNotRunningWhenItsSandboxStopsAnswering() {
        DingTalkSandbox inBridge = new DingTalkSandbox(SandboxSettings.defaults().withPort(0).withCallbackUrl(null))
                .embeddedIn("sandbox_robot").start();
        try {
            browser.get(inBridge.baseUrl() + "/");
            group("cidGroupA");
            WebElement status = browser.findElement(By.id("status"));
            assertThat(status.getText()).isEmpty();

            inBridge.stop(); // what stopping the bridge does to its in-process sandbox

            new WebDriverWait(browser, WAIT).until(ExpectedConditions.textToBePresentInElement(status,
                    "The bridge is not running"));
            assertThat(status.getText()).contains("dingtalk.sandbox_robot").doesNotContain("Failed to fetch");
            type("cidGroupA", "Alice", "anyone?");
            WebElement error = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section[data-group='cidGroupA'] .compose-error")));
            new WebDriverWait(browser, WAIT).until(d -> !error.getText().isEmpty());
            assertThat(error.getText()).isEqualTo("Not sent: the bridge is not running");
        } finally {
            inBridge.stop();
        }
    }

    @Test
    void aDeliveryTheBridgeRefusesIsShownAsFailed() {
        browser.get(sandbox.baseUrl() + "/");
        type("cidGroupB", "Bob", "is anyone listening?");

        WebElement failure = new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("section[data-group='cidGroupB'] li.message.from-member .delivery-failed")));
        assertThat(failure.getText()).contains("NOT delivered").contains("HTTP 500").contains("no rule for group B");
    }

    @Test
    void richMessagesAreRendered() throws Exception {
        String image = sandbox.baseUrl() + "/sandbox/web/none.png"; // stays on loopback
        String hook = sandbox.webhookUrl("cards");
        SandboxHttp.post(hook, Map.of("msgtype", "link", "link", Map.of("title", "Release notes", "text", "v1.0",
                "picUrl", image, "messageUrl", "https://example.com/notes")));
        SandboxHttp.post(hook, Map.of("msgtype", "actionCard", "actionCard", Map.of("title", "Approve?",
                "text", "### Deploy\nto **prod**", "btnOrientation", "1", "btns", List.of(
                        Map.of("title", "Yes", "actionURL", "https://example.com/yes"),
                        Map.of("title", "No", "actionURL", "javascript:alert(1)")))));
        SandboxHttp.post(hook, Map.of("msgtype", "feedCard", "feedCard", Map.of("links", List.of(
                Map.of("title", "First", "messageURL", "https://example.com/1", "picURL", image),
                Map.of("title", "Second", "messageURL", "https://example.com/2", "picURL", image)))));
        SandboxHttp.groupSend(sandbox, SandboxHttp.token(sandbox), "cidGroupB", "sampleImageMsg",
                Map.of("photoURL", image));

        browser.get(sandbox.baseUrl() + "/");
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement link = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("section[data-group='cidGroupB'] .link-card a.link-title")));
        assertThat(link.getText()).isEqualTo("Release notes");
        assertThat(link.getAttribute("href")).isEqualTo("https://example.com/notes");

        WebElement card = browser.findElement(By.cssSelector("section[data-group='cidGroupB'] .action-card"));
        assertThat(card.findElement(By.cssSelector(".card-title")).getText()).isEqualTo("Approve?");
        assertThat(card.findElement(By.cssSelector(".markdown h3")).getText()).isEqualTo("Deploy");
        List<WebElement> buttons = card.findElements(By.cssSelector(".buttons.horizontal .button"));
        assertThat(buttons).extracting(WebElement::getText).containsExactly("Yes", "No");
        assertThat(buttons.get(0).getAttribute("href")).isEqualTo("https://example.com/yes");
        assertThat(buttons.get(1).getTagName()).isEqualTo("span"); // a javascript: URL is never a link

        assertThat(browser.findElements(By.cssSelector("section[data-group='cidGroupB'] .feed-card .feed-item")))
                .extracting(WebElement::getText).containsExactly("First", "Second");
        assertThat(browser.findElement(By.cssSelector("section[data-group='cidGroupB'] img.image"))
                .getAttribute("src")).isEqualTo(image);
    }
}
