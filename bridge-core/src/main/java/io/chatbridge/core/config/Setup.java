package io.chatbridge.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.core.templates.MsgOptions;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.spi.PortClaim;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * config.json and rules.json loaded, validated and turned into drivers (not yet started). Every problem in either
 * file is collected, so the user sees all of them at once; {@link #valid()} says whether the bridge may start.
 */
public final class Setup {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final List<String> SENSITIVE_KEY_PARTS = List.of("secret", "token", "password", "key",
            "authorization");

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Set<String> sensitiveValues = new LinkedHashSet<>();
    private final Map<String, InstanceDefinition> instances = new LinkedHashMap<>();
    private final Map<String, Driver> drivers = new LinkedHashMap<>();
    private final Map<String, DriverConfig> driverConfigs = new LinkedHashMap<>();
    private final List<Rule> rules = new ArrayList<>();
    private GlobalSettings global;
    private ConfigNode globalNode;
    /** Instance ids written in config.json, valid or not; {@code null} when config.json could not be read. */
    private Set<String> namedInstances;

    private Setup() {
    }

    /**
     * Loads and validates both files. Both files must exist (the CLI checks that first, to exit with 2).
     *
     * @param env environment lookup for {@code ${VAR}} references
     */
    public static Setup load(Path configFile, Path rulesFile, DriverRegistry registry, Function<String, String> env) {
        Setup setup = new Setup();
        setup.loadConfig(configFile, registry, env);
        setup.loadRules(rulesFile, env);
        setup.createDrivers(configFile, registry);
        return setup;
    }

    /**
     * Loads and validates config.json alone, through the drivers (which mark secrets they know of, such as webhook
     * URLs), as if rules.json were empty: for tools that print stored messages and must mask every secret the
     * bridge would. The drivers are created, never started.
     */
    public static Setup loadWithoutRules(Path configFile, DriverRegistry registry, Function<String, String> env) {
        Setup setup = new Setup();
        setup.loadConfig(configFile, registry, env);
        setup.createDrivers(configFile, registry);
        return setup;
    }

    /**
     * Reads only the {@code global} block of config.json, for tools such as {@code dlq} and {@code outbox} that
     * open the database but must not create drivers. Placeholders are resolved only inside {@code global}.
     */
    public static Setup loadGlobal(Path configFile, Function<String, String> env) {
        Setup setup = new Setup();
        String name = configFile.toString();
        Object parsed = FileReader.read(configFile, name, setup.problems);
        Object global = parsed instanceof Map<?, ?> map ? map.get("global") : null;
        ConfigNode node = ConfigNode.of(name, "global", global == null ? null
                : new EnvSubstitution(env, name, setup.problems).resolve(global, "global"), setup.problems::add);
        setup.global = GlobalSettings.from(node, configFile.toAbsolutePath().getParent());
        setup.collectSensitive(node, false);
        return setup;
    }

    /** Whether no error (warnings allowed) was found. */
    public boolean valid() {
        return problems.stream().allMatch(ConfigProblem::warning);
    }

    /** Every problem, errors and warnings, in the order found. */
    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    /** Errors only. */
    public List<ConfigProblem> errors() {
        return problems.stream().filter(p -> !p.warning()).toList();
    }

    public GlobalSettings global() {
        return global;
    }

    /** Instances by id, in file order. */
    public Map<String, InstanceDefinition> instances() {
        return instances;
    }

    /** Drivers by instance id (created, not started). Empty unless the setup is valid. */
    public Map<String, Driver> drivers() {
        return valid() ? drivers : Map.of();
    }

    public Map<String, DriverConfig> driverConfigs() {
        return driverConfigs;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Values that must never appear in logs or outgoing messages. */
    public Set<String> sensitiveValues() {
        return sensitiveValues;
    }

    // ---------------------------------------------------------------- config.json

    private void loadConfig(Path file, DriverRegistry registry, Function<String, String> env) {
        String name = file.toString();
        Path base = file.toAbsolutePath().getParent();
        Object parsed = FileReader.read(file, name, problems);
        namedInstances = parsed == null ? null : new LinkedHashSet<>();
        ConfigNode root = ConfigNode.of(name, "", parsed == null ? null
                : new EnvSubstitution(env, name, problems).resolve(parsed, ""), problems::add);
        if (parsed != null && !root.isObject()) {
            root.problem("expected a JSON object with \"global\" and one key per platform, got "
                    + ConfigNode.describe(parsed));
        }
        globalNode = root.get("global");
        global = GlobalSettings.from(globalNode, base);
        collectSensitive(root.get("global"), false);
        Map<String, String> platformOf = new TreeMap<>();
        for (String platform : root.keys()) {
            if (platform.equals("global")) {
                continue;
            }
            ConfigNode platformNode = root.get(platform);
            namedInstances.addAll(platformNode.keys());
            if (registry.factory(platform) == null) {
                String hint = registry.loadErrors().isEmpty() ? ""
                        : " (some plugins failed to load: " + String.join("; ", registry.loadErrors()) + ")";
                platformNode.problem("unknown platform \"" + platform + "\"; known platforms: "
                        + String.join(", ", registry.platforms()) + hint);
                continue;
            }
            if (!platformNode.isObject()) {
                platformNode.problem("expected an object of instances, e.g. {\"my_instance\": {...}}, got "
                        + ConfigNode.describe(platformNode.value()));
                continue;
            }
            for (String id : platformNode.keys()) {
                ConfigNode settings = platformNode.get(id);
                if (!id.matches("[A-Za-z0-9_\\-.]+")) {
                    settings.problem("instance id may only contain letters, digits, '_', '-' and '.'");
                    continue;
                }
                if (!settings.isObject()) {
                    settings.problem("expected an object of settings, got " + ConfigNode.describe(settings.value()));
                    continue;
                }
                String other = platformOf.putIfAbsent(id, platform);
                if (other != null) {
                    settings.problem("instance id \"" + id + "\" is already used under \"" + other
                            + "\"; instance ids must be unique because rules name instances by id");
                    continue;
                }
                instances.put(id, new InstanceDefinition(platform, id, settings));
                collectSensitive(settings, false);
            }
        }
        if (parsed != null && root.isObject() && instances.isEmpty() && problems.stream().allMatch(ConfigProblem::warning)) {
            root.problem("no instances configured; add at least one, e.g. {\"webhook\": {\"in\": {...}}}");
        }
    }

    private void collectSensitive(ConfigNode node, boolean underSensitiveKey) {
        if (node.isObject()) {
            for (String key : node.keys()) {
                String k = key.toLowerCase(Locale.ROOT);
                boolean sensitive = underSensitiveKey || SENSITIVE_KEY_PARTS.stream().anyMatch(k::contains);
                collectSensitive(node.get(key), sensitive);
            }
        } else if (node.value() instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                ConfigNode item = ConfigNode.of(node.file(), node.path(), list.get(i), p -> { });
                collectSensitive(item, underSensitiveKey);
            }
        } else if (underSensitiveKey && node.value() instanceof String s) {
            addSensitive(s);
        }
    }

    private void addSensitive(String value) {
        if (value != null && value.length() >= 4) {
            sensitiveValues.add(value);
        }
    }

    // ---------------------------------------------------------------- rules.json

    private void loadRules(Path file, Function<String, String> env) {
        String name = file.toString();
        Object parsed = FileReader.read(file, name, problems);
        if (parsed == null) {
            return;
        }
        ConfigNode root = ConfigNode.of(name, "", new EnvSubstitution(env, name, problems).resolve(parsed, ""),
                problems::add);
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

    private final Map<String, List<ChannelUse>> uses = new LinkedHashMap<>();

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
                node.get("type").problem("unknown rule type \"" + typeText + "\"; expected \"connect\" or \"forward\"");
                return null;
            }
        }
        Map<String, Object> msg = msgBlock(node.get("msg"));
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
            return null;
        }
        if (type == Rule.Type.FORWARD && global != null && !global.strictEchoMatch()) {
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
            if (!instances.containsKey(instanceId)) {
                ok = false;
                if (namedInstances == null || namedInstances.contains(instanceId)) {
                    continue; // config.json is unreadable or the instance itself is invalid: already reported
                }
                address.problem("unknown instance \"" + instanceId + "\"; instances in config.json: "
                        + (instances.isEmpty() ? "(none)" : String.join(", ", instances.keySet())));
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
            out.add(new Rule.Endpoint(instanceId, Map.copyOf(fields), override));
            ConfigNode addressOnly = ConfigNode.of(address.file(), address.path(), fields, problems::add);
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
        msg.string("msg_format", null);
        msg.string("msg_type", null);
        // templates and mentions (issue 18): known msg keys are MsgOptions.KEYS; compiled here so validate reports
        // a template's syntax errors with file, rule path and line; template_file is read relative to rules.json
        return MsgOptions.check(msg);
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

    // ---------------------------------------------------------------- drivers

    private void createDrivers(Path configFile, DriverRegistry registry) {
        Path base = configFile.toAbsolutePath().getParent();
        for (InstanceDefinition instance : instances.values()) {
            DriverFactory factory = registry.factory(instance.platform());
            List<ChannelUse> instanceUses = List.copyOf(uses.getOrDefault(instance.id(), List.of()));
            DriverConfig config = new DriverConfig() {
                @Override
                public String platform() {
                    return instance.platform();
                }

                @Override
                public String instanceId() {
                    return instance.id();
                }

                @Override
                public ConfigNode settings() {
                    return instance.settings();
                }

                @Override
                public ConfigNode global() {
                    return globalNode;
                }

                @Override
                public List<ChannelUse> uses() {
                    return instanceUses;
                }

                @Override
                public void markSensitive(String value) {
                    addSensitive(value);
                }

                @Override
                public Path baseDirectory() {
                    return base;
                }
            };
            long errorsBefore = errors().size();
            try {
                Driver driver = factory.create(config);
                if (driver == null) {
                    instance.settings().problem("driver factory for \"" + instance.platform() + "\" returned no driver");
                    continue;
                }
                drivers.put(instance.id(), driver);
                driverConfigs.put(instance.id(), config);
                if (errors().size() == errorsBefore) {
                    claimPorts(instance, driver);
                }
            } catch (RuntimeException e) {
                instance.settings().problem("driver \"" + instance.platform() + "\" rejected the settings: " + e);
            }
        }
    }

    /** Who took each port (for a server of its own) or route so far, as {@code platform.instance}. */
    private final Map<Integer, String> ownServers = new LinkedHashMap<>();
    private final Map<Integer, String> routePorts = new LinkedHashMap<>();
    private final Map<String, String> routes = new LinkedHashMap<>();

    /**
     * Reports the ports and routes {@code driver} will take that an earlier instance already claimed, on the setting
     * that names them, so that {@code validate} says what {@code run} would fail on, before any port opens.
     */
    private void claimPorts(InstanceDefinition instance, Driver driver) {
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

    /** Renders problems one per line, as the CLI prints them. */
    public static String render(List<ConfigProblem> problems) {
        StringBuilder out = new StringBuilder();
        for (ConfigProblem p : problems) {
            out.append(p.warning() ? "warning: " : "error: ").append(p).append('\n');
        }
        return out.toString();
    }
}
