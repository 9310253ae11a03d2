package io.chatbridge.dingtalk.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.chatbridge.dingtalk.sandbox.DingTalkSandbox;
import io.chatbridge.dingtalk.sandbox.SandboxSettings;
import io.chatbridge.dingtalk.sandbox.StreamGateway;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sandbox page in headless Chromium shows whether the bridge holds its Stream connection, and its "Drop socket"
 * control cuts it (the client comes back by itself). Needs Debian's {@code chromium} and {@code chromium-driver}.
 */
class StreamPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private DingTalkSandbox sandbox;
    private RecordingContext context;
    private StreamClient client;
    private WebDriver browser;
    private Path profile;

    @AfterEach
    void tearDown() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (client != null) {
            client.close();
        }
        if (context != null) {
            context.close();
        }
        if (sandbox != null) {
            sandbox.stop();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void thePageShowsTheConnectionAndItsDropControlCutsIt() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (apt-get install chromium chromium-driver)");
        sandbox = new DingTalkSandbox(SandboxSettings.defaults().withPort(0)).useStreamMode().start();
        StreamGateway gateway = sandbox.streamGateway();
        browser = browser();
        browser.get(sandbox.baseUrl() + "/");
        awaitState("Stream mode: bridge not connected");

        context = new RecordingContext();
        client = StreamClient.create(context, StreamSettings.of(URI.create(sandbox.baseUrl()),
                SandboxSettings.DEFAULT_APP_KEY, SandboxSettings.DEFAULT_APP_SECRET));
        client.start();
        awaitState("Stream mode: bridge connected (1 connection");

        browser.findElement(By.id("stream-drop")).click();
        gateway.awaitConnectionsOpened(2, WAIT);
        awaitState("Stream mode: bridge connected (1 connection");
        assertThat(gateway.closeStatuses()).hasSize(1).allMatch(status -> status != 1000);

        client.close();
        awaitState("Stream mode: bridge not connected");
    }

    private void awaitState(String prefix) {
        new WebDriverWait(browser, WAIT).until(driver -> driver.findElement(By.id("stream-state")).getText()
                .startsWith(prefix));
    }

    private WebDriver browser() throws Exception {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("stream-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
