package io.chatbridge.core.routing;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.RichHeader;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rule's {@code msg_format}, compiled once: literal text and {@code {variable}} references, plus an optional
 * {@code <richheader title="..." content="..."/>} that is cut out and handed to the target driver as a
 * {@link RichHeader}. Unknown variables stay as written; {@code validate} warns about them, and a bridge's
 * {@link Compiler} logs them once per format.
 *
 * <p>The default format (a rule without {@code msg_format}) renders only {@code {msg}} when the message has no
 * sender, so alerts and events are not posted as {@code ": disk full"}; a format the user wrote is rendered as
 * written.
 */
public final class MessageTemplate {

    /** The format used when a rule gives none ({@code {msg}} alone when the message has no sender). */
    public static final String DEFAULT_FORMAT = "{user}: {msg}";

    /** The variables a format may use, without braces. */
    public static final Set<String> VARIABLES = Set.of("platform", "instance_id", "from", "user", "user_id",
            "user_avatar", "msg", "time", "username", "nickname");

    private static final Logger LOG = LoggerFactory.getLogger(MessageTemplate.class);
    private static final Pattern RICH_HEADER = Pattern.compile(
            "<richheader((?:\\s+[a-z]+\\s*=\\s*\"[^\"]*\")*)\\s*/>\\s*\\n?", Pattern.CASE_INSENSITIVE);
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-z]+)\\s*=\\s*\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern VARIABLE = Pattern.compile("\\{([a-z_]+)}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final String format;
    private final boolean defaultFormat;
    private final List<Object> body;
    private final List<Object> headerTitle;
    private final List<Object> headerContent;
    private final ZoneId zone;

    private MessageTemplate(String format, ZoneId zone) {
        this.defaultFormat = format == null;
        format = defaultFormat ? DEFAULT_FORMAT : format;
        this.format = format;
        this.zone = zone;
        String rest = format;
        String title = null;
        String content = null;
        Matcher header = RICH_HEADER.matcher(format);
        if (header.find()) {
            Matcher attr = ATTRIBUTE.matcher(header.group(1));
            while (attr.find()) {
                if (attr.group(1).equalsIgnoreCase("title")) {
                    title = attr.group(2);
                } else if (attr.group(1).equalsIgnoreCase("content")) {
                    content = attr.group(2);
                }
            }
            rest = format.substring(0, header.start()) + format.substring(header.end());
            if (title == null && content == null) {
                title = "";
            }
        }
        this.body = compile(rest);
        this.headerTitle = title == null ? null : compile(title);
        this.headerContent = content == null ? null : compile(content);
    }

    /** Compiles a format; {@code null} means the default ({@link #DEFAULT_FORMAT}, {@code {msg}} without a sender). */
    public static MessageTemplate of(String format) {
        return new MessageTemplate(format, ZoneId.systemDefault());
    }

    /** Compiles a format rendering {@code {time}} in {@code zone}; {@code null} means the default. */
    public static MessageTemplate of(String format, ZoneId zone) {
        return new MessageTemplate(format, zone);
    }

    /** The names of the {@code {variables}} in {@code format} that are not {@link #VARIABLES}, in order, once each. */
    public static List<String> unknownVariables(String format) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(format == null ? "" : format);
        while (m.find()) {
            if (!VARIABLES.contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Compiles the formats of one bridge, each once, and logs each format's unknown variables once (state per
     * bridge, not per process: two bridges in one JVM each say it). Thread-safe.
     */
    public static final class Compiler {
        private final ZoneId zone;
        private final Map<String, MessageTemplate> compiled = new ConcurrentHashMap<>();

        /** Renders {@code {time}} in the system's zone. */
        public Compiler() {
            this(ZoneId.systemDefault());
        }

        public Compiler(ZoneId zone) {
            this.zone = zone;
        }

        /** The compiled {@code format}; {@code null} means the default format. */
        public MessageTemplate compile(String format) {
            if (format == null) {
                return compiled.computeIfAbsent("\u0000default", k -> new MessageTemplate(null, zone));
            }
            return compiled.computeIfAbsent(format, f -> {
                List<String> unknown = unknownVariables(f);
                if (!unknown.isEmpty()) {
                    LOG.warn("msg_format \"{}\" uses unknown variable {}; it is left as written (known: {})", f,
                            String.join(", ", unknown.stream().map(v -> "{" + v + "}").toList()),
                            String.join(", ", VARIABLES.stream().sorted().toList()));
                }
                return new MessageTemplate(f, zone);
            });
        }
    }

    /** The template text as written. */
    public String format() {
        return format;
    }

    /** The text for {@code message}. */
    public String render(InboundMessage message) {
        if (defaultFormat && message.sender().bestName().isBlank()) {
            return message.text(); // no ": " before alerts and events, which have no sender
        }
        return expand(body, message);
    }

    /** The rich header for {@code message}, or {@code null} when the format has none. */
    public RichHeader header(InboundMessage message) {
        if (headerTitle == null && headerContent == null) {
            return null;
        }
        return new RichHeader(headerTitle == null ? null : expand(headerTitle, message),
                headerContent == null ? null : expand(headerContent, message));
    }

    private List<Object> compile(String text) {
        List<Object> parts = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        int last = 0;
        while (m.find()) {
            String name = m.group(1);
            if (!VARIABLES.contains(name)) {
                continue;
            }
            if (m.start() > last) {
                parts.add(text.substring(last, m.start()));
            }
            parts.add(new Var(name));
            last = m.end();
        }
        if (last < text.length()) {
            parts.add(text.substring(last));
        }
        return List.copyOf(parts);
    }

    private String expand(List<Object> parts, InboundMessage m) {
        StringBuilder out = new StringBuilder(64 + m.text().length());
        for (Object part : parts) {
            if (part instanceof Var v) {
                out.append(value(v.name, m));
            } else {
                out.append((String) part);
            }
        }
        return out.toString();
    }

    private String value(String name, InboundMessage m) {
        return switch (name) {
            case "platform" -> nz(m.platform());
            case "instance_id" -> nz(m.instanceId());
            case "from" -> from(m);
            case "user" -> m.sender().bestName();
            case "user_id" -> nz(m.sender().id());
            case "user_avatar" -> nz(m.sender().avatarUrl());
            case "msg" -> m.text();
            case "time" -> m.time() == null ? "" : TIME.format(m.time().atZone(zone));
            case "username" -> m.sender().username() != null ? m.sender().username() : nz(m.sender().id());
            case "nickname" -> m.sender().displayName() != null ? m.sender().displayName() : m.sender().bestName();
            default -> "{" + name + "}";
        };
    }

    /**
     * The source channel's name when the driver gave one (extension {@code channel_name}, or DingTalk's
     * {@code conversation_title}), else its address values in field-name order, comma-separated.
     */
    private static String from(InboundMessage m) {
        for (String key : List.of("channel_name", "conversation_title")) {
            String name = m.extensions().get(key);
            if (name != null && !name.isBlank()) {
                return name;
            }
        }
        if (m.channel().isEmpty()) {
            return nz(m.instanceId());
        }
        // in field-name order, so the same channel always reads the same (CloudEvents: source, subject, type)
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Object> e : new java.util.TreeMap<>(m.channel()).entrySet()) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(e.getValue());
        }
        return out.toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private record Var(String name) {
    }
}
