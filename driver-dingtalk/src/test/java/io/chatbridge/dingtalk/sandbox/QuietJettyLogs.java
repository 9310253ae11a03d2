package io.chatbridge.dingtalk.sandbox;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Without a logback configuration the tests log at DEBUG, and Jetty's DEBUG lines carry whole request URIs —
 * webhook access tokens and signatures included — and megabytes of noise. Raising Jetty and Javalin to INFO here
 * keeps this module's test output small without adding a module-wide logback-test.xml.
 */
final class QuietJettyLogs implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        for (String name : new String[] {"org.eclipse.jetty", "io.javalin"}) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.INFO);
            }
        }
    }
}
