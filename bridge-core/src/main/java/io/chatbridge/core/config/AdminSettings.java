package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigNode;
import java.util.Set;

/**
 * The {@code global.admin} block: the admin port with health, readiness, metrics and the admin API.
 *
 * @param port the port, or 0 when there is no admin port (the default)
 * @param host the address it binds to ({@code 127.0.0.1} by default: only this machine)
 * @param token the bearer token every call but {@code /healthz} and {@code /readyz} must carry
 */
public record AdminSettings(int port, String host, String token) {

    /** No admin port. */
    public static final AdminSettings NONE = new AdminSettings(0, "127.0.0.1", null);

    static final Set<String> KEYS = Set.of("port", "host", "token");

    /** Whether an admin port is configured. */
    public boolean enabled() {
        return port > 0;
    }

    static AdminSettings from(ConfigNode admin) {
        if (admin.isMissing()) {
            return NONE;
        }
        if (!admin.isObject()) {
            admin.problem("expected an object with port, host and token, got " + ConfigNode.describe(admin.value()));
            return NONE;
        }
        admin.warnUnknownKeys(KEYS);
        if (admin.get("port").isMissing()) {
            admin.problem("port: required to open the admin port (e.g. 9090)");
        }
        int port = admin.integer("port", 0, 1, 65535);
        String host = admin.string("host", "127.0.0.1");
        String token = admin.string("token", null);
        if (token == null || token.isBlank()) {
            admin.get("token").problem("required with an admin port: callers of /metrics and /admin/* send"
                    + " Authorization: Bearer <token> (use \"${ADMIN_TOKEN}\" to keep it out of the file)");
        } else if (token.length() < 16) {
            admin.get("token").warning("shorter than 16 characters; use a long random value");
        }
        return new AdminSettings(port, host, token);
    }
}
