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

    /**
     * Reports the ports and routes {@code driver} will take that an earlier instance already claimed, on the setting
     * that names them.
     */
    void claim(InstanceDefinition instance, Driver driver) {
        String owner = instance.platform() + "." + instance.id();
        for (PortClaim claim : driver.portClaims()) {
            int port = claim.port();
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
            String route = claim.method() + " " + claim.path();
            String other = otherThan(owner, routes.putIfAbsent(port + " " + route, owner));
            if (other != null) {
                instance.settings().get(claim.pathSetting()).problem(route + " on port " + port
                        + " is already used by " + other);
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
