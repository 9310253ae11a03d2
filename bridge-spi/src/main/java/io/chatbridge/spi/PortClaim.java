package io.chatbridge.spi;

import java.util.Objects;

/**
 * A port, or one route on a port the bridge shares between instances, that a driver will take when it starts. See
 * {@link Driver#portClaims()}: declaring them lets {@code validate} and {@code run} find two instances wanting the
 * same one before any port opens, and name the setting to change.
 *
 * <p>Port 0 means a free port chosen at start. A driver's own server on port 0 never collides; routes on port 0
 * share one server (as {@link DriverContext#http(int)} does), so the same method and path twice there do collide.
 *
 * @param port the port as configured
 * @param portSetting the settings key naming the port, e.g. {@code listen_port}, even when the default is used
 * @param method the route's HTTP method, e.g. {@code POST}, or {@code null} for a server of the driver's own
 * @param path the route's exact path, or {@code null} for a server of the driver's own
 * @param pathSetting the settings key naming the path, e.g. {@code listen_path}, or {@code null} for a server of the
 *     driver's own
 */
public record PortClaim(int port, String portSetting, String method, String path, String pathSetting) {

    public PortClaim {
        Objects.requireNonNull(portSetting, "portSetting");
        if ((method == null) != (path == null) || (method == null) != (pathSetting == null)) {
            throw new IllegalArgumentException("method, path and pathSetting are all given (a route) or none (a"
                    + " server of the driver's own)");
        }
    }

    /** A route registered with {@link DriverContext#http(int)} on a port the bridge may share with other instances. */
    public static PortClaim route(int port, String portSetting, String method, String path, String pathSetting) {
        return new PortClaim(port, portSetting, method, path, pathSetting);
    }

    /** A port the driver opens itself (e.g. a local stand-in server); no other instance may use it. */
    public static PortClaim ownServer(int port, String portSetting) {
        return new PortClaim(port, portSetting, null, null, null);
    }

    /**
     * {@link #path()} as the bridge's HTTP server matches it: trailing slashes ignored, so {@code /events/} and
     * {@code /events} are one route; {@code null} for a server of the driver's own.
     */
    public String normalizedPath() {
        return path == null ? null : normalizePath(path);
    }

    /** {@code path} without trailing slashes ({@code /} stays {@code /}), as the bridge's HTTP server matches it. */
    public static String normalizePath(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }

    /** Whether this is a port the driver opens itself rather than a route on a shared one. */
    public boolean isOwnServer() {
        return method == null;
    }
}
