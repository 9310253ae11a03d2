package io.chatbridge.core.routing;

import io.chatbridge.core.config.Rule;
import io.chatbridge.core.delivery.RandomIds;
import io.chatbridge.core.templates.Payloads;
import io.chatbridge.core.templates.RuleTemplate;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.RichContent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns one inbound message into one outbound message per matching rule target, applying echo prevention and the
 * rule's {@code msg_format}. Immutable and thread-safe. Rule sources are indexed by instance and then by the value
 * of the address field most of that instance's sources name (e.g. {@code open_conversation_id}), so routing cost
 * grows with the rules that can match the message, not with all rules (10,000 single-group rules: one lookup).
 */
public final class Router {

    /** A channel whose messages match no rule is logged at most once per this window. */
    public static final Duration UNMATCHED_LOG_WINDOW = Duration.ofMinutes(10);

    private final Map<String, SourceIndex> bySourceInstance = new HashMap<>();
    private final Map<String, String> platformOf;
    private final boolean strictEchoMatch;
    private final UnmatchedMessages unmatched;

    /**
     * @param rules the rules in file order
     * @param platformOf platform key by instance id (for the same-channel echo check)
     * @param strictEchoMatch skip a target only when both instance and channel equal the source's
     */
    public Router(List<Rule> rules, Map<String, String> platformOf, boolean strictEchoMatch) {
        this(rules, platformOf, strictEchoMatch, Clock.systemUTC());
    }

    /**
     * @param clock for the once-per-window log of channels that match no rule
     */
    public Router(List<Rule> rules, Map<String, String> platformOf, boolean strictEchoMatch, Clock clock) {
        this(rules, platformOf, strictEchoMatch, new UnmatchedMessages(clock, instance -> { }));
    }

    /**
     * @param unmatched counts and logs the messages that match no rule; the bridge gives every router it builds
     *     the same one, so a reload does not restart the counts
     */
    public Router(List<Rule> rules, Map<String, String> platformOf, boolean strictEchoMatch,
                  UnmatchedMessages unmatched) {
        this.platformOf = Map.copyOf(platformOf);
        this.strictEchoMatch = strictEchoMatch;
        this.unmatched = unmatched;
        MessageTemplate.Compiler templates = new MessageTemplate.Compiler(); // per bridge: warns once per format
        Map<String, List<SourceRef>> sources = new HashMap<>();
        int order = 0;
        for (Rule rule : rules) {
            List<Target> targets = new ArrayList<>();
            for (Rule.Endpoint t : rule.targets()) {
                Map<String, Object> msg = new LinkedHashMap<>(rule.msg());
                msg.putAll(t.msg());
                Object format = msg.remove("msg_format");
                MessageTemplate template = templates.compile(format == null ? null : String.valueOf(format));
                RuleTemplate payloadTemplate = RuleTemplate.of(msg);
                targets.add(new Target(t, template, payloadTemplate,
                        payloadTemplate == null ? Map.copyOf(msg) : payloadTemplate.options()));
            }
            CompiledRule compiled = new CompiledRule(rule, List.copyOf(targets));
            for (int i = 0; i < rule.sources().size(); i++) {
                Rule.Endpoint source = rule.sources().get(i);
                sources.computeIfAbsent(source.instanceId(), k -> new ArrayList<>())
                        .add(new SourceRef(compiled, i, source, order++));
            }
        }
        sources.forEach((instance, refs) -> bySourceInstance.put(instance, SourceIndex.of(refs)));
    }

    /**
     * The outbound messages {@code message} produces, in rule order; empty when nothing matches. A message that
     * matches no rule is counted ({@link #unmatched()}) and logged at INFO once per instance and channel per
     * {@link #UNMATCHED_LOG_WINDOW} (the sender did nothing wrong, the rules may have a gap), by the router's
     * {@link UnmatchedMessages}.
     */
    public List<OutboundMessage> route(InboundMessage message) {
        return route(message, true);
    }

    /** Like {@link #route(InboundMessage)}, without counting or logging a message that matches no rule. */
    public List<OutboundMessage> preview(InboundMessage message) {
        return route(message, false);
    }

    private List<OutboundMessage> route(InboundMessage message, boolean count) {
        SourceIndex index = bySourceInstance.get(message.instanceId());
        List<SourceRef> candidates = index == null ? List.of() : index.candidates(message.channel());
        List<OutboundMessage> out = new ArrayList<>();
        CompiledRule current = null;
        boolean anyRule = false;
        List<Integer> matchedSources = new ArrayList<>();
        for (SourceRef ref : candidates) {
            if (ref.rule != current) {
                emit(current, matchedSources, message, out);
                current = ref.rule;
                matchedSources.clear();
            }
            if (matches(ref.endpoint.address(), message.channel())) {
                matchedSources.add(ref.index);
                anyRule = true;
            }
        }
        emit(current, matchedSources, message, out);
        if (!anyRule && count) {
            unmatched.record(message);
        }
        return out;
    }

    /**
     * How many messages matched no rule since the router's {@link UnmatchedMessages} was made: for the bridge,
     * since it started (reloads included).
     */
    public long unmatched() {
        return unmatched.total();
    }

    /** A channel as compact JSON with its fields in name order: {@code {"room":"random"}}. */
    static String describe(Map<String, Object> channel) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, Object> field : new TreeMap<>(channel).entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append('"').append(escape(field.getKey())).append("\":");
            Object v = field.getValue();
            if (v instanceof Number || v instanceof Boolean || v == null) {
                out.append(v);
            } else {
                out.append('"').append(escape(String.valueOf(v))).append('"');
            }
        }
        return out.append('}').toString();
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private void emit(CompiledRule rule, List<Integer> matchedSources, InboundMessage message,
                      List<OutboundMessage> out) {
        if (rule == null || matchedSources.isEmpty()) {
            return;
        }
        boolean connect = rule.rule.type() == Rule.Type.CONNECT;
        Origin origin = null;
        List<Rule.Endpoint> seen = new ArrayList<>();
        for (int i = 0; i < rule.targets.size(); i++) {
            if (connect && matchedSources.contains(i)) {
                continue;
            }
            Target target = rule.targets.get(i);
            Rule.Endpoint endpoint = target.endpoint;
            if (isEcho(endpoint, message) || containsSameTarget(seen, endpoint)) {
                continue;
            }
            seen.add(endpoint);
            if (origin == null) {
                origin = new Origin(message.platform(), message.instanceId(), message.channel(), message.id(),
                        message.sender(), message.time());
            }
            String text = target.template.render(message);
            RichContent rich = message.rich();
            Mentions mentions = message.mentions();
            Map<String, Object> options = target.options;
            if (target.payloadTemplate != null) {
                RuleTemplate.Applied applied = target.payloadTemplate.apply(message, text);
                text = applied.text();
                rich = applied.rich();
                mentions = applied.mentions();
                options = applied.options();
            }
            out.add(OutboundMessage.builder().deliveryId(RandomIds.next()).ruleId(rule.rule.id())
                    .instanceId(endpoint.instanceId()).channel(endpoint.address()).text(text)
                    .header(target.template.header(message)).rich(rich).attachments(message.attachments())
                    .mentions(mentions).options(options).source(origin)
                    .extensions(Payloads.strip(message.extensions())).attempt(1).quote(message.quote())
                    .recallOf(message.recallOf()).build());
        }
    }

    private boolean isEcho(Rule.Endpoint target, InboundMessage message) {
        boolean sameInstance = target.instanceId().equals(message.instanceId());
        boolean samePlatform = Objects.equals(platformOf.get(target.instanceId()), message.platform());
        boolean sameChannel = samePlatform && matches(target.address(), message.channel())
                && (!target.address().isEmpty() || sameInstance);
        return strictEchoMatch ? sameInstance && sameChannel : sameInstance || sameChannel;
    }

    private static boolean containsSameTarget(List<Rule.Endpoint> seen, Rule.Endpoint endpoint) {
        for (Rule.Endpoint s : seen) {
            if (s.instanceId().equals(endpoint.instanceId()) && s.address().equals(endpoint.address())) {
                return true;
            }
        }
        return false;
    }

    /** Whether every field of {@code address} equals the channel's field ({@code {}} matches every channel). */
    public static boolean matches(Map<String, Object> address, Map<String, Object> channel) {
        for (Map.Entry<String, Object> field : address.entrySet()) {
            if (!sameValue(field.getValue(), channel.get(field.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameValue(Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == actual;
        }
        if (isScalar(expected) && isScalar(actual)) {
            return String.valueOf(expected).equals(String.valueOf(actual));
        }
        return expected.equals(actual);
    }

    private static boolean isScalar(Object o) {
        return o instanceof String || o instanceof Number || o instanceof Boolean;
    }

    private record CompiledRule(Rule rule, List<Target> targets) {
    }

    private record Target(Rule.Endpoint endpoint, MessageTemplate template, RuleTemplate payloadTemplate,
                          Map<String, Object> options) {
    }

    private record SourceRef(CompiledRule rule, int index, Rule.Endpoint endpoint, int order) {
    }

    /**
     * The sources naming one instance, in rule order, narrowed by one address field: a source whose address gives
     * that field a scalar value can only match a channel with an equal value (see {@link #sameValue}); every other
     * source (no such field, {@code {}}, a list or object value) is always a candidate. The candidates are still
     * checked with {@link #matches}; the index only skips sources that cannot match.
     */
    private record SourceIndex(String field, Map<String, List<SourceRef>> byValue, List<SourceRef> always) {

        static SourceIndex of(List<SourceRef> refs) {
            Map<String, Integer> scalarFields = new HashMap<>();
            for (SourceRef ref : refs) {
                ref.endpoint.address().forEach((k, v) -> {
                    if (isScalar(v)) {
                        scalarFields.merge(k, 1, Integer::sum);
                    }
                });
            }
            String field = null;
            for (Map.Entry<String, Integer> e : scalarFields.entrySet()) {
                int best = field == null ? 0 : scalarFields.get(field);
                if (e.getValue() > best || (e.getValue() == best && e.getKey().compareTo(field) < 0)) {
                    field = e.getKey();
                }
            }
            Map<String, List<SourceRef>> byValue = new HashMap<>();
            List<SourceRef> always = new ArrayList<>();
            for (SourceRef ref : refs) {
                Object value = field == null ? null : ref.endpoint.address().get(field);
                if (isScalar(value)) {
                    byValue.computeIfAbsent(String.valueOf(value), k -> new ArrayList<>()).add(ref);
                } else {
                    always.add(ref);
                }
            }
            byValue.replaceAll((k, v) -> List.copyOf(v));
            return new SourceIndex(field, Map.copyOf(byValue), List.copyOf(always));
        }

        /** The sources that may match {@code channel}, in rule order. */
        List<SourceRef> candidates(Map<String, Object> channel) {
            Object value = field == null ? null : channel.get(field);
            List<SourceRef> indexed = isScalar(value) ? byValue.get(String.valueOf(value)) : null;
            if (indexed == null) {
                return always;
            }
            if (always.isEmpty()) {
                return indexed;
            }
            List<SourceRef> merged = new ArrayList<>(indexed.size() + always.size());
            int i = 0;
            int j = 0;
            while (i < indexed.size() || j < always.size()) {
                if (j == always.size() || (i < indexed.size() && indexed.get(i).order < always.get(j).order)) {
                    merged.add(indexed.get(i++));
                } else {
                    merged.add(always.get(j++));
                }
            }
            return merged;
        }
    }
}
