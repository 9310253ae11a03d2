package io.chatbridge.core.templates;

import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.RichContent;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template parts of one rule target's {@code msg} block, compiled once: {@code template} (the text, inline or
 * read from {@code template_file}), a templated {@code title}, and mentions ({@code at_mobiles},
 * {@code at_user_ids}, {@code at_all} as templates, {@code at_all_when} as a condition). Thread-safe.
 *
 * <p>A template sees the payload's fields at top level (for an Alertmanager notification: {@code status},
 * {@code alerts}, {@code commonLabels} …) and {@code payload} (the whole body), plus the message's {@code msg}
 * (its default text), {@code user}, {@code user_id}, {@code platform}, {@code instance_id}, {@code channel},
 * {@code time} and {@code extensions}, unless the payload has a field of that name. A missing field renders
 * empty; a template that fails at run time or renders nothing falls back to the default text (logged once), so a
 * message is never lost to its template.
 */
public final class RuleTemplate {

    private static final Logger LOG = LoggerFactory.getLogger(RuleTemplate.class);

    /**
     * What this rule's template already warned about: once per rule and rules load (a reload that still fails says
     * so again), never shared by other bridges in the same JVM.
     */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final String name;
    private final Templates.Compiled body;
    private final Templates.Compiled title;
    private final List<Templates.Compiled> mobiles;
    private final List<Templates.Compiled> userIds;
    private final Templates.Compiled atAll;
    private final Map<String, Object> atAllWhen;
    private final boolean mentions;
    private final Map<String, Object> options;

    private RuleTemplate(Map<String, Object> msg) throws TemplateException {
        Map<String, Object> rest = new LinkedHashMap<>(msg);
        Object source = rest.remove(MsgOptions.TEMPLATE);
        Object file = rest.remove(MsgOptions.TEMPLATE_FILE);
        this.name = file != null ? String.valueOf(file) : "msg.template";
        this.body = source == null ? null : Templates.compile(String.valueOf(source));
        Object titleText = rest.get("title");
        this.title = body != null && titleText instanceof String t && Templates.isTemplate(t)
                ? Templates.compile(t) : null;
        this.mentions = MsgOptions.usesMentionTemplates(msg);
        if (mentions) {
            mobiles = compileList(rest.remove(MsgOptions.AT_MOBILES));
            userIds = compileList(rest.remove(MsgOptions.AT_USER_IDS));
            Object all = rest.remove(MsgOptions.AT_ALL);
            atAll = all == null ? null : Templates.compile(String.valueOf(all));
            Object when = rest.remove(MsgOptions.AT_ALL_WHEN);
            Map<String, Object> condition = new LinkedHashMap<>();
            if (when instanceof Map<?, ?> map) {
                map.forEach((k, v) -> condition.put(String.valueOf(k), v));
            }
            atAllWhen = Map.copyOf(condition);
        } else {
            mobiles = List.of();
            userIds = List.of();
            atAll = null;
            atAllWhen = Map.of();
        }
        if (title != null) {
            rest.remove("title");
        }
        this.options = Map.copyOf(rest);
    }

    /**
     * The template parts of {@code msg} (a target's merged {@code msg} block without {@code msg_format}), or
     * {@code null} when it has none, so the target is rendered as before. Setup has validated the block; a
     * template that no longer compiles is an {@link IllegalArgumentException}.
     */
    public static RuleTemplate of(Map<String, Object> msg) {
        if (!msg.containsKey(MsgOptions.TEMPLATE) && !MsgOptions.usesMentionTemplates(msg)) {
            return null;
        }
        try {
            return new RuleTemplate(msg);
        } catch (TemplateException e) {
            throw new IllegalArgumentException("msg template: " + e.describe(), e);
        }
    }

    /** The options to hand the target driver: the block without the keys this template consumed. */
    public Map<String, Object> options() {
        return options;
    }

    /** What a message looks like after this template. */
    public record Applied(String text, RichContent rich, Mentions mentions, Map<String, Object> options) {
    }

    /**
     * Renders {@code message} for one target.
     *
     * @param defaultText the text the rule's {@code msg_format} gives (used when there is no body template, and as
     *                    the fallback when the template fails or renders nothing)
     */
    public Applied apply(InboundMessage message, String defaultText) {
        Map<String, Object> context = context(message);
        String text = defaultText;
        RichContent rich = message.rich();
        Map<String, Object> targetOptions = options;
        if (body != null) {
            String rendered = render(body, context, "template");
            if (rendered == null || rendered.isBlank()) {
                warnOnce("rendered nothing", "the default text is sent instead");
            } else {
                text = rendered.strip();
                rich = null; // the template and msg_type decide what is sent
            }
        }
        if (title != null) {
            String rendered = render(title, context, "title");
            Map<String, Object> withTitle = new LinkedHashMap<>(options);
            withTitle.put("title", rendered == null || rendered.isBlank() ? firstLine(text) : rendered.strip());
            targetOptions = Map.copyOf(withTitle);
        }
        Mentions who = message.mentions();
        if (mentions) {
            Set<String> mobileSet = new LinkedHashSet<>(who.mobiles());
            mobiles.forEach(t -> mobileSet.addAll(split(render(t, context, "at_mobiles"))));
            Set<String> userSet = new LinkedHashSet<>(who.userIds());
            userIds.forEach(t -> userSet.addAll(split(render(t, context, "at_user_ids"))));
            boolean all = who.all()
                    || (atAll != null && "true".equalsIgnoreCase(String.valueOf(render(atAll, context, "at_all"))
                    .strip()))
                    || (!atAllWhen.isEmpty() && Conditions.holds(atAllWhen, message.channel(), context.get("alerts")));
            who = new Mentions(List.copyOf(userSet), List.copyOf(mobileSet), all);
        }
        return new Applied(text, rich, who, targetOptions);
    }

    private String render(Templates.Compiled template, Map<String, Object> context, String what) {
        try {
            return template.render(context);
        } catch (TemplateException e) {
            warnOnce(what + " failed: " + e.describe(), "the default is used instead");
            return null;
        }
    }

    private void warnOnce(String problem, String consequence) {
        if (warned.add(problem)) {
            LOG.warn("{}: {}; {} (logged once)", name, problem, consequence);
        }
    }

    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ISO_INSTANT;

    /** The variables a template sees for {@code message}. */
    static Map<String, Object> context(InboundMessage message) {
        Map<String, Object> context = new HashMap<>();
        context.put("msg", message.text());
        context.put("user", message.sender().bestName());
        context.put("user_id", message.sender().id());
        context.put("platform", message.platform());
        context.put("instance_id", message.instanceId());
        context.put("channel", message.channel());
        context.put("time", message.time() == null ? null : RFC_3339.format(message.time()));
        context.put("extensions", Payloads.strip(message.extensions()));
        Object payload = Payloads.payload(message);
        if (payload instanceof Map<?, ?> fields) {
            fields.forEach((k, v) -> context.put(String.valueOf(k), v));
        }
        context.put("payload", payload);
        return context;
    }

    private static List<Templates.Compiled> compileList(Object value) throws TemplateException {
        List<Templates.Compiled> out = new ArrayList<>();
        if (value instanceof Collection<?> items) {
            for (Object item : items) {
                if (item != null) {
                    out.add(Templates.compile(String.valueOf(item)));
                }
            }
        } else if (value != null) {
            out.add(Templates.compile(String.valueOf(value)));
        }
        return List.copyOf(out);
    }

    /** A rendered mention list: comma- or space-separated; blanks (a missing label) dropped. */
    private static List<String> split(String rendered) {
        List<String> out = new ArrayList<>();
        if (rendered == null) {
            return out;
        }
        for (String part : rendered.split("[,\\s]+")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    private static String firstLine(String text) {
        String line = text.strip().replaceFirst("^#+\\s*", "");
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl);
    }
}
