package io.chatbridge.core.config;

import io.chatbridge.spi.ConfigNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code global.identities}: the same person's user id on several instances, so a mention on one becomes a real
 * mention on another. A list of people, each an object from instance id to that person's user id there:
 *
 * <pre>{@code
 * "identities": [
 *   {"tg": "123456789", "dt_main": "alice01"},
 *   {"tg": "987654321", "dt_main": "bob02", "events": "bob@corp.example"}
 * ]}</pre>
 *
 * <p>Validated when config.json loads: an instance id config.json does not define is an error naming the nearest
 * one; an id that is not a non-empty string or number, a person with fewer than two instances and a user id given
 * for two people are errors with their JSON path. Immutable and thread-safe.
 */
public final class Identities {

    /** The key under {@code global}. */
    static final String KEY = "identities";

    /** Nobody mapped. */
    public static final Identities NONE = new Identities(List.of());

    private final List<Map<String, String>> people;
    /** instance → user id → index in {@link #people}. */
    private final Map<String, Map<String, Integer>> index = new HashMap<>();

    private Identities(List<Map<String, String>> people) {
        this.people = List.copyOf(people);
        for (int i = 0; i < this.people.size(); i++) {
            int person = i;
            this.people.get(i).forEach((instance, id) ->
                    index.computeIfAbsent(instance, k -> new HashMap<>()).put(id, person));
        }
    }

    /** People as given, each instance id → user id, without validation (tests, tools). */
    public static Identities of(List<Map<String, String>> people) {
        return new Identities(people.stream().map(Map::copyOf).toList());
    }

    /** Reads {@code identities} of the {@code global} node; problems go through the node. */
    static Identities from(ConfigNode global, Collection<String> instanceIds) {
        ConfigNode node = global.get(KEY);
        if (node.isMissing()) {
            return NONE;
        }
        if (!(node.value() instanceof List<?>)) {
            node.problem("expected an array of people, each mapping instance ids to that person's user id there,"
                    + " e.g. [{\"tg\": \"123456789\", \"dt_main\": \"alice01\"}], got "
                    + ConfigNode.describe(node.value()));
            return NONE;
        }
        List<Map<String, String>> people = new ArrayList<>();
        Map<String, String> seen = new HashMap<>(); // instance + "\n" + id → path of the person giving it
        for (ConfigNode entry : global.list(KEY)) {
            if (!entry.isObject()) {
                entry.problem("expected an object from instance id to user id, e.g. {\"tg\": \"123456789\", "
                        + "\"dt_main\": \"alice01\"}, got " + ConfigNode.describe(entry.value()));
                continue;
            }
            if (entry.keys().size() < 2) {
                entry.problem("names " + (entry.keys().isEmpty() ? "no instance" : "one instance only")
                        + "; a person maps the user ids of two or more instances");
                continue;
            }
            Map<String, String> person = new LinkedHashMap<>();
            for (String instance : entry.keys()) {
                ConfigNode idNode = entry.get(instance);
                if (!instanceIds.contains(instance)) {
                    String nearest = ConfigNode.nearest(instance, instanceIds);
                    idNode.problem("unknown instance" + (nearest == null ? "" : "; did you mean " + nearest + "?")
                            + " (instances: " + String.join(", ", instanceIds.stream().sorted().toList()) + ")");
                    continue;
                }
                Object value = idNode.value();
                String id = value instanceof String || value instanceof Number ? idNode.asText() : null;
                if (id == null || id.isBlank()) {
                    idNode.problem(id == null ? "expected the person's user id on " + instance + " (a string), got "
                            + ConfigNode.describe(value) : "must not be empty: the person's user id on " + instance);
                    continue;
                }
                String other = seen.putIfAbsent(instance + "\n" + id, entry.path());
                if (other != null) {
                    idNode.problem("user id \"" + id + "\" of " + instance + " is already given in " + other
                            + "; one id can be one person only");
                    continue;
                }
                person.put(instance, id);
            }
            if (person.size() >= 2) {
                people.add(person);
            }
        }
        return new Identities(people);
    }

    /**
     * The user id on {@code targetInstance} of the person who is {@code userId} on {@code sourceInstance}, or
     * {@code null} when no identity says.
     */
    public String map(String sourceInstance, String userId, String targetInstance) {
        Map<String, Integer> ids = index.get(sourceInstance);
        Integer person = ids == null ? null : ids.get(userId);
        return person == null ? null : people.get(person).get(targetInstance);
    }

    /** How many people are mapped. */
    public int size() {
        return people.size();
    }
}
