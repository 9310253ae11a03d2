package io.chatbridge.core.routing;

import io.chatbridge.core.config.Rule;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Turns one inbound message into one outbound message per matching rule target, applying echo prevention and the
 * rule's {@code msg_format}. Immutable and thread-safe; rules are indexed by source instance so that routing cost
 * grows with the rules naming the message's instance, not with all rules.
 */
public final class Router {

    private final Map<String, List<SourceRef>> bySourceInstance = new HashMap<>();
    private final Map<String, String> platformOf;
    private final boolean strictEchoMatch;

    /**
     * @param rules the rules in file order
     * @param platformOf platform key by instance id (for the same-channel echo check)
     * @param strictEchoMatch skip a target only when both instance and channel equal the source's
     */
    public Router(List<Rule> rules, Map<String, String> platformOf, boolean strictEchoMatch) {
        this.platformOf = Map.copyOf(platformOf);
        this.strictEchoMatch = strictEchoMatch;
        Map<String, MessageTemplate> templates = new HashMap<>();
        for (Rule rule : rules) {
            List<Target> targets = new ArrayList<>();
            for (Rule.Endpoint t : rule.targets()) {
                Map<String, Object> msg = new LinkedHashMap<>(rule.msg());
                msg.putAll(t.msg());
                Object format = msg.remove("msg_format");
                MessageTemplate template = templates.computeIfAbsent(
                        format == null ? MessageTemplate.DEFAULT_FORMAT : String.valueOf(format), MessageTemplate::of);
                targets.add(new Target(t, template, Map.copyOf(msg)));
            }
            CompiledRule compiled = new CompiledRule(rule, List.copyOf(targets));
            for (int i = 0; i < rule.sources().size(); i++) {
                Rule.Endpoint source = rule.sources().get(i);
                bySourceInstance.computeIfAbsent(source.instanceId(), k -> new ArrayList<>())
                        .add(new SourceRef(compiled, i, source));
            }
        }
    }

    /** The outbound messages {@code message} produces, in rule order; empty when nothing matches. */
    public List<OutboundMessage> route(InboundMessage message) {
        List<SourceRef> candidates = bySourceInstance.get(message.instanceId());
        if (candidates == null) {
            return List.of();
        }
        List<OutboundMessage> out = new ArrayList<>();
        CompiledRule current = null;
        List<Integer> matchedSources = new ArrayList<>();
        for (SourceRef ref : candidates) {
            if (ref.rule != current) {
                emit(current, matchedSources, message, out);
                current = ref.rule;
                matchedSources.clear();
            }
            if (matches(ref.endpoint.address(), message.channel())) {
                matchedSources.add(ref.index);
            }
        }
        emit(current, matchedSources, message, out);
        return out;
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
            out.add(new OutboundMessage(UUID.randomUUID().toString(), rule.rule.id(), endpoint.instanceId(),
                    endpoint.address(), target.template.render(message), target.template.header(message),
                    message.rich(), message.attachments(), message.mentions(), target.options, origin,
                    message.extensions(), 1));
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

    private record Target(Rule.Endpoint endpoint, MessageTemplate template, Map<String, Object> options) {
    }

    private record SourceRef(CompiledRule rule, int index, Rule.Endpoint endpoint) {
    }
}
