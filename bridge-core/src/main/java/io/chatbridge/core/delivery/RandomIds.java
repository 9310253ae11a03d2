package io.chatbridge.core.delivery;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs for delivery ids and claim tokens, drawn from {@link ThreadLocalRandom}: they only have
 * to be unique, never unguessable (neither is a secret or a credential), and {@link UUID#randomUUID()} reads the
 * shared, locked {@code SecureRandom} for each (seen in a JFR profile of every accepted message and every claim).
 */
public final class RandomIds {

    private RandomIds() {
    }

    /** A new random UUID in the standard text form. */
    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L; // version 4
        long low = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L; // IETF variant
        return new UUID(high, low).toString();
    }
}
