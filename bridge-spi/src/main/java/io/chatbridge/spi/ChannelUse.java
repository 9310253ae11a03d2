package io.chatbridge.spi;

/**
 * A channel address in rules.json that names an instance.
 *
 * @param ruleId the rule's id (given or derived)
 * @param role whether messages come from this address, go to it, or both ({@code connect} rules)
 * @param address the address object; report problems on it so they name rules.json and the JSON path
 */
public record ChannelUse(String ruleId, Role role, ConfigNode address) {

    /** How a rule uses an address. */
    public enum Role {
        /** Messages from the address are routed ({@code forward.from}). */
        SOURCE,
        /** Messages are sent to the address ({@code forward.to}). */
        TARGET,
        /** Both ({@code connect.channels}). */
        BOTH;

        /** Whether messages are sent to the address. */
        public boolean sends() {
            return this != SOURCE;
        }

        /** Whether messages are received from the address. */
        public boolean receives() {
            return this != TARGET;
        }
    }
}
