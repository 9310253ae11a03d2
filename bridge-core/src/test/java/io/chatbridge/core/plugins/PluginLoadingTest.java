package io.chatbridge.core.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chatbridge.core.cli.Main;
import io.chatbridge.core.config.Setup;
import io.chatbridge.core.testing.Files;
import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.testkit.TestDriverContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Builds a driver jar during the test, drops it into a plugins directory and loads it. */
class PluginLoadingTest {

    @TempDir
    Path dir;

    private static final String FACTORY = """
            package com.example.echo;

            import io.chatbridge.spi.*;

            public class EchoDriverFactory implements DriverFactory {
                @Override public String platform() { return "echo"; }
                @Override public Driver create(DriverConfig config) {
                    config.settings().requireString("greeting");
                    return new Driver() {
                        @Override public void start(DriverContext context) { }
                        @Override public SendResult send(OutboundMessage message) { return SendResult.OK; }
                        @Override public void stop() { }
                    };
                }
            }
            """;

    private Path buildPluginJar(Path pluginsDir, String services) throws IOException {
        Path src = Files.write(dir, "src/com/example/echo/EchoDriverFactory.java", FACTORY);
        Path classes = dir.resolve("classes");
        java.nio.file.Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).as("javac exit code").isZero();
        Path jar = pluginsDir.resolve("echo-driver.jar");
        java.nio.file.Files.createDirectories(pluginsDir);
        try (JarOutputStream out = new JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            Path cls = classes.resolve("com/example/echo/EchoDriverFactory.class");
            put(out, "com/example/echo/EchoDriverFactory.class", java.nio.file.Files.readAllBytes(cls));
            for (Path inner : java.nio.file.Files.list(cls.getParent()).toList()) {
                if (!inner.equals(cls)) {
                    put(out, "com/example/echo/" + inner.getFileName(), java.nio.file.Files.readAllBytes(inner));
                }
            }
            put(out, "META-INF/services/" + DriverFactory.class.getName(), services.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /** Compiles {@code sources} (path → code) against the test classpath into {@code pluginsDir/jarName}. */
    private Path buildJar(Path pluginsDir, String jarName, String services, Map<String, String> sources)
            throws IOException {
        Path src = dir.resolve("src-" + jarName);
        List<String> args = new ArrayList<>(List.of("-d", dir.resolve("classes-" + jarName).toString(),
                "-cp", System.getProperty("java.class.path")));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            args.add(Files.write(src, source.getKey(), source.getValue()).toString());
        }
        Path classes = dir.resolve("classes-" + jarName);
        java.nio.file.Files.createDirectories(classes);
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new)))
                .as("javac exit code").isZero();
        Path jar = pluginsDir.resolve(jarName);
        java.nio.file.Files.createDirectories(pluginsDir);
        try (JarOutputStream out = new JarOutputStream(java.nio.file.Files.newOutputStream(jar));
             Stream<Path> files = java.nio.file.Files.walk(classes)) {
            for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                put(out, classes.relativize(file).toString().replace('\\', '/'),
                        java.nio.file.Files.readAllBytes(file));
            }
            put(out, "META-INF/services/" + DriverFactory.class.getName(), services.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    @Test
    void driverJarInPluginsDirectoryIsLoaded() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");

        DriverRegistry registry = DriverRegistry.discover(plugins);

        assertThat(registry.platforms()).contains("echo", "memory");
        assertThat(registry.loadErrors()).isEmpty();
        Setup setup = Setup.load(Files.write(dir, "config.json", "{\"echo\": {\"e\": {}}, \"memory\": {\"m\": {}}}"),
                Files.write(dir, "rules.json", "{\"rules\": [{\"from\": {\"m\": {}}, \"to\": {\"e\": {}}}]}"),
                registry, k -> null);
        assertThat(setup.errors()).extracting(Object::toString)
                .containsExactly(dir.resolve("config.json") + ": echo.e.greeting: required");
    }

    @Test
    void pluginsOptionWorksBeforeAndAfterTheValidateCommand() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");
        String config = Files.write(dir, "config.json", "{\"echo\": {\"e\": {\"greeting\": \"hi\"}}}").toString();
        String rules = Files.write(dir, "rules.json", "{\"rules\": []}").toString();

        for (String[] args : List.of(
                new String[] {"--plugins", plugins.toString(), "validate", "--config", config, "--rules", rules},
                new String[] {"validate", "--config", config, "--rules", rules, "--plugins", plugins.toString()})) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            assertThat(cli.execute(args)).as(String.join(" ", args) + "\n" + err).isZero();
            assertThat(out.toString()).contains("are valid: 1 instance(s)");
        }
    }

    @Test
    void corruptJarIsReportedByFileNameAndOthersStillLoad() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");
        Files.write(plugins, "broken.jar", "this is not a zip file");

        DriverRegistry registry = DriverRegistry.discover(plugins);

        assertThat(registry.platforms()).contains("echo");
        assertThat(registry.loadErrors()).singleElement().asString().startsWith("plugin broken.jar is not a readable jar");
    }

    @Test
    void serviceEntryNamingAMissingClassIsReportedWithThePluginName() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.NoSuchFactory\n");

        DriverRegistry registry = DriverRegistry.discover(plugins);

        assertThat(registry.platforms()).doesNotContain("echo");
        assertThat(registry.loadErrors()).singleElement().asString()
                .startsWith("plugin echo-driver.jar: cannot load driver factory")
                .contains("com.example.echo.NoSuchFactory");
        Setup setup = Setup.load(Files.write(dir, "config.json", "{\"echo\": {\"e\": {}}}"),
                Files.write(dir, "rules.json", "{\"rules\": []}"), registry, k -> null);
        assertThat(setup.errors()).singleElement().asString().contains("unknown platform \"echo\"")
                .contains("some plugins failed to load: plugin echo-driver.jar");
    }

    @Test
    void sameJarTwiceIsReportedAsIgnoredWithoutClaimingItHasNoFactory() throws Exception {
        Path plugins = dir.resolve("plugins");
        Path jar = buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");
        java.nio.file.Files.copy(jar, plugins.resolve("echo-driver-copy.jar"));

        List<String> warnings = registryLog(() -> {
            DriverRegistry registry = DriverRegistry.discover(plugins);
            assertThat(registry.platforms()).contains("echo");
            assertThat(registry.loadErrors()).singleElement().asString()
                    .startsWith("plugin echo-driver.jar: driver factory com.example.echo.EchoDriverFactory for"
                            + " platform \"echo\" ignored, plugin echo-driver-copy.jar already provides");
        });

        assertThat(warnings).noneMatch(line -> line.contains("provides no driver factory"));
    }

    @Test
    void jarWithoutServiceFileIsReportedAsProvidingNoFactory() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");
        try (JarOutputStream out = new JarOutputStream(java.nio.file.Files.newOutputStream(
                plugins.resolve("library.jar")))) {
            put(out, "README.txt", "no services here".getBytes(StandardCharsets.UTF_8));
        }

        List<String> warnings = registryLog(() -> DriverRegistry.discover(plugins));

        assertThat(warnings).containsExactly("plugin library.jar provides no driver factory (no META-INF/services/"
                + DriverFactory.class.getName() + " entry)");
    }

    /** The WARN lines DriverRegistry logs while {@code action} runs. */
    private static List<String> registryLog(Runnable action) {
        Logger logger = (Logger) LoggerFactory.getLogger(DriverRegistry.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            action.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void pluginUsingACoreClassFailsToLoadNamingTheJarAndTheClass() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "com.example.echo.EchoDriverFactory\n");
        buildJar(plugins, "sneaky-driver.jar", "com.example.sneaky.SneakyDriverFactory\n", Map.of(
                "com/example/sneaky/SneakyDriverFactory.java", """
                        package com.example.sneaky;

                        import io.chatbridge.spi.*;

                        public class SneakyDriverFactory implements DriverFactory {
                            @Override public String platform() { return "sneaky"; }
                            @Override public Driver create(DriverConfig config) {
                                String quiet = io.chatbridge.core.logging.Secrets.redact("x");
                                return null;
                            }
                        }
                        """));

        DriverRegistry registry = DriverRegistry.discover(plugins);

        assertThat(registry.platforms()).contains("echo").doesNotContain("sneaky");
        assertThat(registry.loadErrors()).containsExactly("plugin sneaky-driver.jar cannot be loaded: "
                + "com.example.sneaky.SneakyDriverFactory uses io.chatbridge.core.logging.Secrets, which is not part"
                + " of the SPI (plugins may use only io.chatbridge.spi, org.slf4j, the JDK and their own classes)");
        Setup setup = Setup.load(Files.write(dir, "config.json", "{\"sneaky\": {\"s\": {}}}"),
                Files.write(dir, "rules.json", "{\"rules\": []}"), registry, k -> null);
        assertThat(setup.errors()).singleElement().asString().contains("unknown platform \"sneaky\"")
                .contains("plugin sneaky-driver.jar cannot be loaded");
    }

    @Test
    void pluginBundlingItsOwnCopyOfALibraryTheBridgeUsesRunsWithItsOwnCopy() throws Exception {
        Path plugins = dir.resolve("plugins");
        Map<String, String> sources = new LinkedHashMap<>();
        // the bridge has Jackson's com.fasterxml.jackson.core.Version; the plugin ships a class of that name too
        sources.put("com/fasterxml/jackson/core/Version.java", """
                package com.fasterxml.jackson.core;

                public final class Version {
                    public static String whose() { return "the plugin's own Version"; }
                }
                """);
        sources.put("com/example/bundled/BundledDriverFactory.java", """
                package com.example.bundled;

                import io.chatbridge.spi.*;

                public class BundledDriverFactory implements DriverFactory {
                    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("bundled");
                    @Override public String platform() { return "bundled"; }
                    @Override public Driver create(DriverConfig config) {
                        return new Driver() {
                            @Override public void start(DriverContext context) { }
                            @Override public SendResult send(OutboundMessage message) {
                                LOG.debug("sending {}", message.deliveryId());
                                return new SendResult(com.fasterxml.jackson.core.Version.whose());
                            }
                            @Override public void stop() { }
                        };
                    }
                }
                """);
        buildJar(plugins, "bundled-driver.jar", "com.example.bundled.BundledDriverFactory\n", sources);

        DriverRegistry registry = DriverRegistry.discover(plugins);

        assertThat(registry.loadErrors()).isEmpty();
        DriverFactory factory = registry.factory("bundled");
        List<ConfigProblem> problems = new ArrayList<>();
        Driver driver = factory.create(TestDriverContext.config("bundled", "b", Map.of(), problems,
                List.<ChannelUse>of()));
        assertThat(driver.send(OutboundMessage.builder().deliveryId("d1").build()).platformMessageId())
                .isEqualTo("the plugin's own Version");
        assertThat(com.fasterxml.jackson.core.Version.unknownVersion().isUnknownVersion())
                .as("the bridge keeps its own Jackson").isTrue();

        ClassLoader plugin = factory.getClass().getClassLoader();
        assertThat(plugin.loadClass("io.chatbridge.spi.Driver")).isSameAs(Driver.class);
        assertThat(plugin.loadClass("org.slf4j.Logger")).isSameAs(org.slf4j.Logger.class);
        assertThat(plugin.loadClass("java.util.List")).isSameAs(List.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> plugin.loadClass("io.chatbridge.core.Bridge"))
                .isInstanceOf(ClassNotFoundException.class)
                .hasMessage("io.chatbridge.core.Bridge is not visible to plugin bundled-driver.jar (plugins may use"
                        + " only io.chatbridge.spi, org.slf4j, the JDK and their own classes)");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> plugin.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
                .as("the bridge's libraries are not the plugin's").isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void missingPluginsDirectoryIsAnError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DriverRegistry.discover(dir.resolve("nope")))
                .hasMessageContaining("does not exist");
    }

}
