package io.chatbridge.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The console logging set-up the bridge configures in code (what logback.xml held before). */
class ConsoleLogConfiguratorTest {

    private static final String SECRET = "sk-configured-4242-secret";

    private final LoggerContext context = new LoggerContext();

    ConsoleLogConfiguratorTest() {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }

    @AfterEach
    void release() {
        context.stop();
        Secrets.clear();
        System.clearProperty("logback.configurationFile");
    }

    private String logged(Runnable logging) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logbackFindsItAndTheProcessLogsThroughIt() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()))
                .contains(ConsoleLogConfigurator.class.getName());
        LoggerContext running = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(running.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
        assertThat(running.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).isNotNull();
    }

    @Test
    void oneReadableLinePerEventOnTheConsoleWithSecretsMaskedInMessagesAndStackTraces() {
        ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
        configurator.setContext(context);
        assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        try (Secrets secrets = new Secrets().add(java.util.List.of(SECRET)).live()) {
            String out = logged(() -> {
                context.getLogger("io.chatbridge.core.Example").info("token {}", SECRET);
                context.getLogger("io.chatbridge.core.Example").warn("failed",
                        new IllegalStateException("refused " + SECRET));
                context.getLogger("org.eclipse.jetty.server.Server").info("jetty chatter");
                context.getLogger("io.javalin.Javalin").info("javalin chatter");
                context.getLogger("com.aliyun.tea.TeaModel").info("sdk chatter");
                context.getLogger("org.eclipse.jetty.server.Server").warn("jetty warning");
            });
            assertThat(out).doesNotContain(SECRET).doesNotContain("chatter").contains("jetty warning");
            assertThat(out.lines().toList().get(0)).matches(
                    "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main] "
                            + "i\\.c\\.core\\.Example - token \\*+");
            assertThat(out).contains("WARN  [main] i.c.core.Example - failed")
                    .contains("java.lang.IllegalStateException: refused ").contains("\tat ");
        }
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void aConfigurationFileGivenOnTheCommandLineIsReadInstead() {
        System.setProperty("logback.configurationFile", "/etc/chatbridge/logback.xml");
        ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
        configurator.setContext(context);
        assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void theRootLevelComesFromBridgeLogLevelAsLogbackReadItFromTheXml() {
        assertThat(ConsoleLogConfigurator.rootLevel(null)).isEqualTo(Level.INFO);
        assertThat(ConsoleLogConfigurator.rootLevel("warn")).isEqualTo(Level.WARN);
        assertThat(ConsoleLogConfigurator.rootLevel(" ERROR ")).isEqualTo(Level.ERROR);
        assertThat(ConsoleLogConfigurator.rootLevel("loud")).isEqualTo(Level.DEBUG);
        assertThat(ConsoleLogConfigurator.rootLevel("")).isNull();
    }
}
