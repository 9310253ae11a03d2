package io.chatbridge.core.config;

import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.routing.MessageTemplate;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.DriverFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keys of rules.json that a typo would silently turn into another route or another message: channel address
 * keys (checked against the keys the target platform declares) and {@code msg} keys (against the bridge's own and
 * those of the platforms a block sends to), each unknown one an error naming the nearest known key; and unknown
 * {@code {variables}} in {@code msg_format}, a warning listing the known ones.
 */
final class RuleKeyCheck {

    private RuleKeyCheck() {
    }

    static void check(DriverRegistry registry, ConfigFile config, RulesParser rules) {
        checkAddresses(registry, config, rules.uses);
        Set<String> everyKnownMsgKey = new TreeSet<>(MessageKeys.CORE);
        for (String platform : registry.platforms()) {
            Set<String> declared = registry.factory(platform).messageOptionKeys();
            if (declared != null) {
                everyKnownMsgKey.addAll(declared);
            }
        }
        for (RulesParser.MsgBlock block : rules.msgBlocks) {
            checkMsg(registry, config, block, everyKnownMsgKey);
            checkTemplate(block.node().get(MessageKeys.MSG_FORMAT));
        }
    }

    private static void checkAddresses(DriverRegistry registry, ConfigFile config,
                                       Map<String, List<ChannelUse>> uses) {
        uses.forEach((instanceId, instanceUses) -> {
            InstanceDefinition instance = config.instances.get(instanceId);
            DriverFactory factory = instance == null ? null : registry.factory(instance.platform());
            if (factory == null) {
                return;
            }
            for (ChannelUse use : instanceUses) {
                Set<String> known = factory.addressKeys(use.role());
                if (known != null) {
                    use.address().rejectUnknownKeys(known, "unknown " + instance.platform() + " address key");
                }
            }
        });
    }

    private static void checkMsg(DriverRegistry registry, ConfigFile config, RulesParser.MsgBlock block,
                                 Set<String> everyKnownKey) {
        ConfigNode msg = block.node();
        if (block.targets().isEmpty()) {
            msg.warning("not used: a msg block on a \"from\" address shapes nothing; put it on the rule or on a"
                    + " \"to\" address");
            return;
        }
        Set<String> known = new TreeSet<>(MessageKeys.CORE);
        boolean undeclared = false;
        for (String target : block.targets()) {
            InstanceDefinition instance = config.instances.get(target);
            DriverFactory factory = instance == null ? null : registry.factory(instance.platform());
            Set<String> declared = factory == null ? null : factory.messageOptionKeys();
            if (declared == null) {
                undeclared = true;
            } else {
                known.addAll(declared);
            }
        }
        for (String key : msg.keys()) {
            if (known.contains(key)) {
                continue;
            }
            String nearest = ConfigNode.nearest(key, everyKnownKey);
            if (!undeclared) {
                msg.get(key).problem(ConfigNode.unknownKeyMessage("unknown msg key", key, known));
            } else if (nearest != null) {
                // a platform that declares nothing gets every key, but a near miss of a known key is a typo
                msg.get(key).problem("unknown msg key; did you mean " + nearest + "?");
            }
        }
    }

    private static void checkTemplate(ConfigNode format) {
        if (!(format.value() instanceof String text)) {
            return;
        }
        for (String name : MessageTemplate.unknownVariables(text)) {
            String nearest = ConfigNode.nearest(name, MessageTemplate.VARIABLES);
            format.warning("unknown variable {" + name + "}, left as written"
                    + (nearest == null ? "" : "; did you mean {" + nearest + "}?") + " (known: "
                    + String.join(", ", MessageTemplate.VARIABLES.stream().sorted().map(v -> "{" + v + "}").toList())
                    + ")");
        }
    }
}
