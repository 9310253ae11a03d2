package io.chatbridge.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aStartOnAPortTakenMeanwhileRunsAgainOnAnotherPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new ArrayList<>();
            ServerSocket bound = Ports.retryingBindFailures(() -> {
                // the first attempt "chose" the taken port, as if another process took it after freePort()
                int port = tried.isEmpty() ? taken.getLocalPort() : Ports.freePort();
                tried.add(port);
                ServerSocket socket = new ServerSocket();
                try {
                    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                } catch (Exception e) {
                    socket.close();
                    throw new IllegalStateException("cannot listen on port " + port, e);
                }
                return socket;
            });
            try (bound) {
                assertThat(tried).hasSize(2).first().isEqualTo(taken.getLocalPort());
                assertThat(bound.getLocalPort()).isEqualTo(tried.get(1)).isNotEqualTo(taken.getLocalPort());
            }
        }
    }

    @Test
    void anyOtherFailureIsThrownAtOnceAndABindFailureAfterTheLastAttempt() {
        List<String> calls = new ArrayList<>();
        assertThatThrownBy(() -> Ports.retryingBindFailures(() -> {
            calls.add("x");
            throw new IllegalStateException("config.json: bad token");
        })).hasMessage("config.json: bad token");
        assertThat(calls).hasSize(1);

        calls.clear();
        assertThatThrownBy(() -> Ports.retryingBindFailures(() -> {
            calls.add("x");
            throw new AssertionError("exited with code 1 before it was up:\nerror: webhook.in.listen_port: cannot"
                    + " listen on 127.0.0.1:8080 (Address already in use)");
        })).hasMessageContaining("Address already in use");
        assertThat(calls).hasSize(Ports.ATTEMPTS);
    }

    @Test
    void aClosedPortRefusesConnectionsAndCannotBeListenedOnWhileHeld() throws Exception {
        try (Ports.ClosedPort closed = Ports.closedPort()) {
            assertThatThrownBy(() -> new java.net.Socket(InetAddress.getLoopbackAddress(), closed.port()).close())
                    .isInstanceOf(java.net.ConnectException.class);
            assertThatThrownBy(() -> new ServerSocket(closed.port(), 50, InetAddress.getLoopbackAddress()).close())
                    .isInstanceOf(java.net.BindException.class);
        }
    }
}
