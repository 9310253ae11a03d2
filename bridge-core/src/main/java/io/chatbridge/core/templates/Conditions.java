package io.chatbridge.core.templates;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** {@code at_all_when}: field → value (or a list of values, any of which matches). */
final class Conditions {

    private Conditions() {
    }

    /**
     * Whether the message's channel fields match every field of {@code condition}, or, for an alert notification,
     * one of its alerts does (its labels plus its {@code status}), so {@code {"severity": "critical"}} also holds
     * for a group whose alerts differ in severity but one of which is critical.
     */
    static boolean holds(Map<String, Object> condition, Map<String, Object> channel, Object alerts) {
        if (matches(condition, channel)) {
            return true;
        }
        if (alerts instanceof Collection<?> list) {
            for (Object alert : list) {
                if (alert instanceof Map<?, ?> a) {
                    Map<String, Object> fields = new HashMap<>();
                    if (a.get("labels") instanceof Map<?, ?> labels) {
                        labels.forEach((k, v) -> fields.put(String.valueOf(k), v));
                    }
                    if (a.get("status") != null) {
                        fields.put("status", a.get("status"));
                    }
                    if (matches(condition, fields)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean matches(Map<String, Object> condition, Map<String, ?> fields) {
        for (Map.Entry<String, Object> c : condition.entrySet()) {
            Object actual = fields.get(c.getKey());
            if (actual == null) {
                return false;
            }
            String value = String.valueOf(actual);
            if (c.getValue() instanceof Collection<?> anyOf) {
                if (anyOf.stream().noneMatch(v -> String.valueOf(v).equals(value))) {
                    return false;
                }
            } else if (!String.valueOf(c.getValue()).equals(value)) {
                return false;
            }
        }
        return true;
    }
}
