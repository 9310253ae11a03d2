package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatbridge.dingtalk.protocol.DingTalkSignature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for DingTalk, so the bridge can be tried and tested without a DingTalk account.
 *
 * <p>It serves, on one port:
 * <ul>
 *   <li>the OpenAPI calls the DingTalk driver makes (protocol §2–§3): {@code POST /v1.0/oauth2/accessToken},
 *       {@code POST /v1.0/robot/groupMessages/send}, {@code POST /v1.0/robot/oToMessages/batchSend}, with DingTalk's
 *       shapes and error codes;</li>
 *   <li>custom-robot webhooks (§5): {@code POST /robot/send?access_token=…[&timestamp=…&sign=…]}, and the
 *       {@code sessionWebhook} of each callback: {@code POST /robot/sendBySession?session=…};</li>
 *   <li>a page at {@code /} showing every group and direct conversation, where a person types messages as a group
 *       member; those reach the bridge as signed HTTP-mode callbacks (§1), see
 *       {@link #postAsMember(String, String, String)};</li>
 *   <li>the page's JSON API: {@code GET /sandbox/api/state[?since=version]} and
 *       {@code POST /sandbox/api/groups/{openConversationId}/messages {"senderNick","text"}};</li>
 *   <li>the Stream-mode gateway (protocol §6, {@link StreamGateway}): the open call and {@code ws://…/connect};
 *       with {@link #useStreamMode()} members' messages are pushed over it instead of POSTed, and the page shows
 *       whether the bridge is connected, with controls to send {@code disconnect} or drop the socket
 *       ({@code POST /sandbox/api/stream/disconnect|drop});</li>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"ok"}} once started, like every port of the bridge.</li>
 * </ul>
 *
 * <p>Point the driver's API base URL at {@link #baseUrl()} and its callback URL setting at the bridge, as given in
 * {@link SandboxSettings#callbackUrl()}. Everything is kept in memory. Secrets and tokens are never logged.
 */
public final class DingTalkSandbox implements AutoCloseable {

    static final Duration TOKEN_LIFETIME = Duration.ofSeconds(7200);
    static final Duration SIGNATURE_WINDOW = Duration.ofHours(1);
    static final Duration SESSION_LIFETIME = Duration.ofMinutes(90);
    static final int MAX_BATCH_USERS = 20;
    /** App robots' msgParam limit as users report it (about 15,000 bytes; not in DingTalk's documentation). */
    static final int MAX_MSG_PARAM_BYTES = 15_000;
    /** Custom robots refuse bodies over 20,000 bytes with errcode 460101 (reported by users). */
    static final int MAX_WEBHOOK_BODY_BYTES = 20_000;
    static final String TOKEN_HEADER = "x-acs-dingtalk-access-token";

    /** Why nothing typed in a custom-robot-only group reaches the bridge. */
    static final String NO_APP_ROBOT = "only custom robots are in this group, and a custom robot cannot receive"
            + " messages in DingTalk (it only posts): nothing typed here reaches the bridge";

    private static final Logger LOG = LoggerFactory.getLogger(DingTalkSandbox.class);
    private static final String WEB = "/io/chatbridge/dingtalk/sandbox/web/";
    private static final Map<String, String> WEB_FILES = Map.of(
            "sandbox.js", "text/javascript; charset=utf-8",
            "sandbox.css", "text/css; charset=utf-8");

    private final SandboxSettings settings;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, SandboxSettings.Group> groups = new LinkedHashMap<>();
    private final Map<String, SandboxSettings.Webhook> webhooksByToken = new HashMap<>();
    private final ConversationStore store;
    private final Map<String, IssuedToken> tokensByAppKey = new HashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final MemberCallbacks callbacks;
    private final SandboxMedia media;
    private final StreamGateway stream;
    private final SandboxMentions mentions = new SandboxMentions();
    private volatile boolean streamMode;
    private volatile String bridgeInstance;
    private Javalin app;

    public DingTalkSandbox(SandboxSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** @param clock decides token expiry, the webhook signature window and message times (tests pass a fake) */
    public DingTalkSandbox(SandboxSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        settings.groups().forEach(group -> groups.put(group.openConversationId(), group));
        settings.webhooks().forEach(webhook -> webhooksByToken.put(webhook.accessToken(), webhook));
        this.store = new ConversationStore(groups.keySet());
        this.media = new SandboxMedia(clock, random);
        this.stream = new StreamGateway(settings, clock, json, this::baseUrl);
        this.callbacks = new MemberCallbacks(settings.callbackUrl(), settings.signingSecret(), robotName());
    }

    /**
     * Marks this sandbox as run inside the bridge by DingTalk instance {@code instanceId} ({@code "sandbox": true}),
     * so the page can tell that the bridge stopped when the sandbox stops answering. Call before {@link #start}.
     */
    public DingTalkSandbox embeddedIn(String instanceId) {
        this.bridgeInstance = instanceId;
        return this;
    }

    /** Opens the port. Call once. */
    public synchronized DingTalkSandbox start() {
        if (app != null) {
            throw new IllegalStateException("the sandbox is already started");
        }
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1.0/oauth2/accessToken", ctx -> openApi(ctx, this::accessToken));
            config.routes.post("/v1.0/robot/groupMessages/send", ctx -> openApi(ctx, this::groupSend));
            config.routes.post("/v1.0/robot/oToMessages/batchSend", ctx -> openApi(ctx, this::batchSend));
            config.routes.post("/v1.0/robot/messageFiles/download", ctx -> openApi(ctx, this::fileDownload));
            config.routes.post("/v1.0/robot/groupMessages/recall", ctx -> openApi(ctx, this::groupRecall));
            config.routes.post("/v1.0/robot/otoMessages/batchRecall", ctx -> openApi(ctx, this::otoRecall));
            config.routes.get("/sandbox/files/{code}", this::downloadFile);
            config.routes.get("/sandbox/view/{code}", this::viewMemberFile);
            config.routes.post("/media/upload", this::mediaUpload);
            config.routes.get("/sandbox/media/{id}", this::viewUpload);
            config.routes.post("/robot/send", ctx -> webhook(ctx, this::webhookSend));
            config.routes.post("/robot/sendBySession", ctx -> webhook(ctx, this::sessionSend));
            // like every port the bridge opens: 200 once serving, for probes and scripts waiting for the sandbox
            config.routes.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
            config.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("index.html")));
            config.routes.get("/sandbox/web/{file}", this::webFile);
            config.routes.get("/sandbox/api/state", this::state);
            config.routes.post("/sandbox/api/groups/{id}/messages", this::memberMessage);
            config.routes.post("/sandbox/api/directs/messages", this::directMessage);
            // Stream mode (protocol §6): the gateway, and the page's controls for it
            stream.routes(config.routes);
            config.routes.post("/sandbox/api/stream/disconnect", ctx -> ok(ctx, json.createObjectNode()
                    .put("told", stream.disconnect(StreamGateway.DISCONNECT_GRACE))));
            config.routes.post("/sandbox/api/stream/drop", ctx -> ok(ctx, json.createObjectNode()
                    .put("dropped", stream.drop())));
        }).start(settings.host(), settings.port());
        LOG.info("DingTalk sandbox listening on {} with {} group(s), {} webhook(s), {}", baseUrl(),
                groups.size(), webhooksByToken.size(), settings.callbackUrl() == null
                        ? "no callback URL (members' messages are not delivered as callbacks)"
                        : "callbacks to " + settings.callbackUrl());
        return this;
    }

    /** Stops serving and delivering. */
    public synchronized void stop() {
        callbacks.close();
        stream.close();
        if (app != null) {
            app.stop();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The port listened on (the chosen one when the settings said 0). */
    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("the sandbox is not started");
        }
        return app.port();
    }

    /** {@code http://host:port}: the driver's API base URL, and the page. */
    public String baseUrl() {
        String host = settings.host();
        if ("0.0.0.0".equals(host) || "::".equals(host)) {
            host = "127.0.0.1";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port();
    }

    /** The URL of custom robot {@code name}: {@code http://host:port/robot/send?access_token=…} (unsigned). */
    public String webhookUrl(String name) {
        SandboxSettings.Webhook webhook = settings.webhooks().stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no sandbox webhook named " + name));
        return baseUrl() + "/robot/send?access_token=" + URLEncoder.encode(webhook.accessToken(), StandardCharsets.UTF_8);
    }

    public SandboxSettings settings() {
        return settings;
    }

    /**
     * Delivers members' messages over the Stream gateway (to a bridge with {@code receive_mode: "stream"}) instead
     * of POSTing them to the callback URL. Messages typed while no bridge is connected wait for one.
     */
    public DingTalkSandbox useStreamMode() {
        streamMode = true;
        return this;
    }

    /** Whether members' messages go over the Stream gateway. */
    public boolean streamMode() {
        return streamMode;
    }

    /** The Stream-mode gateway: its connections, and controls to disconnect or drop them. */
    public StreamGateway streamGateway() {
        return stream;
    }

    /** The messages of group {@code openConversationId}, oldest first. */
    public List<SandboxMessage> conversation(String openConversationId) {
        return store.group(openConversationId);
    }

    /** The one-to-one messages sent to {@code userId} with {@code oToMessages/batchSend}, oldest first. */
    public List<SandboxMessage> directMessages(String userId) {
        return store.direct(userId);
    }

    /** How many times {@code /v1.0/oauth2/accessToken} was called, successful or not. */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** Waits for a message in group {@code openConversationId} matching {@code predicate}, including earlier ones. */
    public SandboxMessage awaitMessage(String openConversationId, Predicate<SandboxMessage> predicate, Duration timeout)
            throws TimeoutException, InterruptedException {
        store.group(openConversationId); // fails fast on an unknown group
        return store.await(openConversationId, true, predicate, timeout);
    }

    /** Waits for a one-to-one message to {@code userId} matching {@code predicate}, including earlier ones. */
    public SandboxMessage awaitDirectMessage(String userId, Predicate<SandboxMessage> predicate, Duration timeout)
            throws TimeoutException, InterruptedException {
        return store.await(userId, false, predicate, timeout);
    }

    /**
     * Acts as group member {@code senderNick} who @-mentions the robot with {@code text}: records the message in the
     * group and delivers it to the bridge's callback URL in the background. The returned message is
     * {@link SandboxMessage.Delivery.State#PENDING}; the stored one is replaced when delivery finished (see
     * {@link #awaitMessage}).
     */
    public SandboxMessage postAsMember(String openConversationId, String senderNick, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("text is required");
        }
        return postMember(openConversationId, senderNick, MessageContent.text(text), body -> {
        }, text);
    }

    private SandboxMessage postMember(String openConversationId, String senderNick, MessageContent shown,
            java.util.function.Consumer<ObjectNode> shape) {
        return postMember(openConversationId, senderNick, shown, shape, shown.text() == null ? "" : shown.text());
    }

    /** Records a member's message and delivers its callback ({@code shape} turns the text body into its type). */
    private SandboxMessage postMember(String openConversationId, String senderNick, MessageContent shown,
            java.util.function.Consumer<ObjectNode> shape, String text) {
        SandboxSettings.Group group = groups.get(openConversationId);
        if (group == null) {
            throw new IllegalArgumentException("no sandbox group " + openConversationId);
        }
        if (!group.appRobot()) {
            throw new IllegalArgumentException(NO_APP_ROBOT);
        }
        String nick = senderNick == null || senderNick.isBlank() ? "Sandbox user" : senderNick.strip();
        long now = clock.millis();
        String msgId = "msg" + randomId(18);
        String session = randomId(24);
        long sessionExpires = now + SESSION_LIFETIME.toMillis();
        sessions.put(session, new Session(openConversationId, null, sessionExpires));
        ObjectNode body = callbacks.body(group, msgId, nick, text, now,
                baseUrl() + "/robot/sendBySession?session=" + session, sessionExpires);
        shape.accept(body);
        mentions.member(nick);
        if ("text".equals(body.path("msgtype").asText())) {
            // "@Bob" in a member's text mentions the member Bob, as picking him from DingTalk's list does
            mentions.addToCallback(body, text);
        }
        SandboxMessage message = new SandboxMessage(msgId, now, SandboxMessage.VIA_MEMBER, nick,
                shown, SandboxMessage.Delivery.pending());
        store.addToGroup(openConversationId, message);
        (streamMode ? stream.push(body) : callbacks.deliver(body, now)).thenAccept(delivery -> {
            if (delivery.state() == SandboxMessage.Delivery.State.FAILED) {
                LOG.warn("message {} in {} was not delivered to the bridge: {}", msgId, openConversationId,
                        delivery.detail());
            }
            store.replaceInGroup(openConversationId, message.withDelivery(delivery));
        });
        return message;
    }

    /** The small built-in picture members post from the page (a 16×16 PNG). */
    public static byte[] samplePicture() {
        return SandboxMedia.SAMPLE_PNG.clone();
    }

    /** One part of a member's rich text message: text or a picture. */
    public record Part(String text, byte[] picture) {
        public static Part text(String text) {
            return new Part(text, null);
        }

        /** A picture; {@code null} bytes mean the sandbox's small built-in image. */
        public static Part picture(byte[] png) {
            return new Part(null, png == null ? SandboxMedia.SAMPLE_PNG : png);
        }
    }

    /**
     * Acts as group member {@code senderNick} who @-mentions the robot with a picture ({@code null}: the built-in
     * image): a {@code picture} callback carrying a {@code downloadCode} the robot resolves with
     * {@code messageFiles/download}.
     */
    public SandboxMessage postPictureAsMember(String openConversationId, String senderNick, byte[] png) {
        return postRichTextAsMember(openConversationId, senderNick, List.of(Part.picture(png)));
    }

    /**
     * Acts as a member posting rich text: text and pictures in order ({@code richText} callback), or a lone picture
     * ({@code picture} callback).
     */
    public SandboxMessage postRichTextAsMember(String openConversationId, String senderNick, List<Part> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a rich text message needs at least one part");
        }
        ArrayNode richText = json.createArrayNode();
        StringBuilder shown = new StringBuilder();
        String lastCode = null;
        for (Part part : parts) {
            if (!shown.isEmpty()) {
                shown.append("\n\n");
            }
            if (part.picture() != null) {
                lastCode = media.addMemberFile(new SandboxMedia.File("image.png", "image/png", part.picture()));
                richText.addObject().put("type", "picture").put("downloadCode", lastCode)
                        .put("pictureDownloadCode", lastCode);
                shown.append("![image](").append(baseUrl()).append("/sandbox/view/").append(lastCode).append(')');
            } else {
                richText.addObject().put("text", part.text());
                shown.append(part.text());
            }
        }
        boolean lonePicture = parts.size() == 1 && parts.get(0).picture() != null;
        String code = lastCode;
        MessageContent content = lonePicture
                ? new MessageContent("image", null, null, baseUrl() + "/sandbox/view/" + code, null, null, List.of(),
                        List.of(), List.of(), List.of(), false, Map.of())
                : new MessageContent("markdown", "rich text", shown.toString(), null, null, null, List.of(),
                        List.of(), List.of(), List.of(), false, Map.of());
        return postMember(openConversationId, senderNick, content, body -> {
            body.remove("text");
            if (lonePicture) {
                body.put("msgtype", "picture");
                body.putObject("content").put("downloadCode", code).put("pictureDownloadCode", code);
            } else {
                body.put("msgtype", "richText");
                body.putObject("content").set("richText", richText);
            }
        });
    }

    /**
     * Acts as a member who quotes message {@code quotedId} of the group (DingTalk's "reply") with {@code text}: a
     * text callback with {@code isReplyMsg} and {@code repliedMsg} as seen in practice (protocol §7).
     */
    public SandboxMessage replyAsMember(String openConversationId, String senderNick, String text, String quotedId) {
        SandboxMessage quoted = store.group(openConversationId).stream().filter(m -> m.id().equals(quotedId))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no message " + quotedId + " in "
                        + openConversationId));
        String quotedText = quoted.content().text() != null ? quoted.content().text()
                : "[" + quoted.content().type() + "]";
        MessageContent content = new MessageContent("markdown", "reply", "> " + quoted.sender() + ": "
                + quotedText.replace("\n", " ") + "\n\n" + text, null, null, null, List.of(), List.of(), List.of(),
                List.of(), false, Map.of());
        return postMember(openConversationId, senderNick, content, body -> {
            ObjectNode textNode = (ObjectNode) body.get("text");
            textNode.put("isReplyMsg", true);
            ObjectNode replied = textNode.putObject("repliedMsg");
            replied.put("msgType", "image".equals(quoted.content().type()) ? "picture" : "text");
            replied.put("msgId", quoted.id());
            replied.put("senderNick", quoted.sender());
            replied.put("senderId", MemberCallbacks.opaqueId("user:" + quoted.sender()));
            if (quoted.content().text() != null) {
                replied.putObject("content").put("content", quoted.content().text());
            } else {
                replied.putObject("content").put("originalMsgId", quoted.id());
            }
        }, text);
    }

    // ---- one-to-one chats with the robot (where DingTalk delivers files, voice and video) ----

    /** The staff id the sandbox gives member {@code senderNick} ("Alice Smith" → {@code alicesmith}). */
    public static String staffIdOf(String senderNick) {
        return MemberCallbacks.staffId(senderNick == null || senderNick.isBlank() ? "Sandbox user" : senderNick.strip());
    }

    /**
     * The {@code conversationId} of the one-to-one chat between user {@code userId} and the robot, as its callbacks
     * carry it (a rule's {@code open_conversation_id} for messages from that chat); stable for a user id.
     */
    public static String directConversationId(String userId) {
        return MemberCallbacks.directConversationId(userId);
    }

    /** Whether {@code conversationId} names a sandbox one-to-one chat ({@link #directConversationId}), not a group. */
    public static boolean isDirectConversationId(String conversationId) {
        return conversationId != null && conversationId.startsWith(MemberCallbacks.DIRECT_PREFIX);
    }

    /** The built-in voice message (1 s WAV) members send from the page. */
    public static byte[] sampleVoice() {
        return SandboxMedia.SAMPLE_VOICE.clone();
    }

    /** The built-in video members send from the page (an MP4 header only: named and typed as a video, not playable). */
    public static byte[] sampleVideo() {
        return SandboxMedia.SAMPLE_VIDEO.clone();
    }

    /**
     * Acts as member {@code senderNick} writing {@code text} to the robot in their one-to-one chat
     * ({@code conversationType} 1); shown in {@link #directMessages} of {@link #staffIdOf the member's staff id}.
     */
    public SandboxMessage postDirectAsMember(String senderNick, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("text is required");
        }
        return postDirect(senderNick, MessageContent.text(text), body -> {
        }, text);
    }

    /**
     * Acts as member {@code senderNick} sending a file to the robot in their one-to-one chat: a {@code file}
     * callback with {@code content {downloadCode, fileName}}, the bytes served by {@code messageFiles/download}.
     */
    public SandboxMessage postFileAsDirectMember(String senderNick, String fileName, String mime, byte[] bytes) {
        if (fileName == null || fileName.isBlank()) {
            throw new IllegalArgumentException("a file name is required");
        }
        String type = mime == null || mime.isBlank() ? "application/octet-stream" : mime;
        String code = media.addMemberFile(new SandboxMedia.File(fileName, type, bytes));
        MessageContent shown = memberMedia("file", Map.of("fileName", fileName, "size", Long.toString(bytes.length),
                "url", baseUrl() + "/sandbox/view/" + code));
        return postDirect(senderNick, shown, body -> {
            body.remove("text");
            body.put("msgtype", "file");
            body.putObject("content").put("downloadCode", code).put("fileName", fileName)
                    .put("fileId", "sbxfile" + randomId(9)).put("spaceId", "sbxspace");
        }, "");
    }

    /**
     * Acts as member {@code senderNick} sending a voice message ({@code null} bytes: the built-in 1 s WAV) in their
     * one-to-one chat: an {@code audio} callback with {@code content {downloadCode, duration, recognition}}.
     *
     * @param durationMillis {@code content.duration}; -1 leaves it out
     * @param recognition DingTalk's speech-to-text of it, or {@code null}
     */
    public SandboxMessage postVoiceAsDirectMember(String senderNick, byte[] bytes, String mime, long durationMillis,
            String recognition) {
        byte[] voice = bytes == null ? SandboxMedia.SAMPLE_VOICE : bytes;
        String code = media.addMemberFile(new SandboxMedia.File("voice", mime == null ? "audio/wav" : mime, voice));
        long duration = bytes == null && durationMillis < 0 ? SandboxMedia.SAMPLE_VOICE_MILLIS : durationMillis;
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("url", baseUrl() + "/sandbox/view/" + code);
        shown.put("size", Long.toString(voice.length));
        if (duration >= 0) {
            shown.put("duration", Long.toString(duration));
        }
        if (recognition != null) {
            shown.put("recognition", recognition);
        }
        return postDirect(senderNick, memberMedia("audio", shown), body -> {
            body.remove("text");
            body.put("msgtype", "audio");
            ObjectNode content = body.putObject("content").put("downloadCode", code);
            if (duration >= 0) {
                content.put("duration", duration);
            }
            if (recognition != null) {
                content.put("recognition", recognition);
            }
        }, recognition == null ? "" : recognition);
    }

    /**
     * Acts as member {@code senderNick} sending a video ({@code null} bytes: the built-in sample) in their one-to-one
     * chat: a {@code video} callback with {@code content {downloadCode, duration, videoType: "mp4"}}.
     */
    public SandboxMessage postVideoAsDirectMember(String senderNick, byte[] bytes, long durationMillis) {
        byte[] video = bytes == null ? SandboxMedia.SAMPLE_VIDEO : bytes;
        String code = media.addMemberFile(new SandboxMedia.File("video.mp4", "video/mp4", video));
        long duration = durationMillis < 0 ? 3_000 : durationMillis;
        MessageContent shown = memberMedia("video", Map.of("url", baseUrl() + "/sandbox/view/" + code,
                "size", Long.toString(video.length), "duration", Long.toString(duration), "videoType", "mp4"));
        return postDirect(senderNick, shown, body -> {
            body.remove("text");
            body.put("msgtype", "video");
            body.putObject("content").put("downloadCode", code).put("duration", duration).put("videoType", "mp4");
        }, "");
    }

    private static MessageContent memberMedia(String type, Map<String, String> media) {
        return new MessageContent(type, null, null, null, null, null, List.of(), List.of(), List.of(), List.of(),
                false, media);
    }

    /** Records a member's one-to-one message and delivers its callback ({@code shape} turns the text body). */
    private SandboxMessage postDirect(String senderNick, MessageContent shown,
            java.util.function.Consumer<ObjectNode> shape, String text) {
        String nick = senderNick == null || senderNick.isBlank() ? "Sandbox user" : senderNick.strip();
        String userId = MemberCallbacks.staffId(nick);
        long now = clock.millis();
        String msgId = "msg" + randomId(18);
        String session = randomId(24);
        long sessionExpires = now + SESSION_LIFETIME.toMillis();
        sessions.put(session, new Session(null, userId, sessionExpires));
        ObjectNode body = callbacks.directBody(directConversationId(userId), msgId, nick, text, now,
                baseUrl() + "/robot/sendBySession?session=" + session, sessionExpires);
        shape.accept(body);
        SandboxMessage message = new SandboxMessage(msgId, now, SandboxMessage.VIA_MEMBER, nick, shown,
                SandboxMessage.Delivery.pending());
        store.addDirect(userId, message);
        (streamMode ? stream.push(body) : callbacks.deliver(body, now)).thenAccept(delivery -> {
            if (delivery.state() == SandboxMessage.Delivery.State.FAILED) {
                LOG.warn("one-to-one message {} of {} was not delivered to the bridge: {}", msgId, userId,
                        delivery.detail());
            }
            store.replaceDirect(userId, message.withDelivery(delivery));
        });
        return message;
    }

    // ---- OpenAPI (protocol §2–§3) ----

    private void accessToken(Context ctx) throws OpenApiError {
        tokenRequests.incrementAndGet();
        JsonNode body = openApiBody(ctx);
        String appKey = body.path("appKey").asText("");
        String appSecret = body.path("appSecret").asText("");
        boolean keyOk = settings.appKey() == null ? !appKey.isEmpty() : settings.appKey().equals(appKey);
        boolean secretOk = settings.appSecret() == null ? !appSecret.isEmpty() : settings.appSecret().equals(appSecret);
        if (!keyOk || !secretOk) {
            throw new OpenApiError(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret (invalid appKey or appSecret)");
        }
        long now = clock.millis();
        IssuedToken token;
        synchronized (tokensByAppKey) {
            token = tokensByAppKey.get(appKey);
            if (token == null || token.expiresAt() <= now) {
                token = new IssuedToken(randomId(32), now + TOKEN_LIFETIME.toMillis());
                tokensByAppKey.put(appKey, token);
            }
        }
        ObjectNode answer = json.createObjectNode();
        answer.put("accessToken", token.token());
        answer.put("expireIn", Math.max(1, (token.expiresAt() - now) / 1000));
        ok(ctx, answer);
    }

    private void groupSend(Context ctx) throws OpenApiError {
        requireToken(ctx);
        JsonNode body = openApiBody(ctx);
        requireRobotCode(body);
        String openConversationId = body.path("openConversationId").asText("");
        if (openConversationId.isEmpty()) {
            throw OpenApiError.invalidParameter("openConversationId", "openConversationId is required");
        }
        if (!groups.containsKey(openConversationId)) {
            throw new OpenApiError(400, "invalid.openConversationId",
                    "openConversationId " + openConversationId + " is not a group of this robot");
        }
        MessageContent content = withMediaShown(MsgKeyCatalog.read(text(body, "msgKey"), msgParam(body)));
        String processQueryKey = randomId(32);
        // with any robot code accepted, show which robot sent it
        String sender = settings.robotCode() == null && text(body, "robotCode") != null ? text(body, "robotCode")
                : robotName();
        store.addToGroup(openConversationId, new SandboxMessage(processQueryKey, clock.millis(),
                SandboxMessage.VIA_OPENAPI, sender, content, null));
        ok(ctx, json.createObjectNode().put("processQueryKey", processQueryKey));
    }

    private void batchSend(Context ctx) throws OpenApiError {
        requireToken(ctx);
        JsonNode body = openApiBody(ctx);
        requireRobotCode(body);
        JsonNode userIds = body.path("userIds");
        if (!userIds.isArray() || userIds.isEmpty()) {
            throw OpenApiError.invalidParameter("userIds", "userIds is required");
        }
        if (userIds.size() > MAX_BATCH_USERS) {
            throw OpenApiError.invalidParameter("userIds",
                    "userIds holds " + userIds.size() + " ids; at most " + MAX_BATCH_USERS + " are allowed per call");
        }
        MessageContent content = withMediaShown(MsgKeyCatalog.read(text(body, "msgKey"), msgParam(body)));
        String processQueryKey = randomId(32);
        long now = clock.millis();
        for (JsonNode userId : userIds) {
            store.addDirect(userId.asText(), new SandboxMessage(processQueryKey, now, SandboxMessage.VIA_OPENAPI,
                    robotName(), content, null));
        }
        ObjectNode answer = json.createObjectNode().put("processQueryKey", processQueryKey);
        answer.putArray("invalidStaffIdList");
        answer.putArray("flowControlledStaffIdList");
        ok(ctx, answer);
    }

    /**
     * {@code POST /v1.0/robot/groupMessages/recall {openConversationId, robotCode, processQueryKeys}} →
     * {@code {successResult: [...], failedResult: {key: reason}}} (protocol §8); the page shows "message recalled".
     */
    private void groupRecall(Context ctx) throws OpenApiError {
        requireToken(ctx);
        JsonNode body = openApiBody(ctx);
        requireRobotCode(body);
        String openConversationId = text(body, "openConversationId");
        if (openConversationId == null || !groups.containsKey(openConversationId)) {
            throw new OpenApiError(400, "invalid.openConversationId",
                    "openConversationId " + openConversationId + " is not a group of this robot");
        }
        recallAnswer(ctx, processQueryKeys(body), store.recall(openConversationId, processQueryKeys(body)));
    }

    /** {@code POST /v1.0/robot/otoMessages/batchRecall {robotCode, processQueryKeys}} (at most 20 keys). */
    private void otoRecall(Context ctx) throws OpenApiError {
        requireToken(ctx);
        JsonNode body = openApiBody(ctx);
        requireRobotCode(body);
        List<String> keys = processQueryKeys(body);
        if (keys.size() > MAX_BATCH_USERS) {
            throw OpenApiError.invalidParameter("processQueryKeys", "at most " + MAX_BATCH_USERS + " keys per call");
        }
        recallAnswer(ctx, keys, store.recall(null, keys));
    }

    private static List<String> processQueryKeys(JsonNode body) throws OpenApiError {
        JsonNode keys = body.path("processQueryKeys");
        if (!keys.isArray() || keys.isEmpty()) {
            throw OpenApiError.invalidParameter("processQueryKeys", "processQueryKeys is required");
        }
        List<String> out = new java.util.ArrayList<>();
        keys.forEach(k -> out.add(k.asText()));
        return out;
    }

    private void recallAnswer(Context ctx, List<String> asked, java.util.Set<String> recalled) {
        ObjectNode answer = json.createObjectNode();
        ArrayNode success = answer.putArray("successResult");
        ObjectNode failed = answer.putObject("failedResult");
        for (String key : asked) {
            if (recalled.contains(key)) {
                success.add(key);
            } else {
                failed.put(key, "message not found");
            }
        }
        ok(ctx, answer);
    }

    /** {@code POST /v1.0/robot/messageFiles/download {downloadCode, robotCode}} → {@code {downloadUrl}}. */
    private void fileDownload(Context ctx) throws OpenApiError {
        requireToken(ctx);
        JsonNode body = openApiBody(ctx);
        requireRobotCode(body);
        String code = text(body, "downloadCode");
        if (code == null) {
            throw OpenApiError.invalidParameter("downloadCode", "downloadCode is required");
        }
        if (!media.knowsDownloadCode(code)) {
            throw new OpenApiError(400, "invalidParameter.downloadCode", "downloadCode is invalid or expired");
        }
        ok(ctx, json.createObjectNode().put("downloadUrl", baseUrl() + media.downloadPath(code)));
    }

    /** A download URL: the bytes while it is valid, else 403/404 with an OSS-style XML error, as DingTalk's are. */
    private void downloadFile(Context ctx) {
        Object found = media.download(ctx.pathParam("code"), ctx.queryParam("expires"), ctx.queryParam("signature"));
        if (found instanceof SandboxMedia.File file) {
            // as OSS does: the length up front, so a too large file is known before its bytes are read
            ctx.header("Content-Length", Integer.toString(file.bytes().length));
            ctx.contentType(file.mime()).result(file.bytes());
            return;
        }
        String code = String.valueOf(found);
        ctx.status(code.equals("NoSuchKey") ? 404 : 403).contentType("application/xml")
                .result("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code.split(":")[0]
                        + "</Code><Message>" + code + "</Message></Error>");
    }

    /** The page's own view of a member's file (does not expire; not part of DingTalk's API). */
    private void viewMemberFile(Context ctx) {
        String code = ctx.pathParam("code");
        SandboxMedia.File file = media.memberFile(code);
        if (file == null) {
            ctx.status(404).result("not found");
            return;
        }
        ctx.contentType(file.mime()).result(file.bytes());
    }

    /**
     * {@code POST /media/upload?access_token=…&type=image|voice|video|file}, multipart field {@code media} (the
     * legacy API, protocol §8) → {@code {errcode: 0, errmsg: "ok", type, media_id, created_at}}.
     */
    private void mediaUpload(Context ctx) {
        ObjectNode answer = json.createObjectNode();
        String token = ctx.queryParam("access_token");
        if (!tokenValid(token)) {
            ok(ctx, answer.put("errcode", 40014).put("errmsg", "不合法的access_token (invalid access_token)"));
            return;
        }
        String type = ctx.queryParam("type");
        if (type == null || !List.of("image", "voice", "video", "file").contains(type)) {
            ok(ctx, answer.put("errcode", 40004).put("errmsg", "不合法的媒体文件类型 (invalid media type: " + type + ")"));
            return;
        }
        io.javalin.http.UploadedFile file = ctx.uploadedFile("media");
        if (file == null) {
            ok(ctx, answer.put("errcode", 41001).put("errmsg", "缺少media参数 (multipart field media is missing)"));
            return;
        }
        byte[] bytes;
        try (InputStream in = file.content()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length == 0 || bytes.length > SandboxMedia.MAX_UPLOAD_BYTES) {
            ok(ctx, answer.put("errcode", 40006).put("errmsg", "不合法的文件大小 (invalid file size: " + bytes.length
                    + " bytes; at most " + SandboxMedia.MAX_UPLOAD_BYTES + ")"));
            return;
        }
        if ("image".equals(type) && !looksLikeImage(bytes)) {
            ok(ctx, answer.put("errcode", 40005).put("errmsg", "不合法的文件类型 (not an image)"));
            return;
        }
        String format = extension(file.filename());
        if ("voice".equals(type) && bytes.length > SandboxMedia.MAX_VOICE_BYTES) {
            ok(ctx, answer.put("errcode", 40006).put("errmsg", "不合法的文件大小 (invalid voice size: " + bytes.length
                    + " bytes; at most " + SandboxMedia.MAX_VOICE_BYTES + ")"));
            return;
        }
        if (("voice".equals(type) && !SandboxMedia.VOICE_FORMATS.contains(format))
                || ("video".equals(type) && !SandboxMedia.VIDEO_FORMATS.contains(format))) {
            ok(ctx, answer.put("errcode", 40005).put("errmsg", "不合法的文件类型 (invalid " + type + " format '" + format
                    + "'; accepted: " + String.join(", ", new java.util.TreeSet<>("voice".equals(type)
                    ? SandboxMedia.VOICE_FORMATS : SandboxMedia.VIDEO_FORMATS)) + ")"));
            return;
        }
        String id = media.addUpload(new SandboxMedia.File(file.filename(),
                file.contentType() == null ? "application/octet-stream" : file.contentType(), bytes));
        ok(ctx, answer.put("errcode", 0).put("errmsg", "ok").put("type", type).put("media_id", id)
                .put("created_at", clock.millis()));
    }

    private static String extension(String fileName) {
        int dot = fileName == null ? -1 : fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean looksLikeImage(byte[] b) {
        return (b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G')
                || (b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8)
                || (b.length > 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F')
                || (b.length > 12 && b[0] == 'R' && b[1] == 'I' && b[8] == 'W' && b[9] == 'E');
    }

    /** An uploaded file, for the page. */
    private void viewUpload(Context ctx) {
        SandboxMedia.File file = media.upload(ctx.pathParam("id"));
        if (file == null) {
            ctx.status(404).result("not found");
            return;
        }
        ctx.contentType(file.mime()).result(file.bytes());
    }

    /** A media id in {@code photoURL} (protocol §8) is shown through the page's view of the upload. */
    private MessageContent withMediaShown(MessageContent content) throws OpenApiError {
        if (List.of("file", "audio", "video").contains(content.type())) {
            return withUploadShown(content);
        }
        if (!"image".equals(content.type()) || content.picUrl() == null || !content.picUrl().startsWith("@")) {
            return content;
        }
        if (media.upload(content.picUrl()) == null) {
            throw OpenApiError.invalidParameter("msgParam", "photoURL names an unknown media id");
        }
        return new MessageContent(content.type(), content.title(), content.text(),
                baseUrl() + "/sandbox/media/" + content.picUrl(), content.messageUrl(), content.btnOrientation(),
                content.buttons(), content.links(), content.atMobiles(), content.atUserIds(), content.atAll(),
                content.media());
    }

    /**
     * {@code sampleFile}, {@code sampleAudio} and {@code sampleVideo} name uploads by media id: an unknown one is
     * refused; a known one is shown with its URL and size ({@code url}, {@code size}; a video's cover as
     * {@code picUrl}).
     */
    private MessageContent withUploadShown(MessageContent content) throws OpenApiError {
        Map<String, String> shown = new LinkedHashMap<>(content.media());
        String idField = "video".equals(content.type()) ? "videoMediaId" : "mediaId";
        SandboxMedia.File upload = media.upload(shown.get(idField));
        if (upload == null) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam." + idField + " names an unknown media id");
        }
        shown.put("url", baseUrl() + "/sandbox/media/" + shown.get(idField));
        shown.put("size", Long.toString(upload.bytes().length));
        if ("video".equals(content.type())) {
            String cover = shown.get("picMediaId");
            if (cover == null || media.upload(cover) == null) {
                throw OpenApiError.invalidParameter("msgParam", "msgParam.picMediaId must name an uploaded picture");
            }
            shown.put("picUrl", baseUrl() + "/sandbox/media/" + cover);
        }
        if ("audio".equals(content.type()) && shown.get("duration") == null) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam.duration is required");
        }
        return new MessageContent(content.type(), content.title(), content.text(), content.picUrl(),
                content.messageUrl(), content.btnOrientation(), content.buttons(), content.links(),
                content.atMobiles(), content.atUserIds(), content.atAll(), shown);
    }

    private boolean tokenValid(String presented) {
        long now = clock.millis();
        synchronized (tokensByAppKey) {
            for (IssuedToken token : tokensByAppKey.values()) {
                if (token.token().equals(presented) && token.expiresAt() > now) {
                    return true;
                }
            }
        }
        return false;
    }

    private void requireToken(Context ctx) throws OpenApiError {
        String presented = ctx.header(TOKEN_HEADER);
        long now = clock.millis();
        synchronized (tokensByAppKey) {
            for (IssuedToken token : tokensByAppKey.values()) {
                if (token.token().equals(presented) && token.expiresAt() > now) {
                    return;
                }
            }
        }
        throw new OpenApiError(400, "InvalidAuthentication",
                presented == null ? "header " + TOKEN_HEADER + " is missing" : "access token is invalid or expired");
    }

    private void requireRobotCode(JsonNode body) throws OpenApiError {
        String robotCode = text(body, "robotCode");
        if (robotCode == null) {
            throw OpenApiError.invalidParameter("robotCode", "robotCode is required");
        }
        if (settings.robotCode() != null && !settings.robotCode().equals(robotCode)) {
            throw OpenApiError.invalidParameter("robotCode", "robot " + robotCode + " does not exist");
        }
    }

    private JsonNode msgParam(JsonNode body) throws OpenApiError {
        JsonNode msgParam = body.get("msgParam");
        if (msgParam == null || !msgParam.isTextual()) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam must be a JSON string, e.g. \"{\\\"content\\\":\\\"hi\\\"}\"");
        }
        int size = msgParam.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (size > MAX_MSG_PARAM_BYTES) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam is " + size + " bytes; at most "
                    + MAX_MSG_PARAM_BYTES + " are allowed");
        }
        try {
            JsonNode param = json.readTree(msgParam.asText());
            if (param == null || !param.isObject()) {
                throw OpenApiError.invalidParameter("msgParam", "msgParam must hold a JSON object");
            }
            return param;
        } catch (JsonProcessingException e) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam is not valid JSON");
        }
    }

    private JsonNode openApiBody(Context ctx) throws OpenApiError {
        try {
            JsonNode body = json.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw OpenApiError.invalidParameter("body", "the request body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw OpenApiError.invalidParameter("body", "the request body is not valid JSON");
        }
    }

    private void openApi(Context ctx, OpenApiHandler handler) throws Exception {
        try {
            handler.handle(ctx);
        } catch (OpenApiError e) {
            ObjectNode answer = json.createObjectNode();
            answer.put("code", e.code);
            answer.put("message", e.getMessage());
            answer.put("requestid", UUID.randomUUID().toString().toUpperCase(java.util.Locale.ROOT));
            ctx.status(e.status).contentType("application/json").result(answer.toString());
        }
    }

    // ---- custom robot webhooks (protocol §5) ----

    private void webhookSend(Context ctx) throws WebhookError {
        SandboxSettings.Webhook webhook = webhooksByToken.get(ctx.queryParam("access_token"));
        if (webhook == null) {
            throw new WebhookError(WebhookError.TOKEN_NOT_EXIST, "token does not exist");
        }
        if (webhook.secret() != null) {
            checkWebhookSignature(webhook.secret(), ctx.queryParam("timestamp"), ctx.queryParam("sign"));
        }
        MessageContent content = WebhookMessageBody.read(webhookBody(ctx));
        store.addToGroup(webhook.openConversationId(), new SandboxMessage("wh" + randomId(18), clock.millis(),
                "webhook:" + webhook.name(), webhook.name(), content, null));
        ok(ctx, json.createObjectNode().put("errcode", 0).put("errmsg", "ok"));
    }

    private void sessionSend(Context ctx) throws WebhookError {
        String id = ctx.queryParam("session");
        Session session = id == null ? null : sessions.get(id);
        if (session == null || session.expiresAt() <= clock.millis()) {
            throw new WebhookError(WebhookError.TOKEN_NOT_EXIST, "session does not exist or has expired");
        }
        MessageContent content = WebhookMessageBody.read(webhookBody(ctx));
        SandboxMessage message = new SandboxMessage("ss" + randomId(18), clock.millis(), SandboxMessage.VIA_SESSION,
                robotName(), content, null);
        if (session.userId() != null) {
            store.addDirect(session.userId(), message);
        } else {
            store.addToGroup(session.openConversationId(), message);
        }
        ok(ctx, json.createObjectNode().put("errcode", 0).put("errmsg", "ok"));
    }

    private void checkWebhookSignature(String secret, String timestamp, String sign) throws WebhookError {
        long ts;
        try {
            ts = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw new WebhookError(WebhookError.SECURITY_CHECK_FAILED, "invalid timestamp");
        }
        if (Math.abs(clock.millis() - ts) > SIGNATURE_WINDOW.toMillis()) {
            throw new WebhookError(WebhookError.SECURITY_CHECK_FAILED, "invalid timestamp");
        }
        // the query string was URL-decoded already, so sign is the plain Base64 here
        if (!DingTalkSignature.matches(timestamp, secret, sign)) {
            throw new WebhookError(WebhookError.SECURITY_CHECK_FAILED, "sign not match");
        }
    }

    private JsonNode webhookBody(Context ctx) throws WebhookError {
        if (ctx.bodyAsBytes().length > MAX_WEBHOOK_BODY_BYTES) {
            throw new WebhookError(460101, "message too long, exceed " + MAX_WEBHOOK_BODY_BYTES + " bytes");
        }
        try {
            JsonNode body = json.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw new WebhookError(WebhookError.INVALID_PARAMETER, "the body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new WebhookError(WebhookError.INVALID_PARAMETER, "the body is not valid JSON");
        }
    }

    private void webhook(Context ctx, WebhookHandler handler) throws Exception {
        try {
            handler.handle(ctx);
        } catch (WebhookError e) {
            ok(ctx, json.createObjectNode().put("errcode", e.errcode).put("errmsg", e.getMessage()));
        }
    }

    // ---- the page and its API ----

    private void state(Context ctx) {
        String since = ctx.queryParam("since");
        long version = store.version();
        if (since != null && since.equals(Long.toString(version))) {
            ObjectNode unchanged = json.createObjectNode().put("version", version).put("unchanged", true);
            unchanged.set("stream", stream.state().put("mode", streamMode));
            ok(ctx, unchanged);
            return;
        }
        ConversationStore.Snapshot snapshot = store.snapshot();
        ObjectNode answer = json.createObjectNode();
        answer.put("version", snapshot.version());
        answer.put("robotCode", robotName());
        answer.put("callbackUrl", settings.callbackUrl() == null ? null : settings.callbackUrl().toString());
        answer.set("stream", stream.state().put("mode", streamMode));
        // run by the bridge itself: when the page loses the sandbox, the bridge has stopped
        answer.put("bridgeInstance", bridgeInstance);
        ArrayNode groupNodes = answer.putArray("groups");
        for (SandboxSettings.Group group : groups.values()) {
            ObjectNode node = groupNodes.addObject();
            node.put("openConversationId", group.openConversationId());
            node.put("title", group.title());
            node.put("appRobot", group.appRobot());
            ArrayNode webhooks = node.putArray("webhooks");
            settings.webhooks().stream().filter(w -> w.openConversationId().equals(group.openConversationId()))
                    .forEach(w -> webhooks.addObject().put("name", w.name()).put("url", webhookUrl(w.name()))
                            .put("signed", w.secret() != null));
            node.set("messages", messagesJson(snapshot.groups().get(group.openConversationId())));
        }
        ArrayNode directNodes = answer.putArray("directs");
        snapshot.directs().forEach((userId, messages) -> {
            ObjectNode node = directNodes.addObject();
            node.put("userId", userId);
            node.put("conversationId", directConversationId(userId));
            node.set("messages", messagesJson(messages));
        });
        ok(ctx, answer);
    }

    /** The messages as the page reads them, each with the {@code mentions} it highlights. */
    private ArrayNode messagesJson(List<SandboxMessage> messages) {
        ArrayNode out = json.createArrayNode();
        if (messages == null) {
            return out;
        }
        for (SandboxMessage message : messages) {
            ObjectNode node = json.valueToTree(message);
            ArrayNode highlighted = node.putArray("mentions");
            for (SandboxMentions.Highlight h : mentions.highlights(message)) {
                highlighted.addObject().put("token", h.token()).put("shown", h.shown());
            }
            out.add(node);
        }
        return out;
    }

    private void memberMessage(Context ctx) {
        String id = ctx.pathParam("id");
        if (!groups.containsKey(id)) {
            ctx.status(404).contentType("application/json")
                    .result(json.createObjectNode().put("error", "no sandbox group " + id).toString());
            return;
        }
        JsonNode body;
        try {
            body = json.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            body = null;
        }
        String text = body == null ? "" : body.path("text").asText("");
        boolean picture = body != null && body.path("picture").asBoolean(false);
        String replyTo = body == null ? "" : body.path("replyTo").asText("");
        if (!groups.get(id).appRobot()) {
            ctx.status(409).contentType("application/json")
                    .result(json.createObjectNode().put("error", NO_APP_ROBOT).toString());
            return;
        }
        if (text.isBlank() && !picture) {
            ctx.status(400).contentType("application/json")
                    .result(json.createObjectNode().put("error", "text is required").toString());
            return;
        }
        String nick = body.path("senderNick").asText("");
        SandboxMessage message;
        try {
            if (picture) {
                // the page's "picture" button: the built-in image, after the text when there is some
                message = text.isBlank() ? postPictureAsMember(id, nick, null)
                        : postRichTextAsMember(id, nick, List.of(Part.text(text), Part.picture(null)));
            } else if (!replyTo.isBlank()) {
                message = replyAsMember(id, nick, text, replyTo);
            } else {
                message = postAsMember(id, nick, text);
            }
        } catch (IllegalArgumentException e) {
            ctx.status(400).contentType("application/json")
                    .result(json.createObjectNode().put("error", e.getMessage()).toString());
            return;
        }
        ctx.status(202).contentType("application/json").result(json.valueToTree(message).toString());
    }

    /**
     * The page's one-to-one compose box: JSON {@code {senderNick, text}} or {@code {senderNick, voice: true}} /
     * {@code {senderNick, video: true}} (the built-in samples), or multipart with fields {@code senderNick} and
     * {@code file} (a file the person picked) → 202 with the recorded message.
     */
    private void directMessage(Context ctx) {
        String contentType = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(java.util.Locale.ROOT);
        SandboxMessage message;
        try {
            if (contentType.startsWith("multipart/")) {
                io.javalin.http.UploadedFile file = ctx.uploadedFile("file");
                if (file == null) {
                    throw new IllegalArgumentException("multipart field file is missing");
                }
                if (file.size() > SandboxMedia.MAX_UPLOAD_BYTES) {
                    ctx.status(413).contentType("application/json").result(json.createObjectNode().put("error",
                            "the file is " + file.size() + " bytes; the sandbox takes at most "
                                    + SandboxMedia.MAX_UPLOAD_BYTES).toString());
                    return;
                }
                byte[] bytes;
                try (InputStream in = file.content()) {
                    bytes = in.readAllBytes();
                }
                message = postFileAsDirectMember(ctx.formParam("senderNick"), file.filename(), file.contentType(),
                        bytes);
            } else {
                JsonNode body = json.readTree(ctx.body());
                if (body == null || !body.isObject()) {
                    throw new IllegalArgumentException("the body must be a JSON object");
                }
                String nick = body.path("senderNick").asText("");
                if (body.path("voice").asBoolean(false)) {
                    message = postVoiceAsDirectMember(nick, null, null, -1, null);
                } else if (body.path("video").asBoolean(false)) {
                    message = postVideoAsDirectMember(nick, null, -1);
                } else {
                    message = postDirectAsMember(nick, body.path("text").asText(""));
                }
            }
        } catch (IllegalArgumentException | JsonProcessingException e) {
            ctx.status(400).contentType("application/json")
                    .result(json.createObjectNode().put("error", e instanceof JsonProcessingException
                            ? "the body is not valid JSON" : e.getMessage()).toString());
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.status(202).contentType("application/json").result(json.valueToTree(message).toString());
    }

    private void webFile(Context ctx) {
        String file = ctx.pathParam("file");
        String type = WEB_FILES.get(file);
        if (type == null) {
            ctx.status(404).result("not found");
            return;
        }
        ctx.contentType(type).result(resource(file));
    }

    private static byte[] resource(String name) {
        try (InputStream in = DingTalkSandbox.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                throw new IllegalStateException("sandbox resource " + WEB + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- small things ----

    private void ok(Context ctx, JsonNode answer) {
        ctx.status(200).contentType("application/json").result(answer.toString());
    }

    private String robotName() {
        return settings.robotCode() == null ? "robot" : settings.robotCode();
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() || value.asText().isEmpty() ? null : value.asText();
    }

    private String randomId(int bytes) {
        byte[] buffer = new byte[bytes];
        random.nextBytes(buffer);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer);
    }


    @FunctionalInterface
    private interface OpenApiHandler {
        void handle(Context ctx) throws OpenApiError;
    }

    @FunctionalInterface
    private interface WebhookHandler {
        void handle(Context ctx) throws WebhookError;
    }

    private record IssuedToken(String token, long expiresAt) {}

    /** A {@code sessionWebhook}: into group {@code openConversationId}, or the one-to-one chat of {@code userId}. */
    private record Session(String openConversationId, String userId, long expiresAt) {}
}
