package io.chatbridge.dingtalk;

/**
 * One custom group robot ({@code dingtalk.<id>.webhooks[]}).
 *
 * @param chatGroup the name rules use in {@code chat_group} (any name the user likes)
 * @param url the robot's webhook URL; contains the robot's access token, so it is never logged
 * @param secret the "Additional Signature" secret ({@code SEC...}), or {@code null} when the robot has none
 * @param ratePerMinute how many messages per minute this robot may send (DingTalk allows 20)
 */
public record WebhookConfig(String chatGroup, String url, String secret, int ratePerMinute) {

    @Override
    public String toString() {
        // the URL and secret stay out of every rendering of this record
        return "WebhookConfig[chatGroup=" + chatGroup + ", signed=" + (secret != null) + ", ratePerMinute="
                + ratePerMinute + "]";
    }
}
