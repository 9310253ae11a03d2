package io.chatbridge.core.delivery;

import java.nio.file.Path;

/**
 * Run in a process of its own by {@link SqliteDeliveryStoreTest}: opens the SQLite outbox at {@code args[0]} as its
 * owner and prints {@code opened} or {@code refused: <message>}, so the test sees what a second bridge process sees.
 */
public final class SecondOwnerMain {

    private SecondOwnerMain() {
    }

    public static void main(String[] args) {
        try (JdbcDeliveryStore store = JdbcDeliveryStore.openSqlite(Path.of(args[0]), true)) {
            System.out.println("opened");
        } catch (StoreException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
