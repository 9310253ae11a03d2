package io.chatbridge.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatbridge.core.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be tested of the container image and the Kubernetes manifests without a container engine: the entry
 * point runs the jar as the Dockerfile does, the files the Dockerfile copies exist, the manifests parse, wire their
 * parts together, reference only keys the config has, and their config validates; docs/deploy.md names only files
 * that exist.
 */
class DeploymentIT {

    private static final Path ROOT = BridgeJarIT.ROOT;
    private static final Path ENTRYPOINT = ROOT.resolve("deploy/docker-entrypoint.sh");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(:-[^}]*)?}");

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    /** The {@code ENV} values the Dockerfile sets. */
    private static Map<String, String> dockerfileEnv() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*(?:ENV\\s+)?([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(
                dockerfile.substring(dockerfile.indexOf("\nENV ")).replace("\\\n", "\n"));
        while (m.find()) {
            env.put(m.group(1), m.group(2).replace("\"", ""));
        }
        return env;
    }

    @Test
    void theEntrypointRunsTheJarAsTheImageDoesWithJsonLogsAndAHealthcheck() throws Exception {
        Map<String, String> imageEnv = dockerfileEnv();
        assertThat(imageEnv).containsKeys("JAVA_OPTS", "BRIDGE_CONFIG", "BRIDGE_RULES", "BRIDGE_HEALTH_PORT");
        int[] ports = new int[2]; // admin, ingress
        String token = "ingress-token-0123456789abcdef";
        Files.writeString(dir.resolve("rules.json"), "{\"rules\": []}");
        Map<String, String> env = new HashMap<>(imageEnv);
        env.put("BRIDGE_JAR", BridgeJarIT.JAR.toAbsolutePath().toString());
        env.put("BRIDGE_CONFIG", dir.resolve("config.json").toString());
        env.put("BRIDGE_RULES", dir.resolve("rules.json").toString());
        env.put("BRIDGE_LOG_FORMAT", "json");
        env.put("ADMIN_TOKEN", "admin-token-0123456789abcdef");
        env.put("IN_TOKEN", token);
        env.put("PATH", System.getenv("PATH") + ":" + Path.of(System.getProperty("java.home"), "bin"));

        Path log = dir.resolve("bridge.log");
        BridgeJarIT.Prepare prepare = () -> {
            ports[0] = Ports.freePort();
            ports[1] = Ports.freePort();
            Files.writeString(dir.resolve("config.json"), """
                    {"global": {"database": {"path": "data/bridge.db"},
                                "admin": {"port": %d, "token": "${ADMIN_TOKEN}"}},
                     "webhook": {"in": {"listen_port": %d, "token": "${IN_TOKEN}"}}}
                    """.formatted(ports[0], ports[1]));
            env.put("BRIDGE_HEALTH_PORT", String.valueOf(ports[0]));
            assertThat(entrypoint(env, "healthcheck")).as("healthcheck before start").isEqualTo(1);
            return new int[] {ports[1]};
        };
        Process bridge = BridgeJarIT.startHealthy(log, prepare, () -> {
            ProcessBuilder pb = new ProcessBuilder("bash", ENTRYPOINT.toString()).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            return pb.start();
        });
        int ingressPort = ports[1];
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (entrypoint(env, "healthcheck") != 0) {
                assertThat(bridge.isAlive()).as("bridge running:\n" + Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("healthy within 30 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            HttpResponse<String> posted = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + ingressPort + "/events"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"hello\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        } finally {
            BridgeJarIT.stop(bridge);
        }
        assertThat(bridge.exitValue()).as("exit code after SIGTERM").isZero();
        assertThat(entrypoint(env, "healthcheck")).as("healthcheck after stop").isEqualTo(1);

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            JsonNode event = JSON.readTree(line);
            assertThat(event.fieldNames()).toIterable().contains("time", "level", "logger", "message");
        }
        assertThat(String.join("\n", lines)).contains("bridge started").doesNotContain(token)
                .doesNotContain("admin-token-0123456789abcdef");
    }

    private int entrypoint(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", ENTRYPOINT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void theDockerfileCopiesFilesThatExistAndItsDefaultConfigValidates() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher copy = Pattern.compile("(?m)^COPY\\s+(?!--from)(.+)\\s+(\\S+)$").matcher(dockerfile);
        int copies = 0;
        while (copy.find()) {
            for (String source : copy.group(1).trim().split("\\s+")) {
                if (!source.equals(".")) {
                    assertThat(ROOT.resolve(source)).as("Dockerfile COPY " + source).exists();
                }
                copies++;
            }
        }
        assertThat(copies).isGreaterThan(1);
        assertThat(dockerfile).contains("COPY --from=build /src/bridge-app/target/bridge.jar");
        assertThat(BridgeJarIT.JAR.getFileName().toString()).isEqualTo("bridge.jar");
        assertThat(dockerfile).contains("USER 10001").contains("VOLUME [\"/data\"]").contains("HEALTHCHECK");

        JsonNode config = JSON.readTree(ROOT.resolve("deploy/config.json").toFile());
        assertThat(config.at("/global/database/path").asText()).startsWith("/data/");
        assertThat(config.at("/global/admin/port").asInt()).isEqualTo(Integer.parseInt(
                dockerfileEnv().get("BRIDGE_HEALTH_PORT")));
        Map<String, String> env = new HashMap<>();
        for (String name : variables(Files.readString(ROOT.resolve("deploy/config.json")))) {
            env.put(name, "placeholder-value-" + name.toLowerCase() + "-0123456789");
        }
        env.put("DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send?access_token=placeholder");
        env.put("DINGTALK_WEBHOOK_SECRET", "SECplaceholder");
        validates(ROOT.resolve("deploy/config.json"), ROOT.resolve("deploy/rules.json"), env);
    }

    @Test
    void theKubernetesManifestsWireTheirPartsAndTheirConfigValidates() throws Exception {
        List<Path> manifests;
        try (Stream<Path> s = Files.list(ROOT.resolve("deploy/kubernetes"))) {
            manifests = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(manifests).extracting(p -> p.getFileName().toString())
                .contains("chatbridge.yaml", "chatbridge-postgres.yaml");
        for (Path manifest : manifests) {
            Map<String, JsonNode> byKind = new LinkedHashMap<>();
            try (var parser = YAML.getFactory().createParser(manifest.toFile())) {
                for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                    JsonNode doc = it.next();
                    byKind.put(doc.path("kind").asText(), doc);
                }
            }
            String name = manifest.getFileName().toString();
            assertThat(byKind).as(name).containsKeys("ConfigMap", "Secret", "Deployment", "Service");
            JsonNode configMap = byKind.get("ConfigMap");
            JsonNode secret = byKind.get("Secret");
            JsonNode deployment = byKind.get("Deployment");
            JsonNode pod = deployment.at("/spec/template/spec");
            JsonNode container = pod.path("containers").get(0);

            // the config's ${VAR}s are exactly what the Secret provides, and the pod gets the Secret
            String configText = configMap.at("/data/config.json").asText();
            TreeSet<String> secretKeys = new TreeSet<>();
            secret.path("stringData").fieldNames().forEachRemaining(secretKeys::add);
            assertThat(secretKeys).as(name + ": Secret keys").containsAll(variables(configText));
            assertThat(container.at("/envFrom/0/secretRef/name").asText())
                    .isEqualTo(secret.at("/metadata/name").asText());

            // the ConfigMap is mounted where the image reads its files
            String configDir = Path.of(dockerfileEnv().get("BRIDGE_CONFIG")).getParent().toString();
            JsonNode configVolume = volume(pod, "configMap");
            assertThat(configVolume.at("/configMap/name").asText()).isEqualTo(configMap.at("/metadata/name").asText());
            assertThat(mountPath(container, configVolume.path("name").asText())).isEqualTo(configDir);

            // probes on the admin port the config opens
            JsonNode config = JSON.readTree(configText);
            int adminPort = config.at("/global/admin/port").asInt();
            assertThat(config.at("/global/admin/host").asText()).isEqualTo("0.0.0.0");
            Map<String, Integer> ports = new HashMap<>();
            container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
            assertThat(ports.get(container.at("/livenessProbe/httpGet/port").asText())).isEqualTo(adminPort);
            assertThat(ports.get(container.at("/readinessProbe/httpGet/port").asText())).isEqualTo(adminPort);
            assertThat(ports).containsEntry("alerts", config.at("/webhook/alerts/listen_port").asInt());

            int replicas = deployment.at("/spec/replicas").asInt();
            if (config.at("/global/database/url").isMissingNode()) {
                // SQLite: one writer, on the claimed volume
                assertThat(replicas).as(name).isEqualTo(1);
                assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("Recreate");
                JsonNode data = volume(pod, "persistentVolumeClaim");
                assertThat(data.at("/persistentVolumeClaim/claimName").asText())
                        .isEqualTo(byKind.get("PersistentVolumeClaim").at("/metadata/name").asText());
                assertThat(config.at("/global/database/path").asText())
                        .startsWith(mountPath(container, data.path("name").asText()) + "/");
            } else {
                assertThat(replicas).as(name).isEqualTo(3);
                assertThat(byKind).doesNotContainKey("PersistentVolumeClaim");
            }

            Path files = Files.createDirectories(dir.resolve(name));
            Files.writeString(files.resolve("config.json"), configText);
            Files.writeString(files.resolve("rules.json"), configMap.at("/data/rules.json").asText());
            Map<String, String> env = new HashMap<>();
            secret.path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            validates(files.resolve("config.json"), files.resolve("rules.json"), env);
        }
    }

    @Test
    void theDeployGuideNamesOnlyFilesThatExist() throws Exception {
        String guide = Files.readString(ROOT.resolve("docs/deploy.md"));
        Matcher path = Pattern.compile("(?:\\.\\./)?((?:deploy|docs)/[\\w./-]+\\.(?:ya?ml|json|sh|md))|\\(\\.\\./(Dockerfile)\\)")
                .matcher(guide);
        int named = 0;
        while (path.find()) {
            String file = path.group(1) != null ? path.group(1) : path.group(2);
            assertThat(ROOT.resolve(file)).as("docs/deploy.md names " + file).exists();
            named++;
        }
        assertThat(named).isGreaterThanOrEqualTo(5);
        assertThat(guide).contains("docker build -t chatbridge .")
                .contains("kubectl apply -f deploy/kubernetes/chatbridge.yaml");
    }

    private static JsonNode volume(JsonNode pod, String kind) {
        for (JsonNode v : pod.path("volumes")) {
            if (v.has(kind)) {
                return v;
            }
        }
        throw new AssertionError("no " + kind + " volume in " + pod);
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m.path("mountPath").asText();
            }
        }
        throw new AssertionError("volume " + volume + " not mounted");
    }

    private static TreeSet<String> variables(String text) {
        TreeSet<String> names = new TreeSet<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private void validates(Path config, Path rules, Map<String, String> env) throws Exception {
        BridgeJarIT.Result r = BridgeJarIT.run(config.getParent(), env, "validate", "--config", config.toString(),
                "--rules", rules.toString());
        assertThat(r.exitCode()).as(config + ":\n" + r.out()).isZero();
    }
}
