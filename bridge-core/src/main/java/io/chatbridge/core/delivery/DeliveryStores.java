package io.chatbridge.core.delivery;

import io.chatbridge.core.config.GlobalSettings;
import java.nio.file.Path;

/** Opens the delivery store that {@code global.database} names. */
public final class DeliveryStores {

    private static final String SQLITE_URL = "jdbc:sqlite:";

    private DeliveryStores() {
    }

    /**
     * Opens (and creates or migrates) the store for a running bridge. A SQLite file is locked for this process and
     * the claims a crashed previous run left behind are released, so that work is sent again at once.
     *
     * @throws StoreException with a message naming the setting ({@code global.database.path} or {@code .url}) and the
     *     file or URL (without credentials) when it cannot be opened
     */
    public static DeliveryStore open(GlobalSettings global) {
        return open(global, true);
    }

    /**
     * For a running bridge: checks and locks the SQLite file {@code global.database} names before the store is
     * opened, so a second bridge on the same file is refused before it starts anything; {@code null} for other
     * stores. Open it with {@link #open(GlobalSettings, JdbcDeliveryStore.Reservation)}.
     *
     * @throws StoreException as {@link #open(GlobalSettings)}
     */
    public static JdbcDeliveryStore.Reservation reserve(GlobalSettings global) {
        String url = global.databaseUrl();
        if (url != null || global.databasePath() == null) {
            return null; // PostgreSQL, a jdbc:sqlite: URL (opened and locked by open) or in memory
        }
        try {
            return JdbcDeliveryStore.reserveSqlite(global.databasePath());
        } catch (StoreException e) {
            throw new StoreException("global.database.path: " + e.getMessage(), e.getCause());
        }
    }

    /** {@link #open(GlobalSettings)} of a store {@link #reserve reserved} before ({@code null}: not reserved). */
    public static DeliveryStore open(GlobalSettings global, JdbcDeliveryStore.Reservation reserved) {
        if (reserved == null) {
            return open(global);
        }
        try {
            return JdbcDeliveryStore.openSqlite(reserved);
        } catch (StoreException e) {
            throw new StoreException("global.database.path: " + e.getMessage(), e.getCause());
        }
    }

    /**
     * Opens the store for a tool ({@code dlq}, {@code outbox stats}) that may run beside the bridge on the same
     * database: no lock, claims untouched. {@code ":memory:"} gives an empty in-memory store.
     *
     * @throws StoreException as {@link #open(GlobalSettings)}
     */
    public static DeliveryStore openForTools(GlobalSettings global) {
        return open(global, false);
    }

    /** What {@code global.database} names, for messages: a path or a URL without credentials. */
    public static String describe(GlobalSettings global) {
        if (global.databaseUrl() != null) {
            return JdbcDeliveryStore.safeUrl(global.databaseUrl());
        }
        return global.databasePath() == null ? ":memory:" : global.databasePath().toString();
    }

    private static DeliveryStore open(GlobalSettings global, boolean owner) {
        String key = global.databaseUrl() != null ? "global.database.url" : "global.database.path";
        try {
            return openNamed(global, owner);
        } catch (StoreException e) {
            // name the setting to fix, not only the file: the path is resolved against config.json's directory
            throw new StoreException(key + ": " + e.getMessage(), e.getCause());
        }
    }

    private static DeliveryStore openNamed(GlobalSettings global, boolean owner) {
        String url = global.databaseUrl();
        if (url != null && url.startsWith("jdbc:postgresql:")) {
            return JdbcDeliveryStore.openPostgres(url, global.databaseUser(), global.databasePassword(),
                    global.workers() + 4);
        }
        Path file = global.databasePath();
        if (url != null && url.startsWith(SQLITE_URL)) {
            String path = url.substring(SQLITE_URL.length()).replaceFirst("\\?.*$", "");
            file = path.isEmpty() || path.equals(":memory:") ? null : Path.of(path);
        } else if (url != null) {
            throw new StoreException("cannot open database " + JdbcDeliveryStore.safeUrl(url)
                    + ": only jdbc:postgresql: and jdbc:sqlite: URLs are supported", null);
        }
        if (file == null) {
            return new InMemoryDeliveryStore();
        }
        return JdbcDeliveryStore.openSqlite(file, owner);
    }
}
