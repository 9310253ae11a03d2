package com.example.chatbridge.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatbridge.spi.DriverFactory;
import org.junit.jupiter.api.Test;

/**
 * This module depends on {@code bridge-spi} (provided) and the driver kit (test) only: the bridge itself is not even
 * on the test classpath, so a driver that imported anything of it would not compile.
 */
class SpiOnlyTest {

    @Test
    void theBridgeIsNotOnTheClasspathOnlyItsSpi() {
        assertThat(DriverFactory.class.getName()).isEqualTo("io.chatbridge.spi.DriverFactory");
        for (String bridgeClass : new String[] {"io.chatbridge.core.Bridge", "io.chatbridge.core.cli.Main",
                "io.chatbridge.webhook.WebhookDriverFactory"}) {
            assertThatThrownBy(() -> Class.forName(bridgeClass)).isInstanceOf(ClassNotFoundException.class);
        }
    }
}
