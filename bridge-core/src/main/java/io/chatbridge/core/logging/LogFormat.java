package io.chatbridge.core.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** The console log format chosen with {@code --log-format}: readable lines (the default) or JSON lines. */
public enum LogFormat {
    /** One readable line per event ({@link ConsoleLogConfigurator#PATTERN}). */
    TEXT,
    /** One JSON object per line, see {@link JsonLogEncoder}. */
    JSON;

    /** The format named {@code name} (case-insensitive), or {@code null} when there is none. */
    public static LogFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Switches the root logger's console appenders to this format. */
    public void apply() {
        if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                JsonLogEncoder encoder = new JsonLogEncoder();
                encoder.setContext(context);
                encoder.start();
                appender.stop();
                appender.setEncoder(encoder);
                appender.start();
            }
        }
    }
}
