package io.chatbridge.core.delivery;

class InMemoryDeliveryStoreTest extends DeliveryStoreContract {

    @Override
    protected DeliveryStore createStore() {
        return new InMemoryDeliveryStore();
    }
}
