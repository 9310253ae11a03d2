package io.chatbridge.dingtalk;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Captures every log event (root logger) while open, with messages formatted and throwables included. */
final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture() {
        // events arrive on the bridge's threads while a test reads them: a list that can be read meanwhile
        appender.list = new java.util.concurrent.CopyOnWriteArrayList<>();
        appender.start();
        root.addAppender(appender);
    }

    /** Every captured line: level, logger, formatted message, and the messages of any throwable chain. */
    List<String> lines() {
        return appender.list.stream().map(LogCapture::render).collect(Collectors.toList());
    }

    String all() {
        return String.join("\n", lines());
    }

    private static String render(ILoggingEvent e) {
        StringBuilder out = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            out.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return out.toString();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
