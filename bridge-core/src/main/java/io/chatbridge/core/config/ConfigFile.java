package io.chatbridge.core.config;

import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ConfigNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * config.json read: its {@code global} block and its instances by id, each checked for shape (platform known,
 * instance id well formed and unique), not yet for their settings (the drivers check those).
 */
final class ConfigFile {

    final GlobalSettings global;
    final ConfigNode globalNode;
    /** {@code global.identities} ({@link Identities#NONE} when only the global block was read). */
    Identities identities = Identities.NONE;
    /** Valid instances by id, in file order. */
    final Map<String, InstanceDefinition> instances = new LinkedHashMap<>();
    /** Instance ids written in config.json, valid or not; {@code null} when config.json could not be read. */
    final Set<String> namedInstances;
    /** The file's name as the user wrote it ({@code config.json}, {@code vanus.yml}), for messages. */
    final String fileName;

    private ConfigFile(GlobalSettings global, ConfigNode globalNode, Set<String> namedInstances, Path file) {
        this.global = global;
        this.globalNode = globalNode;
        this.namedInstances = namedInstances;
        this.fileName = String.valueOf(file.getFileName());
    }

    /** Reads only the {@code global} block; placeholders are resolved only inside it. */
    static ConfigFile readGlobal(Path file, Function<String, String> env, ProblemLog problems,
                                 SensitiveValues sensitive) {
        String name = file.toString();
        Object parsed = FileReader.read(file, name, problems.list());
        Object global = parsed instanceof Map<?, ?> map ? map.get("global") : null;
        ConfigNode node = ConfigNode.of(name, "global", global == null ? null
                : new EnvSubstitution(env, name, problems).resolve(global, "global"), problems);
        sensitive.collect(node);
        return new ConfigFile(GlobalSettings.from(node, file.toAbsolutePath().getParent()), node, null, file);
    }

    static ConfigFile read(Path file, DriverRegistry registry, Function<String, String> env, ProblemLog problems,
                           SensitiveValues sensitive) {
        String name = file.toString();
        Path base = file.toAbsolutePath().getParent();
        Object parsed = FileReader.read(file, name, problems.list());
        ConfigNode root = ConfigNode.of(name, "", parsed == null ? null
                : new EnvSubstitution(env, name, problems).resolve(parsed, ""), problems);
        if (parsed != null && !root.isObject()) {
            root.problem("expected a JSON object with \"global\" and one key per platform, got "
                    + ConfigNode.describe(parsed));
        }
        ConfigNode globalNode = root.get("global");
        ConfigFile config = new ConfigFile(GlobalSettings.from(globalNode, base), globalNode,
                parsed == null ? null : new LinkedHashSet<>(), file);
        sensitive.collect(globalNode);
        config.readInstances(root, registry, sensitive);
        // after the instances: an identity names them (all named ones, so a broken instance is reported once)
        config.identities = Identities.from(globalNode,
                config.namedInstances == null ? Set.of() : config.namedInstances);
        if (parsed != null && root.isObject() && config.instances.isEmpty() && !problems.hasErrors()) {
            root.problem("no instances configured; add at least one, e.g. {\"webhook\": {\"in\": {...}}}");
        }
        return config;
    }

    private void readInstances(ConfigNode root, DriverRegistry registry, SensitiveValues sensitive) {
        Map<String, String> platformOf = new TreeMap<>();
        for (String platform : root.keys()) {
            if (platform.equals("global")) {
                continue;
            }
            ConfigNode platformNode = root.get(platform);
            namedInstances.addAll(platformNode.keys());
            if (registry.factory(platform) == null) {
                platformNode.problem(unknownPlatform(platform, platformNode, registry));
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
                sensitive.collect(settings);
            }
        }
    }

    /** Why {@code platform} is not one, and what the user most probably meant to write. */
    private static String unknownPlatform(String platform, ConfigNode node, DriverRegistry registry) {
        if (platform.equals("bot") && node.has("webhooks")) {
            // the Vanus DingTalk sink's config.yml, as its README gives it
            return "this is the Vanus DingTalk sink's \"bot\" block; here it is one DingTalk instance: move it under"
                    + " \"dingtalk\", as {\"dingtalk\": {\"bot\": {\"webhooks\": [...]}}} (in YAML: indent it under a"
                    + " top-level \"dingtalk:\"); its webhooks (chat_group, url, signature) and default (or defalult)"
                    + " are read as they are. CloudEvents then come in through a webhook instance and a rule, as in"
                    + " examples/cloudevents-to-dingtalk";
        }
        String nearest = ConfigNode.nearest(platform, registry.platforms());
        String hint = registry.loadErrors().isEmpty() ? ""
                : " (some plugins failed to load: " + String.join("; ", registry.loadErrors()) + ")";
        return "unknown platform \"" + platform + "\"" + (nearest == null ? "" : "; did you mean " + nearest + "?")
                + "; known platforms: " + String.join(", ", registry.platforms()) + "; other platforms come as driver"
                + " plugins: put the plugin's jar in a directory and pass --plugins DIR" + hint;
    }
}
