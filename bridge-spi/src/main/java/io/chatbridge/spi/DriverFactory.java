package io.chatbridge.spi;

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
}
