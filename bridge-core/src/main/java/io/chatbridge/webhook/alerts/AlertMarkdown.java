package io.chatbridge.webhook.alerts;

import static io.chatbridge.webhook.alerts.MarkdownText.escape;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The default rendering of an alert notification: one markdown message with a title such as
 * {@code [FIRING:2] DiskFull} or {@code [RESOLVED] DiskFull}, the labels all alerts share, then per alert its
 * summary and description, severity and instance, the labels that differ, when it started (and ended), and links
 * (source, silence, dashboard, panel, runbook). Everything taken from the payload is markdown-escaped.
 *
 * <p>The text is cut to {@link #DEFAULT_MAX_BYTES} (DingTalk refuses custom-robot messages over about 20,000 bytes
 * and app-robot parameters over about 15,000; the rest is room for JSON escaping): alerts that do not fit are
 * summed up as {@code … and N more alerts} with the link to the sender's UI. An alert's description is cut at
 * {@link #MAX_DESCRIPTION} characters so one alert always fits.
 */
public final class AlertMarkdown {

    /** Size budget of the markdown text in UTF-8 bytes. */
    public static final int DEFAULT_MAX_BYTES = 12_000;
    static final int MAX_DESCRIPTION = 1_000;

    private static final Set<String> SHOWN_LABELS = Set.of("alertname", "severity", "instance");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private final ZoneId zone;
    private final int maxBytes;

    public AlertMarkdown(ZoneId zone, int maxBytes) {
        this.zone = zone;
        this.maxBytes = maxBytes;
    }

    /** The plain title, e.g. {@code [FIRING:2] DiskFull} (DingTalk shows it in the chat list). */
    public static String title(AlertNotification n) {
        String status = n.status().toUpperCase(Locale.ROOT);
        int firing = n.firingAlerts().size();
        String head = "firing".equalsIgnoreCase(n.status()) && !n.alerts().isEmpty()
                ? "[" + status + ":" + (firing + n.truncatedAlerts()) + "]" : "[" + status + "]";
        String name = groupName(n);
        return name.isEmpty() ? head : head + " " + name;
    }

    /** The markdown text. */
    public String render(AlertNotification n) {
        StringBuilder head = new StringBuilder();
        head.append("#### ").append(escape(title(n))).append("\n\n");
        List<String> common = new ArrayList<>();
        n.commonLabels().forEach((k, v) -> {
            if (!k.equals("alertname") || groupName(n).isEmpty()) {
                common.add(escape(k) + "=" + escape(v));
            }
        });
        if (!common.isEmpty()) {
            head.append("Labels: ").append(String.join(", ", common)).append("\n\n");
        }
        if (n.grafana() && n.alerts().isEmpty() && n.message() != null) {
            head.append(escape(cut(n.message(), MAX_DESCRIPTION))).append("\n\n");
        }

        List<String> blocks = new ArrayList<>();
        List<AlertNotification.Alert> firing = n.firingAlerts();
        List<AlertNotification.Alert> resolved = n.resolvedAlerts();
        boolean sections = !firing.isEmpty() && !resolved.isEmpty();
        for (List<AlertNotification.Alert> group : List.of(firing, resolved)) {
            boolean first = true;
            for (AlertNotification.Alert alert : group) {
                String section = sections && first
                        ? "**" + (alert.firing() ? "Firing" : "Resolved") + " (" + group.size() + ")**\n\n" : "";
                blocks.add(section + block(n, alert));
                first = false;
            }
        }

        String link = link(n);
        String footer = link == null ? "" : link;
        StringBuilder out = new StringBuilder(head);
        if (n.alerts().isEmpty()) {
            out.append("The notification lists no alerts.\n\n");
        }
        int used = bytes(out) + bytes(footer);
        int shown = 0;
        for (String block : blocks) {
            int omittedIfStop = blocks.size() - shown;
            String separator = shown == 0 ? "" : "---\n\n";
            int reserve = bytes(more(omittedIfStop - 1 + n.truncatedAlerts(), link));
            if (used + bytes(separator) + bytes(block) + reserve > maxBytes && shown > 0) {
                break;
            }
            out.append(separator).append(block);
            used += bytes(separator) + bytes(block);
            shown++;
        }
        int omitted = blocks.size() - shown + n.truncatedAlerts();
        if (omitted > 0) {
            out.append(more(omitted, link));
        } else if (!footer.isEmpty()) {
            out.append(footer);
        }
        return out.toString().stripTrailing();
    }

    private String block(AlertNotification n, AlertNotification.Alert alert) {
        StringBuilder b = new StringBuilder();
        String summary = first(alert.annotations().get("summary"), alert.labels().get("alertname"), "Alert");
        b.append("**").append(escape(cut(summary, 200))).append("**\n\n");
        String description = alert.annotations().get("description");
        if (description != null && !description.isBlank()) {
            b.append(MarkdownText.escapeLines(cut(description.strip(), MAX_DESCRIPTION))).append("\n\n");
        }
        List<String> facts = new ArrayList<>();
        for (String key : List.of("severity", "instance")) {
            String value = alert.labels().get(key);
            if (value != null) {
                facts.add(key + ": " + escape(value));
            }
        }
        if (!facts.isEmpty()) {
            b.append("- ").append(String.join(" · ", facts)).append('\n');
        }
        List<String> differing = new ArrayList<>();
        alert.labels().forEach((k, v) -> {
            if (!SHOWN_LABELS.contains(k) && !v.equals(n.commonLabels().get(k))) {
                differing.add(escape(k) + "=" + escape(v));
            }
        });
        if (!differing.isEmpty()) {
            b.append("- labels: ").append(String.join(", ", differing)).append('\n');
        }
        if (!alert.values().isEmpty()) {
            List<String> values = new ArrayList<>();
            alert.values().forEach((k, v) -> values.add(escape(k) + "=" + escape(v)));
            b.append("- values: ").append(String.join(", ", values)).append('\n');
        } else if (alert.valueString() != null) {
            b.append("- value: ").append(escape(cut(alert.valueString(), 300))).append('\n');
        }
        String started = time(alert.startsAt());
        String ended = alert.firing() ? null : time(alert.endsAt());
        if (started != null || ended != null) {
            List<String> times = new ArrayList<>();
            if (started != null) {
                times.add("started: " + started);
            }
            if (ended != null) {
                times.add("ended: " + ended);
            }
            b.append("- ").append(String.join(" · ", times)).append('\n');
        }
        List<String> links = new ArrayList<>();
        addLink(links, "source", alert.generatorUrl());
        addLink(links, "silence", alert.silenceUrl());
        addLink(links, "dashboard", alert.dashboardUrl());
        addLink(links, "panel", alert.panelUrl());
        addLink(links, "runbook", first(alert.annotations().get("runbook_url"), alert.annotations().get("runbook"),
                null));
        if (!links.isEmpty()) {
            b.append("- ").append(String.join(" · ", links)).append('\n');
        }
        return b.append('\n').toString();
    }

    /** Group labels' values (alertname first), else the alerts' distinct alertnames, else the receiver. */
    static String groupName(AlertNotification n) {
        List<String> parts = new ArrayList<>();
        String alertname = n.groupLabels().get("alertname");
        if (alertname != null) {
            parts.add(alertname);
        }
        n.groupLabels().forEach((k, v) -> {
            if (!k.equals("alertname")) {
                parts.add(v);
            }
        });
        if (parts.isEmpty() && n.commonLabels().get("alertname") != null) {
            parts.add(n.commonLabels().get("alertname"));
        }
        if (parts.isEmpty()) {
            Set<String> names = new LinkedHashSet<>();
            n.alerts().forEach(a -> {
                if (a.labels().get("alertname") != null) {
                    names.add(a.labels().get("alertname"));
                }
            });
            List<String> list = new ArrayList<>(names);
            if (list.size() > 3) {
                list = new ArrayList<>(list.subList(0, 3));
                list.add("…");
            }
            if (!list.isEmpty()) {
                return String.join(", ", list);
            }
        }
        if (parts.isEmpty() && n.receiver() != null) {
            parts.add(n.receiver());
        }
        return String.join(" ", parts);
    }

    /** The sender's UI: Alertmanager's alert list for the receiver, or Grafana's alert list. */
    private static String link(AlertNotification n) {
        String base = MarkdownText.url(n.externalUrl());
        if (base == null) {
            return null;
        }
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        if (n.grafana()) {
            return "[Grafana](" + trimmed + "/alerting/list)";
        }
        String receiver = n.receiver() == null ? ""
                : "?receiver=" + URLEncoder.encode(n.receiver(), StandardCharsets.UTF_8);
        return "[Alertmanager](" + trimmed + "/#/alerts" + receiver + ")";
    }

    private static String more(int omitted, String link) {
        if (omitted <= 0) {
            return "";
        }
        String what = "… and " + omitted + " more alert" + (omitted == 1 ? "" : "s");
        return link == null ? what : what + ": " + link;
    }

    private String time(String rfc3339) {
        if (rfc3339 == null) {
            return null;
        }
        try {
            return TIME.format(OffsetDateTime.parse(rfc3339).atZoneSameInstant(zone)) + " "
                    + (zone.normalized().equals(java.time.ZoneOffset.UTC) ? "UTC" : zone.getId());
        } catch (DateTimeException e) {
            return escape(rfc3339);
        }
    }

    private static void addLink(List<String> links, String label, String url) {
        String safe = MarkdownText.url(url);
        if (safe != null) {
            links.add("[" + label + "](" + safe + ")");
        }
    }

    private static String first(String a, String b, String c) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : c;
    }

    static String cut(String text, int max) {
        if (text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, max - 1)) + "…";
    }

    private static int bytes(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Common labels and the receiver and status, as channel fields for rules. */
    static Map<String, Object> channel(AlertNotification n) {
        Map<String, Object> channel = new java.util.LinkedHashMap<>(n.commonLabels());
        if (n.receiver() != null) {
            channel.put("receiver", n.receiver());
        }
        channel.put("status", n.status());
        return channel;
    }
}
