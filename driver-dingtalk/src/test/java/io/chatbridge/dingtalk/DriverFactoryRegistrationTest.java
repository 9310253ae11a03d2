package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.DriverFactory;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class DriverFactoryRegistrationTest {

    @Test
    void serviceLoaderFindsTheDingTalkFactory() {
        assertThat(ServiceLoader.load(DriverFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(factory -> {
                    assertThat(factory).isInstanceOf(DingTalkDriverFactory.class);
                    assertThat(factory.platform()).isEqualTo("dingtalk");
                });
    }
}
