package io.chatbridge.core.config;

import java.util.List;
import java.util.Map;

/**
 * One rule from rules.json.
 *
 * @param id given or derived id
 * @param type connect or forward
 * @param sources endpoints whose messages the rule takes (for connect: every channel)
 * @param targets endpoints the rule sends to (for connect: every channel, minus the message's own)
 * @param msg the rule's {@code msg} block
 * @param index position in the file, for messages
 */
public record Rule(String id, Type type, List<Endpoint> sources, List<Endpoint> targets, Map<String, Object> msg,
                   int index) {

    /** Rule kinds. */
    public enum Type {
        /** Every channel talks to every other. */
        CONNECT,
        /** From {@code from} to {@code to}. */
        FORWARD
    }

    /**
     * An instance and a channel address.
     *
     * @param instanceId the instance
     * @param address the address fields (without {@code msg})
     * @param msg this endpoint's own {@code msg} override (applies when sending to it), may be empty
     */
    public record Endpoint(String instanceId, Map<String, Object> address, Map<String, Object> msg) {
    }
}
