package io.chatbridge.core.config;

import io.chatbridge.spi.Driver;
import io.chatbridge.spi.PortClaim;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ports and routes the instances will take, compared as each driver is created, so that {@code validate} says
 * what {@code run} would fail on, before any port opens.
 */
final class PortClaims {

    /** Who took each port (for a server of its own) or route so far, as {@code platform.instance}. */
    private final Map<Integer, String> ownServers = new LinkedHashMap<>();
    private final Map<Integer, String> routePorts = new LinkedHashMap<>();
    private final Map<String, String> routes = new LinkedHashMap<>();
    private final boolean randomPorts;

    /** @param randomPorts whether port 0 (a free port chosen at start) is accepted: only tests need it */
    PortClaims(boolean randomPorts) {
        this.randomPorts = randomPorts;
    }

    /**
     * Reports the ports and routes {@code driver} will take that an earlier instance already claimed, on the setting
     * that names them.
     */
    void claim(InstanceDefinition instance, Driver driver) {
        String owner = instance.platform() + "." + instance.id();
        for (PortClaim claim : driver.portClaims()) {
            int port = claim.port();
            if (port == 0 && !randomPorts) {
                instance.settings().get(claim.portSetting()).problem("0 would open a random free port, which no"
                        + " sender can know; give a fixed port from 1 to 65535");
                continue;
            }
            String server = port == 0 ? null : otherThan(owner, ownServers.get(port));
            if (claim.isOwnServer()) {
                String other = server != null || port == 0 ? server : otherThan(owner, routePorts.get(port));
                if (other != null) {
                    instance.settings().get(claim.portSetting()).problem("port " + port + " is already used by "
                            + other);
                } else if (port != 0) {
                    ownServers.putIfAbsent(port, owner);
                }
                continue;
            }
            if (server != null) {
                instance.settings().get(claim.portSetting()).problem("port " + port + " is already used by "
                        + server);
                continue;
            }
            // the HTTP server ignores trailing slashes: /events/ is /events, so compare them that way
            String route = claim.method() + " " + claim.normalizedPath();
            String key = port + " " + route;
            String other = otherThan(owner, routes.putIfAbsent(key, owner));
            if (other != null) {
                // the path as written (a driver may store it normalised already)
                String path = instance.settings().get(claim.pathSetting()).value() instanceof String text
                        && PortClaim.normalizePath(text).equals(claim.normalizedPath()) ? text : claim.path();
                String same = path.equals(claim.normalizedPath()) ? ""
                        : " (a trailing slash makes no other path: the server matches " + path + " as "
                                + claim.normalizedPath() + ")";
                instance.settings().get(claim.pathSetting()).problem(claim.method() + " " + path + " on port " + port
                        + " is already used by " + other + same);
            } else if (port != 0) {
                routePorts.putIfAbsent(port, owner);
            }
        }
    }

    /** {@code claimant} unless it is {@code owner} itself (a driver checks its own claims against each other). */
    private static String otherThan(String owner, String claimant) {
        return owner.equals(claimant) ? null : claimant;
    }
}
