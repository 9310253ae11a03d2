package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chatbridge.core.Bridge;
import io.chatbridge.core.BridgeStartException;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.testing.Files;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A listen_port another process holds is one clear error naming the setting, with no stack trace logged first. */
class WebhookTakenPortTest {

    @TempDir
    Path dir;

    @Test
    void aTakenListenPortNamesTheKeyWithoutAStackTraceBeforeIt() throws Exception {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Setup setup = Setup.load(Files.write(dir, "config.json", "{\"global\": {\"database\": {\"path\":"
                            + " \":memory:\"}}, \"webhook\": {\"alerts\": {\"listen_port\": " + port
                            + ", \"allow_unauthenticated\": true}, \"out\": {\"url\": \"http://127.0.0.1:9/x\"}}}"),
                    Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"alerts\": {}}, \"to\": {\"out\": {}}}]}"),
                    DriverRegistry.discover(null), k -> null);
            assertThat(setup.valid()).as(Setup.render(setup.problems())).isTrue();

            assertThatThrownBy(() -> Bridge.start(setup, new Bridge.Options().httpHost("127.0.0.1")))
                    .isInstanceOf(BridgeStartException.class)
                    .hasMessage("webhook.alerts.listen_port: cannot listen on 127.0.0.1:" + port
                            + " (Address already in use)");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).noneMatch(e -> e.getThrowableProxy() != null)
                .noneMatch(e -> e.getLoggerName().startsWith("io.javalin")
                        || e.getLoggerName().startsWith("org.eclipse.jetty"));
    }
}
