package io.chatbridge.webhook.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One notification of Prometheus Alertmanager's webhook receiver (payload {@code version} "4") or of Grafana's
 * webhook contact point (the same shape plus {@code title}, {@code message}, {@code state}, {@code orgId} and, per
 * alert, {@code silenceURL}, {@code dashboardURL}, {@code panelURL}, {@code values}), read leniently: a missing
 * field is empty, never an error, because Alertmanager drops a notification answered with 4xx.
 *
 * @param grafana whether Grafana sent it (it has {@code orgId} or {@code state})
 * @param truncatedAlerts how many alerts the sender left out ({@code max_alerts})
 */
public record AlertNotification(boolean grafana, String receiver, String status, String groupKey,
                                Map<String, String> groupLabels, Map<String, String> commonLabels,
                                Map<String, String> commonAnnotations, String externalUrl, List<Alert> alerts,
                                int truncatedAlerts, String title, String message, String state) {

    /** One alert of a notification. {@code endsAt} is {@code null} while it fires (Go's zero time). */
    public record Alert(String status, Map<String, String> labels, Map<String, String> annotations,
                        String startsAt, String endsAt, String generatorUrl, String fingerprint, String silenceUrl,
                        String dashboardUrl, String panelUrl, Map<String, String> values, String valueString) {

        public boolean firing() {
            return !"resolved".equals(status);
        }
    }

    /**
     * Whether {@code body} has the shape of an Alertmanager or Grafana notification: an object with a string
     * {@code groupKey} and either {@code version} "4" or an {@code alerts} array.
     */
    public static boolean recognises(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("groupKey").isTextual()) {
            return false;
        }
        return "4".equals(body.path("version").asText(null)) || body.path("alerts").isArray();
    }

    /** Reads a body {@link #recognises} accepted. */
    public static AlertNotification read(JsonNode body) {
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode a : body.path("alerts")) {
            if (!a.isObject()) {
                continue;
            }
            alerts.add(new Alert(text(a, "status"), map(a.get("labels")), map(a.get("annotations")),
                    time(text(a, "startsAt")), time(text(a, "endsAt")), text(a, "generatorURL"),
                    text(a, "fingerprint"), text(a, "silenceURL"), text(a, "dashboardURL"), text(a, "panelURL"),
                    map(a.get("values")), text(a, "valueString")));
        }
        String status = text(body, "status");
        if (status == null) {
            status = alerts.stream().anyMatch(Alert::firing) || alerts.isEmpty() ? "firing" : "resolved";
        }
        boolean grafana = body.has("orgId") || body.has("state");
        return new AlertNotification(grafana, text(body, "receiver"), status, text(body, "groupKey"),
                map(body.get("groupLabels")), map(body.get("commonLabels")), map(body.get("commonAnnotations")),
                text(body, "externalURL"), List.copyOf(alerts), body.path("truncatedAlerts").asInt(0),
                text(body, "title"), text(body, "message"), text(body, "state"));
    }

    /** The alerts still firing. */
    public List<Alert> firingAlerts() {
        return alerts.stream().filter(Alert::firing).toList();
    }

    /** The alerts resolved. */
    public List<Alert> resolvedAlerts() {
        return alerts.stream().filter(a -> !a.firing()).toList();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        String text = value.asText();
        return text.isEmpty() ? null : text;
    }

    /** Go's zero time ({@code 0001-01-01T00:00:00Z}) means "not set". */
    private static String time(String text) {
        return text == null || text.startsWith("0001-01-01") ? null : text;
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                JsonNode v = field.getValue();
                if (!v.isNull()) {
                    out.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
                }
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
