package io.chatbridge.bench.load;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code benchmarks.jar pacing}: a burst of messages to many groups through the packaged bridge.jar and a DingTalk
 * stand-in, showing that app robot OpenAPI calls stay within {@code api_rate_per_second} in every second and that
 * the burst finishes close to the budget's ideal time. The stand-in answers like DingTalk when an app goes over 20
 * calls a second ({@code 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi}), and counts those answers.
 */
public final class PacingRun {

    private static final String APP_KEY = "dingpacingbench";
    private static final String APP_SECRET = "pacing-bench-app-secret";
    private static final String TOKEN = "pacing-bench-ingress-token";
    private static final int DINGTALK_LIMIT = 20;

    private PacingRun() {
    }

    /** Runs the benchmark; returns the exit code. */
    public static int run(String[] args) throws Exception {
        int messages = 5000;
        int groups = 50;
        int budget = 15;
        Path bridgeJar = Path.of("bridge-app/target/bridge.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--groups" -> groups = Integer.parseInt(args[++i]);
                case "--budget" -> budget = Integer.parseInt(args[++i]);
                case "--bridge-jar" -> bridgeJar = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: benchmarks.jar pacing [--messages 5000] [--groups 50] [--budget 15]"
                            + " [--bridge-jar bridge-app/target/bridge.jar]");
                    return 2;
                }
            }
        }
        ConcurrentLinkedQueue<Long> calls = new ConcurrentLinkedQueue<>();
        AtomicInteger throttled = new AtomicInteger();
        List<Long> lastSecond = new ArrayList<>();
        Javalin standIn = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/oauth2/accessToken", ctx -> ctx.contentType("application/json")
                    .result("{\"accessToken\":\"pacing-access-token\",\"expireIn\":7200}"));
            config.routes.post("/v1.0/robot/groupMessages/send", ctx -> groupSend(ctx, calls, throttled, lastSecond));
        }).start("127.0.0.1", 0);
        Path dir = Files.createTempDirectory("chatbridge-pacing-");
        int port = freePort();
        StringBuilder rules = new StringBuilder("{\"rules\": [");
        for (int g = 0; g < groups; g++) {
            rules.append(g == 0 ? "" : ",").append("{\"id\": \"g").append(g).append("\", \"from\": {\"in\": {\"type\":"
                    + " \"bench.g").append(g).append("\"}}, \"to\": {\"dt\": {\"open_conversation_id\": \"cidG")
                    .append(g).append("\"}}}");
        }
        rules.append("]}");
        Files.writeString(dir.resolve("rules.json"), rules);
        Files.writeString(dir.resolve("config.json"), """
                {"global": {"database": {"path": "bridge.db"}, "http": {"host": "127.0.0.1"}},
                 "webhook": {"in": {"listen_port": %d, "token": "%s"}},
                 "dingtalk": {"dt": {"app_key": "%s", "app_secret": "%s", "robot_code": "dingpacingrobot",
                                     "api_endpoint": "http://127.0.0.1:%d", "api_rate_per_second": %d}}}
                """.formatted(port, TOKEN, APP_KEY, APP_SECRET, standIn.port(), budget));
        System.out.printf(Locale.ROOT, "pacing: %d messages to %d groups, budget %d calls/s (DingTalk throttles"
                + " over %d); work dir %s%n", messages, groups, budget, DINGTALK_LIMIT, dir);
        try (Child bridge = Child.start("bridge", List.of("-Xms64m", "-Xmx256m"), List.of("-jar",
                bridgeJar.toAbsolutePath().toString(), "--config", dir.resolve("config.json").toString(), "--rules",
                dir.resolve("rules.json").toString()), dir.resolve("bridge.log"))) {
            bridge.awaitHealthy(port, 30_000);
            // warm up: one message through first (token fetched, SDK and JIT warm), as in a bridge that runs
            postBurst(port, 1, 1, "warm");
            long warm = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (calls.isEmpty() && System.nanoTime() < warm) {
                Thread.sleep(50);
            }
            Thread.sleep(1500);
            calls.clear();
            postBurst(port, messages, groups, "m");
            long deadline = System.nanoTime() + Duration.ofSeconds(messages / budget * 2L + 60).toNanos();
            while (calls.size() < messages && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            standIn.stop();
        }
        List<Long> times = new ArrayList<>(calls);
        times.sort(Long::compare);
        if (times.size() < 2) {
            System.out.println("FAILED: only " + times.size() + " calls arrived; see " + dir.resolve("bridge.log"));
            return 1;
        }
        int maxWindow = 0;
        for (int start = 0, end = 0; end < times.size(); end++) {
            while (times.get(end) - times.get(start) >= 1_000_000_000L) {
                start++;
            }
            maxWindow = Math.max(maxWindow, end - start + 1);
        }
        double seconds = (times.get(times.size() - 1) - times.get(0)) / 1e9;
        double ideal = (times.size() - 1) / (double) budget;
        boolean ok = times.size() == messages && maxWindow <= budget && seconds <= ideal * 1.1 && throttled.get() == 0;
        System.out.printf(Locale.ROOT, "calls: %d of %d; most in any 1 s window: %d (budget %d); throttling answers"
                        + " (over %d/s): %d%n", times.size(), messages, maxWindow, budget, DINGTALK_LIMIT,
                throttled.get());
        System.out.printf(Locale.ROOT, "first to last call: %.1f s; ideal at the budget: %.1f s; ratio %.3f%n",
                seconds, ideal, seconds / ideal);
        System.out.println(ok ? "OK: within the budget in every second and within 10% of the ideal time"
                : "NOT MET");
        return ok ? 0 : 1;
    }

    private static void groupSend(Context ctx, ConcurrentLinkedQueue<Long> calls, AtomicInteger throttled,
                                  List<Long> lastSecond) {
        long now = System.nanoTime();
        synchronized (lastSecond) {
            lastSecond.removeIf(t -> now - t >= 1_000_000_000L);
            if (lastSecond.size() >= DINGTALK_LIMIT) {
                throttled.incrementAndGet();
                ctx.status(403).contentType("application/json").result("{\"code\":\"Forbidden.AccessDenied."
                        + "QpsLimitForAppkeyAndApi\",\"message\":\"qps limit\"}");
                return;
            }
            lastSecond.add(now);
        }
        calls.add(now);
        ctx.contentType("application/json").result("{\"processQueryKey\":\"pqk-" + calls.size() + "\"}");
    }

    /** Posts the burst as CloudEvents batches of 250, spread over the groups round-robin. */
    private static void postBurst(int port, int messages, int groups, String idPrefix) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long begin = System.nanoTime();
        for (int first = 0; first < messages; first += 250) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = first; i < Math.min(messages, first + 250); i++) {
                batch.append(i == first ? "" : ",").append("{\"specversion\": \"1.0\", \"id\": \"").append(idPrefix).append(i)
                        .append("\", \"source\": \"bench\", \"type\": \"bench.g").append(i % groups)
                        .append("\", \"datacontenttype\": \"text/plain\", \"data\": \"message ").append(i)
                        .append("\"}");
            }
            batch.append("]");
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/events")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/cloudevents-batch+json")
                    .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("the bridge answered " + r.statusCode() + ": " + r.body());
            }
        }
        System.out.printf(Locale.ROOT, "%s of %d accepted in %.1f s%n", idPrefix.equals("warm") ? "warm-up" : "burst", messages,
                (System.nanoTime() - begin) / 1e9);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
