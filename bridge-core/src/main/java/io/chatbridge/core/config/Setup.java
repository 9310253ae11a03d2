package io.chatbridge.core.config;

import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * config.json and rules.json loaded, validated and turned into drivers (not yet started). Every problem in either
 * file is collected, so the user sees all of them at once; {@link #valid()} says whether the bridge may start.
 *
 * <p>The work is done in steps, each its own class: {@link ConfigFile} (config.json and its instances),
 * {@link RulesParser} (rules.json), {@link DriverCreator} (the drivers, which check their settings and the rules'
 * addresses) and {@link PortClaims} (two instances wanting one port or route).
 */
public final class Setup {

    private final ProblemLog problems = new ProblemLog();
    private final SensitiveValues sensitive = new SensitiveValues();
    private ConfigFile config;
    private RulesParser rules;
    private DriverCreator drivers;

    private Setup() {
    }

    /**
     * Loads and validates both files. Both files must exist (the CLI checks that first, to exit with 2).
     *
     * @param env environment lookup for {@code ${VAR}} references
     */
    public static Setup load(Path configFile, Path rulesFile, DriverRegistry registry, Function<String, String> env) {
        return load(configFile, rulesFile, registry, env, new Options());
    }

    /** Like {@link #load(Path, Path, DriverRegistry, Function)}, with options for tests. */
    public static Setup load(Path configFile, Path rulesFile, DriverRegistry registry, Function<String, String> env,
                             Options options) {
        Setup setup = new Setup();
        setup.config = ConfigFile.read(configFile, registry, env, setup.problems, setup.sensitive);
        setup.rules = RulesParser.parse(rulesFile, setup.config, env, setup.problems);
        RuleKeyCheck.check(registry, setup.config, setup.rules);
        setup.drivers = DriverCreator.create(configFile, registry, setup.config, setup.rules, setup.problems,
                setup.sensitive, options);
        return setup;
    }

    /** What only tests change in how files load. */
    public static final class Options {
        boolean randomPorts;

        /**
         * Accepts port 0 (a free port chosen at start, see {@link io.chatbridge.spi.PortClaim}) in the ports
         * instances claim, for tests, which cannot know free ports in advance. Without it port 0 is an error: no
         * sender could find the port.
         */
        public Options allowRandomPorts() {
            randomPorts = true;
            return this;
        }
    }

    /**
     * Loads and validates config.json alone, through the drivers (which mark secrets they know of, such as webhook
     * URLs), as if rules.json were empty: for tools that print stored messages and must mask every secret the
     * bridge would. The drivers are created, never started.
     */
    public static Setup loadWithoutRules(Path configFile, DriverRegistry registry, Function<String, String> env) {
        Setup setup = new Setup();
        setup.config = ConfigFile.read(configFile, registry, env, setup.problems, setup.sensitive);
        setup.rules = RulesParser.none(setup.config, setup.problems);
        setup.drivers = DriverCreator.create(configFile, registry, setup.config, setup.rules, setup.problems,
                setup.sensitive, new Options().allowRandomPorts()); // tools: the ports are not opened
        return setup;
    }

    /**
     * Reads only the {@code global} block of config.json, for tools such as {@code dlq} and {@code outbox} that
     * open the database but must not create drivers. Placeholders are resolved only inside {@code global}.
     */
    public static Setup loadGlobal(Path configFile, Function<String, String> env) {
        Setup setup = new Setup();
        setup.config = ConfigFile.readGlobal(configFile, env, setup.problems, setup.sensitive);
        return setup;
    }

    /** Whether no error (warnings allowed) was found. */
    public boolean valid() {
        return !problems.hasErrors();
    }

    /** Every problem, errors and warnings, in the order found. */
    public List<ConfigProblem> problems() {
        return problems.all();
    }

    /** Errors only. */
    public List<ConfigProblem> errors() {
        return problems.errors();
    }

    public GlobalSettings global() {
        return config.global;
    }

    /** {@code global.identities}: a person's user ids on several instances, for mentions across them. */
    public Identities identities() {
        return config.identities;
    }

    /** Instances by id, in file order. */
    public Map<String, InstanceDefinition> instances() {
        return config.instances;
    }

    /** Drivers by instance id (created, not started). Empty unless the setup is valid. */
    public Map<String, Driver> drivers() {
        return valid() && drivers != null ? drivers.drivers : Map.of();
    }

    public Map<String, DriverConfig> driverConfigs() {
        return drivers == null ? Map.of() : drivers.driverConfigs;
    }

    public List<Rule> rules() {
        return rules == null ? List.of() : rules.rules;
    }

    /** Values that must never appear in logs or outgoing messages. */
    public Set<String> sensitiveValues() {
        return sensitive.values();
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
