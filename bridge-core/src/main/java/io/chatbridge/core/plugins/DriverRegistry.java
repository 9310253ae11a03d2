package io.chatbridge.core.plugins;

import io.chatbridge.spi.DriverFactory;
import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver factories the bridge knows: those on the classpath plus those in every jar of the plugins directory,
 * found with {@link ServiceLoader}. Each plugin jar gets its own {@link PluginClassLoader}: it shares only the SPI
 * and slf4j with the bridge and brings its own libraries. A broken plugin jar, or one that uses the bridge's
 * internals, is reported with its file name and skipped; the bridge stops later, with that reason, only if
 * config.json uses a platform the jar would have provided.
 */
public final class DriverRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(DriverRegistry.class);
    private static final String SERVICE_FILE = "META-INF/services/" + DriverFactory.class.getName();

    private final Map<String, DriverFactory> factories;
    private final List<String> loadErrors;

    private DriverRegistry(Map<String, DriverFactory> factories, List<String> loadErrors) {
        this.factories = Collections.unmodifiableMap(factories);
        this.loadErrors = List.copyOf(loadErrors);
    }

    /**
     * Discovers factories.
     *
     * @param pluginsDir a directory of plugin jars, or {@code null}
     * @throws IllegalArgumentException when {@code pluginsDir} is given but is not a directory
     */
    public static DriverRegistry discover(Path pluginsDir) {
        Map<String, DriverFactory> found = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        ClassLoader app = DriverRegistry.class.getClassLoader();
        collect(ServiceLoader.load(DriverFactory.class, app), "classpath", found, origins, errors);
        if (pluginsDir != null) {
            if (!Files.isDirectory(pluginsDir)) {
                throw new IllegalArgumentException("plugins directory " + pluginsDir + " does not exist");
            }
            for (Path jar : jars(pluginsDir, errors)) {
                String name = jar.getFileName().toString();
                boolean declaresFactories;
                Optional<String> hidden;
                // opened to report a corrupt jar with its name instead of a ServiceLoader stack trace
                try (JarFile file = new JarFile(jar.toFile())) {
                    declaresFactories = file.getEntry(SERVICE_FILE) != null;
                    hidden = declaresFactories ? PluginJarCheck.hiddenBridgeReference(file) : Optional.empty();
                } catch (IOException e) {
                    errors.add("plugin " + name + " is not a readable jar: " + e.getMessage());
                    continue;
                }
                // judged by the service file, not by what was registered: a jar whose factories were ignored or
                // failed to load has already been reported with the reason
                if (!declaresFactories) {
                    LOG.warn("plugin {} provides no driver factory (no {} entry)", name, SERVICE_FILE);
                    continue;
                }
                if (hidden.isPresent()) {
                    errors.add("plugin " + name + " cannot be loaded: " + hidden.get()
                            + ", which is not part of the SPI (" + PluginClassLoader.VISIBLE + ")");
                    continue;
                }
                PluginClassLoader loader;
                try {
                    loader = new PluginClassLoader(name, jar.toUri().toURL(), app);
                } catch (MalformedURLException e) {
                    errors.add("plugin " + name + ": " + e.getMessage());
                    continue;
                }
                collect(ServiceLoader.load(DriverFactory.class, loader), "plugin " + name, found, origins, errors);
            }
        }
        errors.forEach(LOG::error);
        return new DriverRegistry(found, errors);
    }

    /** A registry of exactly these factories (tests). */
    public static DriverRegistry of(DriverFactory... factories) {
        Map<String, DriverFactory> map = new TreeMap<>();
        for (DriverFactory f : factories) {
            map.put(f.platform(), f);
        }
        return new DriverRegistry(map, List.of());
    }

    /** The factory for {@code platform}, or {@code null}. */
    public DriverFactory factory(String platform) {
        return factories.get(platform);
    }

    /** Known platform keys, sorted. */
    public List<String> platforms() {
        return List.copyOf(factories.keySet());
    }

    /** Problems met while loading plugins, already logged. */
    public List<String> loadErrors() {
        return loadErrors;
    }

    private static void collect(ServiceLoader<DriverFactory> loader, String origin, Map<String, DriverFactory> found,
                                Map<String, String> origins, List<String> errors) {
        Iterator<ServiceLoader.Provider<DriverFactory>> it = loader.stream().iterator();
        while (true) {
            ServiceLoader.Provider<DriverFactory> provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                errors.add(origin + ": cannot load driver factory: " + e.getMessage());
                continue;
            }
            DriverFactory factory;
            try {
                factory = provider.get();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                errors.add(origin + ": cannot create driver factory " + provider.type().getName() + ": " + e);
                continue;
            }
            String platform = factory.platform();
            DriverFactory existing = found.get(platform);
            if (existing == null) {
                found.put(platform, factory);
                origins.put(platform, origin);
            } else if (existing.getClass() != factory.getClass()) {
                errors.add(origin + ": driver factory " + factory.getClass().getName() + " for platform \""
                        + platform + "\" ignored, " + origins.get(platform) + " already provides "
                        + existing.getClass().getName());
            }
        }
    }

    private static List<Path> jars(Path dir, List<String> errors) {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        } catch (IOException e) {
            errors.add("cannot list plugins directory " + dir + ": " + e.getMessage());
        }
        Collections.sort(jars);
        return jars;
    }
}
