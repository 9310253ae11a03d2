package io.chatbridge.core.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The bridge's logging set-up, in code rather than in a {@code logback.xml}: one readable line per event on the
 * console, configured secrets masked in messages and stack traces, Jetty, Javalin and the DingTalk SDK at WARN,
 * the root level from {@code BRIDGE_LOG_LEVEL} (a system property or environment variable; default INFO). Logback
 * finds it through {@code META-INF/services}; reading the same set-up from XML took a quarter of a second of CPU at
 * every start (its XML parser and configuration model: about 500 classes and 150 lambdas).
 *
 * <p>A configuration of one's own still wins: with {@code -Dlogback.configurationFile=…}, or a
 * {@code logback-test.xml} or {@code logback.xml} on the class path, this configurator steps aside and Logback reads
 * that file as usual.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {

    /** The line format (the same as {@code %msg} and {@code %ex}, with secrets masked). */
    public static final String PATTERN =
            "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %redactedMsg%n%redactedEx";

    /** The environment variable (or system property) with the root level. */
    public static final String LEVEL_VARIABLE = "BRIDGE_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null || onClassPath("logback-test.xml")
                || onClassPath("logback.xml")) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        @SuppressWarnings("unchecked")
        Map<String, Supplier<DynamicConverter<?>>> rules = (Map<String, Supplier<DynamicConverter<?>>>)
                context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        rules.put("redactedMsg", RedactingMessageConverter::new);
        rules.put("redactedEx", RedactingThrowableConverter::new);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();

        for (String quiet : new String[] {"org.eclipse.jetty", "io.javalin", "com.aliyun"}) {
            context.getLogger(quiet).setLevel(Level.WARN);
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = rootLevel(variable(LEVEL_VARIABLE));
        if (level != null) {
            root.setLevel(level);
        }
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The root level for a {@code BRIDGE_LOG_LEVEL} value, as Logback read {@code ${BRIDGE_LOG_LEVEL:-INFO}}: INFO
     * when unset, DEBUG for a name it does not know, none (Logback's default, DEBUG) when blank.
     */
    static Level rootLevel(String value) {
        if (value == null) {
            return Level.INFO;
        }
        return value.isBlank() ? null : Level.toLevel(value.trim());
    }

    private static String variable(String name) {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    }

    private static boolean onClassPath(String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ConsoleLogConfigurator.class.getClassLoader();
        }
        return loader.getResource(resource) != null;
    }
}
