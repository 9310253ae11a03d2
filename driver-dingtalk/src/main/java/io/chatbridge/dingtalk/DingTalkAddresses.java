package io.chatbridge.dingtalk;

import static io.chatbridge.dingtalk.DingTalkConfig.CHAT_GROUP;
import static io.chatbridge.dingtalk.DingTalkConfig.OPEN_CONVERSATION_ID;
import static io.chatbridge.dingtalk.DingTalkConfig.PLATFORM;
import static io.chatbridge.dingtalk.DingTalkConfig.USER_IDS;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules' addresses for one DingTalk instance, checked: what each channel may hold as a target or a source, and
 * what the rules ask of the instance (callbacks, group sends, one-to-one sends), which decides the keys it requires.
 *
 * @param ruleReceives whether a rule receives from an address a callback can match
 * @param sendsToGroup whether a rule sends to an {@code open_conversation_id}
 * @param sendsToUsers whether a rule sends to {@code user_ids}
 * @param conversations the open conversation ids the rules name, in rule order
 * @param sendOnlyChannels channels read from and written to that a callback can never match
 */
record DingTalkAddresses(boolean ruleReceives, boolean sendsToGroup, boolean sendsToUsers, Set<String> conversations,
                         List<ConfigNode> sendOnlyChannels) {

    /** The keys of a rule's address naming a DingTalk instance (the bridge rejects any other). */
    static final Set<String> ADDRESS_KEYS = Set.of(OPEN_CONVERSATION_ID, CHAT_GROUP, USER_IDS);

    /** Checks every address the rules use with the instance; {@code groups} are the configured chat groups. */
    static DingTalkAddresses check(DriverConfig config, List<String> groups) {
        String prefix = PLATFORM + "." + config.instanceId() + ".";
        boolean ruleReceives = false;
        boolean sendsToGroup = false;
        boolean sendsToUsers = false;
        Set<String> conversations = new LinkedHashSet<>();
        List<ConfigNode> sendOnlyChannels = new ArrayList<>();
        for (ChannelUse use : config.uses()) {
            ConfigNode address = use.address();
            if (!address.isObject()) {
                address.problem("expected an object with a DingTalk address, e.g. {\"open_conversation_id\": \"cid...\"}");
                continue;
            }
            if (address.value() instanceof Map<?, ?> map && map.get(OPEN_CONVERSATION_ID) instanceof String id
                    && !id.isBlank()) {
                conversations.add(id);
            }
            if (use.role().receives()) {
                // only an address a callback can match needs callbacks (and so the app's credentials)
                if (matchesCallbacks(address)) {
                    ruleReceives = true;
                    checkSourceAddress(address);
                } else if (use.role() == ChannelUse.Role.BOTH) {
                    sendOnlyChannels.add(address);
                } else {
                    checkSourceAddress(address);
                }
            }
            if (use.role().sends()) {
                sendsToGroup |= address.has(OPEN_CONVERSATION_ID);
                sendsToUsers |= address.has(USER_IDS);
                checkTargetAddress(address, groups, prefix);
            }
        }
        return new DingTalkAddresses(ruleReceives, sendsToGroup, sendsToUsers, conversations,
                List.copyOf(sendOnlyChannels));
    }

    /** Warns about each channel that only sends though a rule also reads from it. */
    void warnSendOnly(boolean callbacks, String instanceId) {
        for (ConfigNode address : sendOnlyChannels) {
            address.warning("this channel only sends: messages from DingTalk arrive by open_conversation_id, which "
                    + "chat_group and user_ids never match" + (callbacks ? ""
                            : ", and " + PLATFORM + "." + instanceId + " receives no callbacks"));
        }
    }

    private static void checkTargetAddress(ConfigNode address, List<String> groups, String prefix) {
        // unknown keys are rejected by the bridge, from DingTalkDriverFactory.addressKeys
        if (address.has(OPEN_CONVERSATION_ID)) {
            address.requireString(OPEN_CONVERSATION_ID, "must be a conversation id, e.g. \"cidXXXX\"");
        }
        if (address.has(USER_IDS)) {
            ConfigNode ids = address.get(USER_IDS);
            boolean ok = ids.value() instanceof List<?> list && !list.isEmpty()
                    && list.stream().allMatch(v -> v instanceof String str && !str.isBlank());
            if (!ok) {
                ids.problem("expected a non-empty array of staff id strings, e.g. [\"manager01\"]");
            }
        }
        if (address.has(CHAT_GROUP)) {
            String group = address.string(CHAT_GROUP, null);
            if (group != null && !groups.contains(group)) {
                address.get(CHAT_GROUP).problem(groups.isEmpty()
                        ? "unknown chat_group '" + group + "': " + prefix + "webhooks configures none"
                        : WebhookSettings.unknownGroup(group, groups));
            }
        }
        if (!address.has(OPEN_CONVERSATION_ID) && !address.has(USER_IDS) && !address.has(CHAT_GROUP)
                && groups.isEmpty()) {
            address.problem("names no DingTalk target: give open_conversation_id, user_ids or chat_group "
                    + "(an empty address needs " + prefix + "webhooks)");
        }
    }

    /** Whether a callback's channel {@code {open_conversation_id}} can match the address. */
    private static boolean matchesCallbacks(ConfigNode address) {
        return address.keys().isEmpty() || address.has(OPEN_CONVERSATION_ID);
    }

    private static void checkSourceAddress(ConfigNode address) {
        if (address.has(CHAT_GROUP) || address.has(USER_IDS)) {
            address.warning("messages received from DingTalk are addressed by open_conversation_id only; "
                    + "chat_group and user_ids never match them");
        }
    }
}
