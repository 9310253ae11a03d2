package io.chatbridge.spi;

import java.util.List;

/**
 * People a message mentions (inbound) or should mention (outbound).
 *
 * @param userIds platform user ids (DingTalk staff ids)
 * @param mobiles phone numbers (DingTalk custom robots can mention by mobile)
 * @param all whether everybody is mentioned
 */
public record Mentions(List<String> userIds, List<String> mobiles, boolean all) {

    /** Nobody. */
    public static final Mentions NONE = new Mentions(List.of(), List.of(), false);

    public Mentions {
        userIds = userIds == null ? List.of() : List.copyOf(userIds);
        mobiles = mobiles == null ? List.of() : List.copyOf(mobiles);
    }

    /** Whether nobody is mentioned. */
    public boolean isEmpty() {
        return userIds.isEmpty() && mobiles.isEmpty() && !all;
    }
}
