package io.chatbridge.dingtalk.outbound;

import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.AttachmentContent;
import io.chatbridge.spi.AttachmentTooLargeException;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one delivery becomes on DingTalk, as an ordered list of messages: pictures, rich text and long text need
 * more than one DingTalk message or resolving attachments at send time.
 *
 * <ul>
 *   <li>App robot: the text (if any) then one {@code sampleImageMsg} per picture, whose {@code photoURL} is the
 *       picture's own URL when it is public and lasting, else a {@code media_id} from uploading the bytes (fetched
 *       now through the source instance, so a DingTalk link that expired while the delivery waited does not
 *       matter).</li>
 *   <li>App robot, files, voice and video: the bytes fetched now through the source instance, uploaded
 *       ({@code media/upload} with type {@code file}, {@code voice} or {@code video}), then {@code sampleFile}
 *       {@code {mediaId, fileName, fileType}}, {@code sampleAudio {mediaId, duration}} or {@code sampleVideo
 *       {duration, videoMediaId, videoType, picMediaId}} ({@link #VIDEO_COVER} uploaded as the cover). An upload
 *       DingTalk refuses (size, type) becomes a text line naming the file and the reason.</li>
 *   <li>Custom robot (no picture type): markdown with {@code ![name](url)} when a fresh URL is public, else a text
 *       line naming the picture. Files, voice and video: a text line with name and size (custom robots have no
 *       such types).</li>
 *   <li>Rich text (text and pictures in order): markdown with the pictures in place.</li>
 *   <li>An attachment over {@code global.media.max_bytes}, or one the source cannot give any more: a text line
 *       with name and size or reason, never a failed delivery. Retryable problems (network) fail the delivery for a
 *       retry.</li>
 *   <li>Text and markdown over DingTalk's size limits: numbered parts ({@link LongMessages}).</li>
 * </ul>
 */
public final class DeliveryPlan {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryPlan.class);

    /** How the target reaches attachments: through the bridge, which asks the source instance. */
    public interface Media {
        /** A URL valid now ({@code DriverContext.attachmentUrl}). */
        String freshUrl(Attachment attachment) throws DeliveryException;

        /** The bytes, at most {@code global.media.max_bytes} ({@code DriverContext.openAttachment}). */
        AttachmentContent open(Attachment attachment) throws DeliveryException;

        /** {@code global.media.max_bytes}. */
        long maxBytes();
    }

    /** Uploads bytes with {@code media/upload}; returns the {@code media_id}. */
    @FunctionalInterface
    public interface Uploader {
        /** @param type {@code image}, {@code voice}, {@code video} or {@code file} */
        String upload(String type, String name, String mime, byte[] bytes) throws DeliveryException;
    }

    /**
     * The cover picture of every video sent to an app robot ({@code sampleVideo} needs a {@code picMediaId}, and
     * the bridge has no frame of the video to show): a 320×180 dark PNG with a light play triangle, uploaded with
     * each video.
     */
    public static final byte[] VIDEO_COVER = resource("video-cover.png");

    /**
     * The {@code duration} sent for a voice message or video whose source gave none ({@code sampleAudio} and
     * {@code sampleVideo} require one): 1 s, in milliseconds.
     */
    public static final long UNKNOWN_DURATION_MS = 1_000;

    private final String instanceId;
    private final Media media;
    private final Predicate<String> publicUrl;

    /**
     * @param publicUrl whether DingTalk can fetch a URL (by default not loopback or private addresses; in sandbox
     *     mode the sandbox's own URLs count too)
     */
    public DeliveryPlan(String instanceId, Media media, Predicate<String> publicUrl) {
        this.instanceId = instanceId;
        this.media = media;
        this.publicUrl = publicUrl;
    }

    /** The app robot messages for {@code message}, in order. */
    public List<AppRobotMessage> forAppRobot(OutboundMessage message, Uploader uploader) throws DeliveryException {
        List<AppRobotMessage> out = new ArrayList<>();
        OutboundMessage base = richTextAsMarkdown(message);
        List<Attachment> separate = separateMedia(base);
        OutboundMessage rest = separate.isEmpty() ? base : withoutMedia(base);
        OutgoingContent content = OutgoingContent.of(rest);
        if (separate.isEmpty() || !content.isText() || !rest.renderedText().isBlank()) {
            OutgoingContent shown = separate.isEmpty() ? content
                    : new OutgoingContent(null, rest.renderedText().strip(), content.mentions());
            for (OutgoingContent part : LongMessages.split(shown, LongMessages.APP_ROBOT_TEXT_BYTES)) {
                out.add(AppRobotMessage.of(part));
            }
        }
        // the people mentioned are notified once: by the text when it was sent, else by the first line below
        Mentions unsent = out.isEmpty() ? content.mentions() : Mentions.NONE;
        for (Attachment attachment : separate) {
            AppRobotMessage next;
            if (IMAGE.equals(attachment.type())) {
                String photo = photo(message, attachment, uploader);
                next = photo.startsWith(LINE) ? line(photo.substring(1), unsent) : AppRobotMessage.image(photo);
            } else {
                next = fileVoiceOrVideo(message, attachment, uploader, unsent);
            }
            if (AppRobotMessage.SAMPLE_TEXT.equals(next.msgKey())) {
                unsent = Mentions.NONE;
            }
            out.add(next);
        }
        return out;
    }

    /**
     * {@code sampleFile}, {@code sampleAudio} or {@code sampleVideo} with the bytes uploaded now, else a text line
     * naming the attachment and why (too large, no longer available, refused by DingTalk). Rethrows what a retry
     * may fix (network, 5xx, throttling).
     */
    private AppRobotMessage fileVoiceOrVideo(OutboundMessage message, Attachment attachment, Uploader uploader,
            Mentions mentions) throws DeliveryException {
        AttachmentContent bytes;
        try {
            if (attachment.size() > media.maxBytes()) {
                throw new AttachmentTooLargeException(attachment.name(), attachment.size(), media.maxBytes());
            }
            bytes = media.open(attachment);
        } catch (DeliveryException e) {
            return line(unavailable(message, attachment, e), mentions);
        }
        String mime = bytes.mime() != null ? bytes.mime() : attachment.mime();
        String fileName = uploadName(attachment, mime);
        String type = attachment.type();
        String uploadType = FILE.equals(type) ? "file" : AUDIO.equals(type) ? "voice" : "video";
        try {
            String mediaId = uploader.upload(uploadType, fileName, mime, bytes.bytes());
            String duration = Long.toString(attachment.durationMillis() >= 0 ? attachment.durationMillis()
                    : UNKNOWN_DURATION_MS);
            if (FILE.equals(type)) {
                return AppRobotMessage.file(mediaId, fileName, extension(fileName, mime, "file"));
            }
            if (AUDIO.equals(type)) {
                return AppRobotMessage.audio(mediaId, duration);
            }
            String cover = uploader.upload(IMAGE, "video-cover.png", "image/png", VIDEO_COVER);
            return AppRobotMessage.video(mediaId, duration, extension(fileName, mime, "mp4"), cover);
        } catch (DeliveryException e) {
            if (e.retryable()) {
                throw e;
            }
            LOG.warn("[{}] delivery {}: DingTalk refused the {} upload of {} ({}), sent as a line: {}", instanceId,
                    message.deliveryId(), uploadType, fileName, Attachment.humanSize(bytes.size()), e.getMessage());
            return line("[" + kind(attachment) + "] " + nameOf(attachment) + " (" + Attachment.humanSize(bytes.size())
                    + ", refused by DingTalk: " + refusalReason(e) + ")", mentions);
        }
    }

    private static AppRobotMessage line(String text, Mentions mentions) {
        return AppRobotMessage.of(new OutgoingContent(null, text, mentions));
    }

    /** DingTalk's words for a refused upload ({@code errcode 40006 …}), without the call's own prefix. */
    private static String refusalReason(DeliveryException e) {
        String text = e.getMessage() == null ? "" : e.getMessage();
        int at = text.indexOf("errcode ");
        return at < 0 ? (text.isBlank() ? "refused" : text) : text.substring(at);
    }

    /**
     * The file name to upload: the attachment's, given an extension from its media type when it has none (DingTalk
     * judges an upload's type by its name; a voice message arrives named {@code voice message}).
     */
    static String uploadName(Attachment attachment, String mime) {
        String name = attachment.name() == null || attachment.name().isBlank() ? kind(attachment) : attachment.name();
        if (name.lastIndexOf('.') > 0 && name.lastIndexOf('.') < name.length() - 1) {
            return name;
        }
        String ext = MIME_EXTENSIONS.get(mime == null ? "" : mime.toLowerCase(Locale.ROOT).split(";")[0].strip());
        String base = AUDIO.equals(attachment.type()) && name.equals("voice message") ? "voice" : name;
        return ext == null ? name : base.replace(' ', '-') + "." + ext;
    }

    /** The extension of {@code fileName} ({@code pdf}), else of the media type, else {@code fallback}. */
    static String extension(String fileName, String mime, String fallback) {
        int dot = fileName.lastIndexOf('.');
        if (dot > 0 && dot < fileName.length() - 1) {
            return fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        }
        String ext = MIME_EXTENSIONS.get(mime == null ? "" : mime.toLowerCase(Locale.ROOT).split(";")[0].strip());
        return ext == null ? fallback : ext;
    }

    private static final java.util.Map<String, String> MIME_EXTENSIONS = java.util.Map.ofEntries(
            java.util.Map.entry("audio/amr", "amr"), java.util.Map.entry("audio/mpeg", "mp3"),
            java.util.Map.entry("audio/mp3", "mp3"), java.util.Map.entry("audio/wav", "wav"),
            java.util.Map.entry("audio/x-wav", "wav"), java.util.Map.entry("audio/wave", "wav"),
            java.util.Map.entry("audio/ogg", "ogg"), java.util.Map.entry("audio/mp4", "m4a"),
            java.util.Map.entry("video/mp4", "mp4"), java.util.Map.entry("video/quicktime", "mov"),
            java.util.Map.entry("application/pdf", "pdf"), java.util.Map.entry("application/zip", "zip"),
            java.util.Map.entry("text/plain", "txt"));

    private static byte[] resource(String name) {
        try (java.io.InputStream in = DeliveryPlan.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The custom robot messages for {@code message}, in order. */
    public List<OutgoingContent> forCustomRobot(OutboundMessage message) throws DeliveryException {
        OutboundMessage base = richTextAsMarkdown(message);
        List<Attachment> pictures = separatePictures(base);
        OutgoingContent content;
        if (pictures.isEmpty()) {
            content = OutgoingContent.of(base);
        } else {
            OutboundMessage rest = withoutPictures(base);
            StringBuilder markdown = new StringBuilder(markdownOf(OutgoingContent.of(rest), rest));
            for (Attachment picture : pictures) {
                markdown.append("\n\n").append(inlinePicture(message, picture));
            }
            String title = OutgoingContent.firstLine(rest.renderedText().isBlank() ? "[image]" : rest.renderedText());
            content = new OutgoingContent(RichContent.markdown(title, markdown.toString().strip()),
                    rest.renderedText(), OutgoingContent.of(rest).mentions());
        }
        return LongMessages.split(content, LongMessages.CUSTOM_ROBOT_TEXT_BYTES);
    }

    /** Marks a text line returned instead of a photo. */
    private static final String LINE = "\u0000";

    /** A {@code photoURL}: the picture's lasting public URL, else a media id from uploading it. */
    private String photo(OutboundMessage message, Attachment picture, Uploader uploader) throws DeliveryException {
        if (picture.sourceRef() == null && picture.url() != null && publicUrl.test(picture.url())) {
            return picture.url();
        }
        AttachmentContent bytes;
        try {
            bytes = media.open(picture);
        } catch (DeliveryException e) {
            return LINE + unavailable(message, picture, e);
        }
        try {
            return uploader.upload(IMAGE, picture.name() == null ? "image" : picture.name(),
                    bytes.mime() != null ? bytes.mime() : picture.mime(), bytes.bytes());
        } catch (DeliveryException e) {
            if (e.retryable()) {
                throw e;
            }
            LOG.warn("[{}] delivery {}: DingTalk refused the upload of {} ({}): {}", instanceId,
                    message.deliveryId(), nameOf(picture), Attachment.humanSize(bytes.size()), e.getMessage());
            return LINE + "[image] " + nameOf(picture) + " (" + Attachment.humanSize(bytes.size())
                    + ", refused by DingTalk)";
        }
    }

    /** {@code ![name](url)} with a fresh public URL, else a line naming the picture. */
    private String inlinePicture(OutboundMessage message, Attachment picture) throws DeliveryException {
        String url;
        try {
            url = picture.sourceRef() == null ? picture.url() : media.freshUrl(picture);
        } catch (DeliveryException e) {
            return unavailable(message, picture, e);
        }
        if (url != null && publicUrl.test(url)) {
            if (picture.size() > media.maxBytes()) {
                return unavailable(message, picture,
                        new AttachmentTooLargeException(picture.name(), picture.size(), media.maxBytes()));
            }
            return "![" + nameOf(picture).replaceAll("[\\[\\]]", "") + "](" + url + ")";
        }
        return picture.withUrl(null).describe();
    }

    /** The line for a picture that cannot be sent; rethrows what a retry may fix. */
    private String unavailable(OutboundMessage message, Attachment picture, DeliveryException e)
            throws DeliveryException {
        if (e instanceof AttachmentTooLargeException large) {
            LOG.info("[{}] delivery {}: {} sent as a line: {}", instanceId, message.deliveryId(), nameOf(picture),
                    e.getMessage());
            return "[" + kind(picture) + "] " + nameOf(picture) + " ("
                    + (large.size() >= 0 ? Attachment.humanSize(large.size())
                    : "over " + Attachment.humanSize(large.maxBytes())) + ", too large to forward)";
        }
        if (e.retryable()) {
            throw e;
        }
        LOG.warn("[{}] delivery {}: {} is not available any more, sent as a line: {}", instanceId,
                message.deliveryId(), nameOf(picture), e.getMessage());
        return "[" + kind(picture) + "] " + nameOf(picture) + " (no longer available)";
    }

    /**
     * Rich text becomes markdown with its pictures inline (fresh public URLs, else lines), after the rule's text
     * around the message (e.g. {@code [Group A] Alice:}).
     */
    private OutboundMessage richTextAsMarkdown(OutboundMessage m) throws DeliveryException {
        if (!(m.rich() instanceof RichContent.RichText rich)) {
            return m;
        }
        StringBuilder body = new StringBuilder();
        StringBuilder plain = new StringBuilder();
        for (RichContent.Segment segment : rich.segments()) {
            if (!segment.showsAttachment()) {
                plain.append(plain.isEmpty() ? "" : "\n").append(segment.text());
            }
        }
        String rendered = m.text();
        int at = plain.isEmpty() ? -1 : rendered.indexOf(plain.toString());
        String prefix = at < 0 ? rendered.strip() : rendered.substring(0, at).strip();
        String suffix = at < 0 ? "" : rendered.substring(at + plain.length()).strip();
        if (!prefix.isEmpty()) {
            body.append(prefix).append("\n\n");
        }
        for (RichContent.Segment segment : rich.segments()) {
            if (segment.showsAttachment()) {
                Attachment picture = segment.attachment() < m.attachments().size()
                        ? m.attachments().get(segment.attachment()) : null;
                body.append(picture == null ? "[image]" : inlinePicture(m, picture));
            } else {
                body.append(segment.text());
            }
            body.append("\n\n");
        }
        if (!suffix.isEmpty()) {
            body.append(suffix);
        }
        String title = OutgoingContent.firstLine(prefix.isEmpty() ? plain.toString() : prefix);
        return m.toBuilder().text("").rich(RichContent.markdown(title, body.toString().strip())).attachments(List.of()).build();
    }

    private static final String IMAGE = "image";
    private static final String FILE = "file";
    private static final String AUDIO = "audio";
    private static final String VIDEO = "video";

    /** The pictures a message shows besides its content (not when a rule asks for another message type). */
    private static List<Attachment> separatePictures(OutboundMessage m) {
        return separate(m, a -> IMAGE.equals(a.type()));
    }

    /** The pictures, files, voice and video an app robot sends as messages of their own, in order. */
    private static List<Attachment> separateMedia(OutboundMessage m) {
        return separate(m, DeliveryPlan::ownMessage);
    }

    private static boolean ownMessage(Attachment a) {
        return IMAGE.equals(a.type()) || FILE.equals(a.type()) || AUDIO.equals(a.type()) || VIDEO.equals(a.type());
    }

    private static List<Attachment> separate(OutboundMessage m, Predicate<Attachment> which) {
        if (m.rich() != null || m.option(OutgoingContent.MSG_TYPE) != null
                || m.extensions().get(OutgoingContent.XV_MSG_TYPE) != null) {
            return List.of();
        }
        return m.attachments().stream().filter(which).toList();
    }

    private static OutboundMessage withoutPictures(OutboundMessage m) {
        return m.toBuilder().attachments(m.attachments().stream().filter(a -> !IMAGE.equals(a.type())).toList())
                .build();
    }

    private static OutboundMessage withoutMedia(OutboundMessage m) {
        return m.toBuilder().attachments(m.attachments().stream().filter(a -> !ownMessage(a)).toList()).build();
    }

    private static String markdownOf(OutgoingContent content, OutboundMessage m) {
        if (content.rich() instanceof RichContent.Markdown md) {
            return OutgoingContent.nz(md.text());
        }
        return m.renderedText().strip();
    }

    private static String nameOf(Attachment a) {
        return a.name() == null || a.name().isBlank() ? kind(a) : a.name();
    }

    private static String kind(Attachment a) {
        return a.type() == null || a.type().isBlank() ? "file" : a.type();
    }

    /**
     * Whether DingTalk's servers could fetch {@code url}: http(s) to a host that is not {@code localhost} nor a
     * loopback, private or link-local address literal. Host names are not resolved.
     */
    public static boolean isPublicUrl(String url) {
        try {
            URI uri = URI.create(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost();
            if (!(scheme.equals("http") || scheme.equals("https")) || host == null) {
                return false;
            }
            String h = host.toLowerCase(Locale.ROOT);
            if (h.equals("localhost") || h.endsWith(".localhost") || h.endsWith(".local")
                    || h.endsWith(".internal")) {
                return false;
            }
            if (h.matches("[0-9.]+") || h.startsWith("[")) {
                InetAddress address = InetAddress.getByName(h.replace("[", "").replace("]", ""));
                return !(address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                        || address.isAnyLocalAddress());
            }
            return true;
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            return false;
        }
    }
}
