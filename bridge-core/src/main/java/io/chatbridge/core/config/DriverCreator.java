package io.chatbridge.core.config;

import io.chatbridge.core.plugins.DriverRegistry;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates (never starts) one driver per valid instance through its platform's factory, which checks the instance's
 * settings and the rules' channel addresses naming it; then records the ports the driver will take.
 */
final class DriverCreator {

    final Map<String, Driver> drivers = new LinkedHashMap<>();
    final Map<String, DriverConfig> driverConfigs = new LinkedHashMap<>();
    private final PortClaims ports;

    private DriverCreator(boolean randomPorts) {
        ports = new PortClaims(randomPorts);
    }

    static DriverCreator create(Path configFile, DriverRegistry registry, ConfigFile config, RulesParser rules,
                                ProblemLog problems, SensitiveValues sensitive, Setup.Options options) {
        DriverCreator creator = new DriverCreator(options.randomPorts);
        Path base = configFile.toAbsolutePath().getParent();
        for (InstanceDefinition instance : config.instances.values()) {
            DriverFactory factory = registry.factory(instance.platform());
            List<ChannelUse> uses = List.copyOf(rules.uses.getOrDefault(instance.id(), List.of()));
            DriverConfig driverConfig = new InstanceConfig(instance, config.globalNode, uses, sensitive, base);
            int errorsBefore = problems.errorCount();
            // an unset ${VAR} is reported once; what the driver finds wrong because of it would only repeat it
            boolean unset = problems.hasUnsetUnder(instance.settings().file(), instance.settings().path());
            try {
                Driver[] created = new Driver[1];
                if (unset) {
                    problems.consequencesOnly(() -> created[0] = factory.create(driverConfig));
                } else {
                    created[0] = factory.create(driverConfig);
                }
                Driver driver = created[0];
                if (driver == null) {
                    instance.settings().problem("driver factory for \"" + instance.platform() + "\" returned no driver");
                    continue;
                }
                creator.drivers.put(instance.id(), driver);
                creator.driverConfigs.put(instance.id(), driverConfig);
                if (problems.errorCount() == errorsBefore && !unset) {
                    creator.ports.claim(instance, driver);
                }
            } catch (RuntimeException e) {
                instance.settings().problem("driver \"" + instance.platform() + "\" rejected the settings: " + e);
            }
        }
        return creator;
    }

    private record InstanceConfig(InstanceDefinition instance, ConfigNode global, List<ChannelUse> uses,
                                  SensitiveValues sensitive, Path baseDirectory) implements DriverConfig {
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
        public void markSensitive(String value) {
            sensitive.add(value);
        }

        @Override
        public String toString() {
            return "DriverConfig[" + instance.platform() + "." + instance.id() + "]"; // settings hold secrets
        }
    }
}
