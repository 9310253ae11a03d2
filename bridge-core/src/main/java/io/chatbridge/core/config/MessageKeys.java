package io.chatbridge.core.config;

import io.chatbridge.core.templates.MsgOptions;
import java.util.HashSet;
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

    /** The quote line of a reply, see {@code io.chatbridge.core.ReplyQuotes}. */
    public static final String REPLY_FORMAT = "reply_format";

    /** Mentioned user ids mapped to the target platform's (source id to target id), see {@code MentionMapping}. */
    public static final String MENTIONS = "mentions";

    /**
     * Every {@code msg} key core reads: the text template, the reply quote and the mention mapping, and the Pebble
     * templates and mentions ({@link MsgOptions#KEYS}: {@code template}, {@code template_file}, {@code at_mobiles},
     * {@code at_user_ids}, {@code at_all}, {@code at_all_when}), which the router renders for every platform.
     */
    public static final Set<String> CORE = union(Set.of(MSG_FORMAT, REPLY_FORMAT, MENTIONS), MsgOptions.KEYS);

    private MessageKeys() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
