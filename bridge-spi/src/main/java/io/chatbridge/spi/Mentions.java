package io.chatbridge.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * People a message mentions (inbound) or should mention (outbound).
 *
 * @param userIds platform user ids (DingTalk staff ids)
 * @param mobiles phone numbers (DingTalk custom robots can mention by mobile)
 * @param all whether everybody is mentioned
 * @param names the display name of a mentioned user id as the message's text writes it ({@code "Alice"} for
 *     {@code @Alice}), where the source platform lets the driver tell; ids without a known name are absent. Target
 *     drivers that mention by id in the text (DingTalk: {@code @staffId}) put the id where the text has
 *     {@code @name}; others show the text as it is
 */
public record Mentions(List<String> userIds, List<String> mobiles, boolean all, Map<String, String> names) {

    /** Nobody. */
    public static final Mentions NONE = new Mentions(List.of(), List.of(), false);

    public Mentions {
        userIds = userIds == null ? List.of() : List.copyOf(userIds);
        mobiles = mobiles == null ? List.of() : List.copyOf(mobiles);
        Map<String, String> kept = new LinkedHashMap<>();
        if (names != null) {
            for (Map.Entry<String, String> name : names.entrySet()) {
                if (name.getKey() != null && name.getValue() != null && !name.getValue().isBlank()
                        && userIds.contains(name.getKey())) {
                    kept.put(name.getKey(), name.getValue());
                }
            }
        }
        names = java.util.Collections.unmodifiableMap(kept);
    }

    /** Mentions without display names. */
    public Mentions(List<String> userIds, List<String> mobiles, boolean all) {
        this(userIds, mobiles, all, Map.of());
    }

    /** Whether nobody is mentioned. */
    public boolean isEmpty() {
        return userIds.isEmpty() && mobiles.isEmpty() && !all;
    }

    /** The display name of {@code userId} as the text writes it, or {@code null} when unknown. */
    public String nameOf(String userId) {
        return names.get(userId);
    }
}
