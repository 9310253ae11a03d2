package io.chatbridge.core.config;

import java.util.Set;

/**
 * The keys of a rule's {@code msg} block that the bridge itself reads. This is the one place to add a key when core
 * starts reading one (a key a driver reads is declared by its factory, {@link
 * io.chatbridge.spi.DriverFactory#messageOptionKeys()}); every other key is checked against both, so a misspelt
 * {@code msg_fromat} is an error instead of a format silently dropped.
 */
public final class MessageKeys {

    /** The text template, see {@link io.chatbridge.core.routing.MessageTemplate}. */
    public static final String MSG_FORMAT = "msg_format";

    /** Every {@code msg} key core reads. */
    public static final Set<String> CORE = Set.of(MSG_FORMAT);

    private MessageKeys() {
    }
}
