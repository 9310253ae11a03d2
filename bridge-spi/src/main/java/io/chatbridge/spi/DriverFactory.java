package io.chatbridge.spi;

import java.util.Set;

/**
 * Entry point of a driver, found with {@link java.util.ServiceLoader}.
 *
 * <p>The bridge calls {@link #platform()} once while loading plugins, then {@link #create(DriverConfig)} once per
 * instance configured under that platform key in config.json, both on the main thread before any driver starts.
 * {@code validate} runs the same code path: a factory must not open sockets, start threads or touch the network in
 * {@code create}.
 */
public interface DriverFactory {

    /** The key of this platform in config.json, e.g. {@code "dingtalk"}. Lower case, stable. */
    String platform();

    /**
     * Reads and validates one instance's settings and returns a driver that is not yet started.
     *
     * <p>Every problem is reported through {@link DriverConfig#settings()} or the {@link ConfigNode} of a
     * {@link ChannelUse} (so the message carries file and JSON path); the factory keeps going after a problem so
     * that the user sees all of them at once. When any problem was reported the bridge discards the returned driver.
     *
     * @return a driver for this instance; never {@code null}
     */
    Driver create(DriverConfig config);

    /**
     * The keys a channel address in rules.json may hold for an instance of this platform, used as {@code role} says
     * ({@link ChannelUse.Role#BOTH} for a {@code connect} rule's channels: keys valid both ways). The bridge reports
     * every other key as an error on the address, naming the nearest known key ({@code did you mean
     * open_conversation_id?}), because a misspelt key would otherwise be ignored and the message go elsewhere.
     *
     * <p>Called by the bridge on the main thread while it loads rules.json ({@code validate} too), before {@link
     * #create}, possibly many times; must return the same answer each time and do no I/O. The default, {@code
     * null}, declares nothing: any key is accepted and only the factory's own checks in {@code create} apply. A
     * platform whose addresses are free-form (they are passed on as they are) returns {@code null} too.
     *
     * @return the known keys, or {@code null} when any key is accepted
     */
    default Set<String> addressKeys(ChannelUse.Role role) {
        return null;
    }

    /**
     * The keys of a rule's {@code msg} block this platform's driver reads from {@link OutboundMessage#options()}
     * (e.g. {@code msg_type}, {@code title}), beyond the keys the bridge itself reads ({@code msg_format}...). The
     * bridge reports any other key in a {@code msg} block sending to this platform as an error, naming the nearest
     * known key ({@code msg_typ}: {@code did you mean msg_type?}).
     *
     * <p>Called like {@link #addressKeys}. The default, {@code null}, declares nothing: a key is then an error only
     * when it is a near miss of a key the bridge or another platform knows, and is otherwise handed to the driver.
     *
     * @return the option keys the driver reads, or {@code null} when undeclared
     */
    default Set<String> messageOptionKeys() {
        return null;
    }
}
