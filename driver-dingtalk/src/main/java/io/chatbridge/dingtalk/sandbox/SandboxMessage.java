package io.chatbridge.dingtalk.sandbox;

/**
 * One message seen in a sandbox conversation.
 *
 * @param id the {@code processQueryKey} of an OpenAPI send, the {@code msgId} of a member's message, or a generated
 *     id for webhook messages
 * @param time when the sandbox recorded it, epoch milliseconds
 * @param via how it arrived: {@code openapi}, {@code webhook:<name>}, {@code session} (a {@code sessionWebhook}
 *     reply) or {@code member} (typed by a person as a group member and delivered to the bridge)
 * @param sender the display name: the robot code, the webhook name or the member's nick
 * @param content what it shows
 * @param delivery for {@code member} messages: how delivering it to the bridge went; {@code null} otherwise
 */
public record SandboxMessage(String id, long time, String via, String sender, MessageContent content,
        Delivery delivery) {

    public static final String VIA_OPENAPI = "openapi";
    public static final String VIA_SESSION = "session";
    public static final String VIA_MEMBER = "member";

    /** Whether the message shows {@code text} (its text content or markdown source contains it). */
    public boolean shows(String text) {
        return content.text() != null && content.text().contains(text);
    }

    SandboxMessage withDelivery(Delivery delivery) {
        return new SandboxMessage(id, time, via, sender, content, delivery);
    }

    /** How delivering a member's message to the bridge's callback URL went. */
    public record Delivery(State state, String detail) {
        public enum State { PENDING, DELIVERED, FAILED }

        static Delivery pending() {
            return new Delivery(State.PENDING, "delivering to the bridge");
        }
    }
}
