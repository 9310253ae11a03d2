package io.chatbridge.dingtalk.stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The log lines of {@link StreamClient} at INFO and above while open. */
final class Logs implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger(StreamClient.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    Logs() {
        appender.list = new java.util.concurrent.CopyOnWriteArrayList<>(); // the client logs on its own threads
        appender.start();
        logger.addAppender(appender);
    }

    List<String> lines() {
        return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    List<String> at(Level level) {
        return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
