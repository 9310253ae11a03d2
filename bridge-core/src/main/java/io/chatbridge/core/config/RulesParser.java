package io.chatbridge.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chatbridge.core.templates.MsgOptions;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * rules.json read into {@link Rule}s, checked against the instances config.json defines; collects, per instance,
 * every channel address that names it ({@link ChannelUse}) for its driver to check.
 */
final class RulesParser {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final ConfigFile config;
    private final ProblemLog problems;
    final List<Rule> rules = new ArrayList<>();
    /** The channel addresses naming each instance, in rule order. */
    final Map<String, List<ChannelUse>> uses = new LinkedHashMap<>();
    /** Every {@code msg} block with the instances it applies to when sending, for {@link RuleKeyCheck}. */
    final List<MsgBlock> msgBlocks = new ArrayList<>();

    /**
     * A {@code msg} block (of a rule, or of one of its addresses) and the instances whose deliveries it shapes.
     *
     * @param node the block
     * @param targets the instance ids it applies to; empty for a block on a source address (which is not used)
     */
    record MsgBlock(ConfigNode node, List<String> targets) {
    }

    private RulesParser(ConfigFile config, ProblemLog problems) {
        this.config = config;
        this.problems = problems;
    }

    /** An empty result, for tools that load config.json alone. */
    static RulesParser none(ConfigFile config, ProblemLog problems) {
        return new RulesParser(config, problems);
    }

    static RulesParser parse(Path file, ConfigFile config, Function<String, String> env, ProblemLog problems) {
        RulesParser parser = new RulesParser(config, problems);
        parser.read(file, env);
        return parser;
    }

    private void read(Path file, Function<String, String> env) {
        String name = file.toString();
        Object parsed = FileReader.read(file, name, problems.list());
        if (parsed == null) {
            return;
        }
        ConfigNode root = ConfigNode.of(name, "", new EnvSubstitution(env, name, problems).resolve(parsed, ""),
                problems);
        if (!root.isObject() || !root.has("rules")) {
            root.problem("expected {\"rules\": [...]}");
            return;
        }
        root.warnUnknownKeys(Set.of("rules"));
        if (!(root.get("rules").value() instanceof List)) {
            root.get("rules").problem("expected an array of rules, got " + ConfigNode.describe(root.get("rules").value()));
            return;
        }
        Map<String, Integer> idCounts = new LinkedHashMap<>();
        List<ConfigNode> ruleNodes = root.list("rules");
        for (int i = 0; i < ruleNodes.size(); i++) {
            Rule rule = parseRule(ruleNodes.get(i), i);
            if (rule == null) {
                continue;
            }
            int n = idCounts.merge(rule.id(), 1, Integer::sum);
            if (n > 1) {
                String unique = rule.id() + "#" + n;
                ruleNodes.get(i).warning("duplicate rule id \"" + rule.id() + "\", using \"" + unique + "\"");
                rule = new Rule(unique, rule.type(), rule.sources(), rule.targets(), rule.msg(), rule.index());
            }
            rules.add(rule);
        }
    }

    private Rule parseRule(ConfigNode node, int index) {
        if (!node.isObject()) {
            node.problem("expected a rule object, got " + ConfigNode.describe(node.value()));
            return null;
        }
        String typeText = node.string("type", "forward");
        Rule.Type type;
        switch (typeText) {
            case "connect" -> type = Rule.Type.CONNECT;
            case "forward" -> type = Rule.Type.FORWARD;
            default -> {
                String meant = ConfigNode.nearest(typeText, List.of("connect", "forward"));
                node.get("type").problem("unknown rule type \"" + typeText + "\"; "
                        + (meant == null ? "" : "did you mean " + meant + "? ") + "expected \"connect\" or \"forward\"");
                return null;
            }
        }
        String givenId = node.string("id", null);
        String id = givenId != null && !givenId.isBlank() ? givenId : derivedId(type, node);
        List<Rule.Endpoint> sources;
        List<Rule.Endpoint> targets;
        if (type == Rule.Type.CONNECT) {
            node.warnUnknownKeys(Set.of("id", "type", "channels", "msg"));
            List<Rule.Endpoint> channels = endpoints(node, "channels", id, ChannelUse.Role.BOTH);
            if (channels != null && channels.size() < 2 && node.get("channels").isObject()) {
                node.get("channels").problem("a connect rule needs at least two channels");
            }
            sources = channels;
            targets = channels;
        } else {
            node.warnUnknownKeys(Set.of("id", "type", "from", "to", "msg"));
            sources = endpoints(node, "from", id, ChannelUse.Role.SOURCE);
            targets = endpoints(node, "to", id, ChannelUse.Role.TARGET);
        }
        if (sources == null || targets == null) {
            msgBlock(node.get("msg"));
            return null;
        }
        Map<String, Object> msg = msgBlock(node.get("msg"));
        if (!msg.isEmpty()) {
            msgBlocks.add(new MsgBlock(node.get("msg"),
                    targets.stream().map(Rule.Endpoint::instanceId).distinct().toList()));
        }
        if (type == Rule.Type.FORWARD && config.global != null && !config.global.strictEchoMatch()) {
            warnSameInstanceTargets(node, sources, targets);
        }
        return new Rule(id, type, sources, targets, msg, index);
    }

    /**
     * Without {@code strict_echo_match} a message is never sent back to the instance it came from, so a forward rule
     * between two channels of one instance would silently do nothing: say so where the rule is written.
     */
    private static void warnSameInstanceTargets(ConfigNode rule, List<Rule.Endpoint> sources,
                                                List<Rule.Endpoint> targets) {
        for (Rule.Endpoint target : targets) {
            if (sources.stream().anyMatch(source -> source.instanceId().equals(target.instanceId()))) {
                rule.get("to").get(target.instanceId()).warning("same instance as the rule's source: messages from"
                        + " \"" + target.instanceId() + "\" are never sent back to it, so they skip this target; set"
                        + " global.strict_echo_match to true to bridge channels of one instance");
            }
        }
    }

    private List<Rule.Endpoint> endpoints(ConfigNode rule, String key, String ruleId, ChannelUse.Role role) {
        ConfigNode node = rule.get(key);
        if (node.isMissing()) {
            node.problem("required: an object mapping instance ids to channel addresses, e.g. {\"dt_main\": "
                    + "{\"open_conversation_id\": \"cid...\"}}");
            return null;
        }
        if (!node.isObject()) {
            node.problem("expected an object mapping instance ids to channel addresses, got "
                    + ConfigNode.describe(node.value()));
            return null;
        }
        if (node.keys().isEmpty()) {
            node.problem("names no instance");
            return null;
        }
        List<Rule.Endpoint> out = new ArrayList<>();
        boolean ok = true;
        for (String instanceId : node.keys()) {
            ConfigNode address = node.get(instanceId);
            if (!config.instances.containsKey(instanceId)) {
                ok = false;
                if (config.namedInstances == null || config.namedInstances.contains(instanceId)) {
                    continue; // config.json is unreadable or the instance itself is invalid: already reported
                }
                String meant = ConfigNode.nearest(instanceId, config.instances.keySet());
                address.problem("unknown instance \"" + instanceId + "\"; " + (meant == null ? ""
                        : "did you mean " + meant + "? ") + "instances in " + config.fileName + ": "
                        + (config.instances.isEmpty() ? "(none)" : String.join(", ", config.instances.keySet())));
                continue;
            }
            if (!address.isObject()) {
                address.problem("expected a channel address object ({} matches every channel), got "
                        + ConfigNode.describe(address.value()));
                ok = false;
                continue;
            }
            Map<String, Object> fields = new LinkedHashMap<>(address.asMap());
            fields.remove("msg");
            Map<String, Object> override = msgBlock(address.get("msg"));
            if (!override.isEmpty()) {
                msgBlocks.add(new MsgBlock(address.get("msg"), role.sends() ? List.of(instanceId) : List.of()));
            }
            out.add(new Rule.Endpoint(instanceId, Map.copyOf(fields), override));
            ConfigNode addressOnly = ConfigNode.of(address.file(), address.path(), fields, problems);
            uses.computeIfAbsent(instanceId, k -> new ArrayList<>()).add(new ChannelUse(ruleId, role, addressOnly));
        }
        return ok ? List.copyOf(out) : null;
    }

    private static Map<String, Object> msgBlock(ConfigNode msg) {
        if (msg.isMissing()) {
            return Map.of();
        }
        if (!msg.isObject()) {
            msg.problem("expected an object such as {\"msg_format\": \"{user}: {msg}\"}, got "
                    + ConfigNode.describe(msg.value()));
            return Map.of();
        }
        msg.string(MessageKeys.MSG_FORMAT, null);
        msg.string("msg_type", null);
        checkMentions(msg.get(MessageKeys.MENTIONS));
        // templates and mentions (issue 18): compiled here so validate reports a template's syntax errors with
        // file, rule path and line; template_file is read relative to rules.json
        return MsgOptions.check(msg);
    }

    /** {@code msg.mentions}: an object from a source user id to the target's user id, both non-empty. */
    private static void checkMentions(ConfigNode mentions) {
        if (mentions.isMissing()) {
            return;
        }
        if (!mentions.isObject()) {
            mentions.problem("expected an object from a mentioned user id to that person's user id on the target,"
                    + " e.g. {\"alice@corp.example\": \"alice01\"}, got " + ConfigNode.describe(mentions.value()));
            return;
        }
        for (String source : mentions.keys()) {
            ConfigNode target = mentions.get(source);
            Object value = target.value();
            if (source.isBlank()) {
                target.problem("a mentioned user id must not be empty");
            } else if (!(value instanceof String || value instanceof Number)) {
                target.problem("expected the user id on the target for mentions of this id (a string), got "
                        + ConfigNode.describe(value));
            } else if (target.asText().isBlank()) {
                target.problem("must not be empty: the user id on the target for mentions of this id");
            }
        }
    }

    /** A stable id: type plus a hash of the rule without its {@code id} and {@code msg} blocks. */
    private static String derivedId(Rule.Type type, ConfigNode node) {
        Map<String, Object> copy = new TreeMap<>(node.asMap());
        copy.remove("id");
        copy.remove("msg");
        copy.put("type", type.name().toLowerCase(Locale.ROOT));
        for (String key : List.of("channels", "from", "to")) {
            if (copy.get(key) instanceof Map<?, ?> endpoints) {
                Map<String, Object> stripped = new TreeMap<>();
                endpoints.forEach((k, v) -> {
                    if (v instanceof Map<?, ?> address) {
                        Map<Object, Object> a = new TreeMap<>(address);
                        a.remove("msg");
                        stripped.put(String.valueOf(k), a);
                    } else {
                        stripped.put(String.valueOf(k), v);
                    }
                });
                copy.put(key, stripped);
            }
        }
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(copy);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical);
            return type.name().toLowerCase(Locale.ROOT) + "-" + HexFormat.of().formatHex(hash, 0, 4);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
