package io.chatbridge.dingtalk.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatbridge.spi.DriverHealth;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Stream client against a gateway that misbehaves on demand; time moves only through a {@link ManualTimer}. */
class StreamClientFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SECRET = "app-secret-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RecordingContext context = new RecordingContext();
    private final FakeGateway gateway = new FakeGateway();
    private final ManualTimer timer = new ManualTimer();
    private final Logs logs = new Logs();
    private StreamClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        gateway.close();
        context.close();
        logs.close();
    }

    private StreamClient start(Duration openTimeout) {
        // pings far away, so stepping through backoff waits never runs a keep-alive check
        StreamSettings settings = StreamSettings.of(gateway.endpoint(), "dingkey", SECRET)
                .withTimings(openTimeout, Duration.ofHours(1), Duration.ofHours(1));
        client = new StreamClient(context, settings, timer, HttpClient.newHttpClient(), () -> 0.5);
        client.start();
        return client;
    }

    private void connect() throws Exception {
        start(WAIT);
        assertThat(timer.runNext(WAIT).delay()).isZero();
        gateway.awaitSockets(1, WAIT);
        awaitConnected();
    }

    private void awaitConnected() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!client.connected() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(client.connected()).as("connected").isTrue();
    }

    @Test
    void openCallCarriesCredentialsTheBotSubscriptionAndUaAndTheTicketIsUrlEncoded() throws Exception {
        connect();
        JsonNode body = JSON.readTree(gateway.openBodies().get(0));
        assertThat(body.path("clientId").asText()).isEqualTo("dingkey");
        assertThat(body.path("clientSecret").asText()).isEqualTo(SECRET);
        assertThat(body.path("subscriptions").toString())
                .isEqualTo("[{\"type\":\"CALLBACK\",\"topic\":\"/v1.0/im/bot/messages/get\"}]");
        assertThat(body.path("ua").asText()).startsWith("chatbridge");
        // the server decodes what the client sent: '+', '/' and '=' survive only when encoded
        assertThat(gateway.tickets()).containsExactly("tick+et/with=specials");
        assertThat(context.secrets()).as("the ticket is masked like a configured secret")
                .containsExactly("tick+et/with=specials");
        assertThat(context.lastHealth().state()).isEqualTo(DriverHealth.State.CONNECTED);
        assertThat(context.increments()).isEmpty();
        assertThat(context.lastHealth().reason()).startsWith("Stream mode, ws://127.0.0.1:")
                .endsWith(" (connection 1); receiving robot messages");
    }

    @Test
    void aRefusedUpgradeCostsOneOpenCallPerBackoffStep() throws Exception {
        gateway.refuseUpgrade(true);
        start(WAIT);
        timer.runNext(WAIT);
        List<Duration> waits = new ArrayList<>();
        for (int step = 1; step <= 8; step++) {
            ManualTimer.Task next = timer.awaitTask(WAIT);
            assertThat(gateway.openCalls()).as("open calls after step " + step).isEqualTo(step);
            assertThat(gateway.upgrades()).isEqualTo(step);
            assertThat(timer.pending()).as("one attempt at a time").hasSize(1);
            waits.add(next.delay());
            timer.runNext(WAIT);
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(32), Duration.ofSeconds(60),
                Duration.ofSeconds(60));
        assertThat(context.lastHealth().state()).isEqualTo(DriverHealth.State.RECONNECTING);
        assertThat(context.lastHealth().reason()).contains("refused with HTTP 403");
        assertThat(context.increments()).hasSize(8).containsOnly("stream_reconnectsreason,connect_failed");
        assertThat(context.health()).element(1).extracting(DriverHealth::reason).asString()
                .matches("WebSocket upgrade at ws://127.0.0.1:\\d+/connect refused with HTTP 403; next attempt in 1 s"
                        + " \\(attempt 2\\)");
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsAreReportedOnceAndRetriedEveryFiveMinutes(int status) throws Exception {
        // the gateway quotes part of the secret back: it must not reach the log or the health report
        gateway.answerOpen(status, "{\"code\":\"InvalidAuthentication\",\"message\":\"bad clientSecret "
                + SECRET.substring(0, 14) + "\"}");
        start(WAIT);
        timer.runNext(WAIT);
        ManualTimer.Task retry = timer.awaitTask(WAIT);
        assertThat(retry.delay()).isEqualTo(Duration.ofMinutes(5));
        timer.runNext(WAIT);
        assertThat(timer.awaitTask(WAIT).delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(gateway.openCalls()).isEqualTo(2);
        assertThat(context.increments()).containsExactly("stream_reconnectsreason,credentials_refused",
                "stream_reconnectsreason,credentials_refused");

        List<DriverHealth> failed = context.health().stream()
                .filter(h -> h.state() == DriverHealth.State.FAILED).toList();
        assertThat(failed).as("reported (and so logged by the bridge) once").hasSize(1);
        assertThat(failed.get(0).reason()).contains("answered HTTP " + status, "InvalidAuthentication",
                "check app_key and app_secret", "trying again every 300 s");
        DriverHealth health = context.lastHealth();
        assertThat(health.state()).isEqualTo(DriverHealth.State.FAILED);
        assertThat(String.join("\n", logs.lines()) + health.reason()).doesNotContain(SECRET.substring(0, 14))
                .doesNotContain(SECRET.substring(4, 12));
    }

    @Test
    void aServerErrorOnTheOpenCallIsRetriedWithTheNormalBackoff() throws Exception {
        gateway.answerOpen(500, "{\"code\":\"ServiceUnavailable\",\"message\":\"try later\"}");
        start(WAIT);
        timer.runNext(WAIT);
        assertThat(timer.awaitTask(WAIT).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(context.lastHealth().state()).isEqualTo(DriverHealth.State.RECONNECTING);
        assertThat(context.lastHealth().reason()).contains("answered HTTP 500: {\"code\":\"ServiceUnavailable\"");
        assertThat(logs.at(Level.ERROR)).isEmpty();
    }

    @Test
    void anOpenCallAnsweringGarbageIsRetried() throws Exception {
        gateway.answerOpen(FakeGateway.Open.GARBAGE);
        start(WAIT);
        timer.runNext(WAIT);
        assertThat(timer.awaitTask(WAIT).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(context.lastHealth().reason()).endsWith("answered HTTP 200 without an endpoint and a ticket: "
                + "<html>gateway</html>; next attempt in 1 s (attempt 2)");
    }

    @Test
    void anOpenCallThatNeverAnswersTimesOutAndIsRetried() throws Exception {
        gateway.answerOpen(FakeGateway.Open.NEVER);
        start(Duration.ofMillis(300));
        timer.runNext(WAIT);
        assertThat(timer.awaitTask(WAIT).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(context.lastHealth().reason()).endsWith("did not answer within 0.3 s; next attempt in 1 s"
                + " (attempt 2)");
    }

    @Test
    void aSocketClosedInTheMiddleOfAFrameReconnectsAndPublishesNothing() throws Exception {
        gateway.onConnect(ctx -> new Thread(() -> {
            try {
                Thread.sleep(300);
                FakeGateway.sendHalfAFrame(ctx, Frames.callback("m1", Frames.robotMessage("msg1", "cut off")));
                Thread.sleep(200);
                ctx.session.disconnect();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start());
        start(WAIT);
        timer.runNext(WAIT);
        // the keep-alive (an hour away here) is scheduled too: look for the retry
        ManualTimer.Task retry = timer.awaitTask(t -> t.delay().compareTo(Duration.ofHours(1)) < 0, WAIT);
        assertThat(retry.delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(context.lastHealth().reason()).contains("in the middle of a frame");
        assertThat(context.published()).isEmpty();
    }

    @Test
    void framesThatAreNotJsonAreLoggedOnceAndIgnoredAndTheConnectionStays() throws Exception {
        connect();
        gateway.send("this is not JSON");
        gateway.send("{\"no\": \"type\"}");
        gateway.send(Frames.frame("MYSTERY", "x", "m0", "{}"));
        gateway.send(Frames.callback("m1", Frames.robotMessage("msg1", "still here")));
        gateway.awaitReplies(1, WAIT);

        assertThat(gateway.replies()).containsExactly(Frames.ack("m1"));
        assertThat(context.published()).extracting(m -> m.text()).containsExactly("still here");
        assertThat(client.ignoredFrames()).isEqualTo(3);
        assertThat(logs.at(Level.WARN)).containsExactly(
                "[dt] Stream mode: ignored a frame that is not a JSON object with a type (16 characters); further"
                        + " frames like it are logged at debug level only",
                "[dt] Stream mode: ignored a frame of unknown type MYSTERY; further frames like it are logged at"
                        + " debug level only");
        assertThat(client.connected()).isTrue();
        assertThat(gateway.openCalls()).isEqualTo(1);
    }

    @Test
    void aCallbackWhoseDataIsNotARobotMessageIsRefusedWithCode400() throws Exception {
        connect();
        gateway.send(Frames.callback("m1", "{\"hello\":\"world\"}"));
        gateway.send(Frames.callback("m2", "not json at all"));
        gateway.awaitReplies(2, WAIT);

        assertThat(gateway.replies()).containsExactly(
                "{\"code\":400,\"headers\":{\"contentType\":\"application/json\",\"messageId\":\"m1\"},"
                        + "\"message\":\"data is not a robot message\",\"data\":\"{\\\"response\\\":null}\"}",
                "{\"code\":400,\"headers\":{\"contentType\":\"application/json\",\"messageId\":\"m2\"},"
                        + "\"message\":\"data is not a robot message\",\"data\":\"{\\\"response\\\":null}\"}");
        assertThat(context.published()).isEmpty();
        assertThat(logs.at(Level.WARN)).hasSize(1);
        assertThat(client.connected()).isTrue();
    }

    @Test
    void theSameMessageTwiceIsAcknowledgedTwiceAndRoutedOnce() throws Exception {
        connect();
        String frame = Frames.callback("m1", Frames.robotMessage("msgSame", "once"));
        gateway.send(frame);
        gateway.send(frame);
        gateway.awaitReplies(2, WAIT);

        assertThat(gateway.replies()).containsExactly(Frames.ack("m1"), Frames.ack("m1"));
        assertThat(context.published()).hasSize(1);
    }

    @Test
    void aMessageTheStoreCannotRecordIsAnsweredWithCode500AndNotOk() throws Exception {
        connect();
        context.failPublishes(true);
        gateway.send(Frames.callback("m1", Frames.robotMessage("msgFail", "lost?")));
        gateway.awaitReplies(1, WAIT);
        assertThat(gateway.replies()).containsExactly("{\"code\":500,\"headers\":{\"contentType\":"
                + "\"application/json\",\"messageId\":\"m1\"},\"message\":\"bridge could not record the message\","
                + "\"data\":\"{\\\"response\\\":null}\"}");
        assertThat(logs.at(Level.WARN)).anyMatch(l -> l.startsWith("[dt] could not record robot message "
                + "msgId=msgFail"));

        // DingTalk pushes it again: now it is recorded and acknowledged
        context.failPublishes(false);
        gateway.send(Frames.callback("m1", Frames.robotMessage("msgFail", "lost?")));
        gateway.awaitReplies(2, WAIT);
        assertThat(gateway.replies().get(1)).isEqualTo(Frames.ack("m1"));
        assertThat(context.published()).extracting(m -> m.text()).containsExactly("lost?");
    }

    @Test
    void aSystemPingIsEchoedWithItsHeadersAndData() throws Exception {
        connect();
        String ping = Frames.frame("SYSTEM", "ping", "p1", "{\"opaque\":\"abc\"}");
        gateway.send(ping);
        gateway.awaitReplies(1, WAIT);
        JsonNode sent = JSON.readTree(ping);
        assertThat(gateway.replies()).containsExactly("{\"code\":200,\"headers\":" + sent.get("headers")
                + ",\"message\":\"OK\",\"data\":\"{\\\"opaque\\\":\\\"abc\\\"}\"}");
    }

    @Test
    void aConnectionThatAnswersNoPingIsDeclaredDeadAndReplaced() throws Exception {
        try (SilentWebSocketServer silent = new SilentWebSocketServer()) {
            gateway.endpoint(silent.endpoint());
            StreamSettings settings = StreamSettings.of(gateway.endpoint(), "dingkey", SECRET)
                    .withTimings(WAIT, Duration.ofSeconds(20), Duration.ofSeconds(10));
            client = new StreamClient(context, settings, timer, HttpClient.newHttpClient(), () -> 0.5);
            client.start();
            timer.runNext(WAIT);
            awaitConnected();

            ManualTimer.Task ping = timer.runNext(WAIT);
            assertThat(ping.delay()).isEqualTo(Duration.ofSeconds(20));
            Thread.sleep(300); // a pong would have arrived on loopback by now
            ManualTimer.Task check = timer.awaitTask(t -> t.delay().equals(Duration.ofSeconds(10)), WAIT);
            timer.run(check);

            ManualTimer.Task retry = timer.awaitTask(t -> t.delay().equals(Duration.ofSeconds(1)), WAIT);
            assertThat(retry).isNotNull();
            assertThat(client.connected()).isFalse();
            assertThat(context.lastHealth().reason()).isEqualTo("connection 1 answered no WebSocket ping within"
                    + " 10 s (connection dead); next attempt in 1 s (attempt 2)");
            assertThat(context.increments()).containsExactly("stream_reconnectsreason,connection_lost");
        }
    }

    @Test
    void eventFramesAreIgnoredWithoutAnAnswer() throws Exception {
        connect();
        gateway.send(Frames.frame("EVENT", "chat_update_title", "e1", "{}"));
        gateway.send(Frames.callback("m1", Frames.robotMessage("msg1", "after the event")));
        gateway.awaitReplies(1, WAIT);
        assertThat(gateway.replies()).containsExactly(Frames.ack("m1"));
        assertThat(client.ignoredFrames()).isEqualTo(1);
    }
}
