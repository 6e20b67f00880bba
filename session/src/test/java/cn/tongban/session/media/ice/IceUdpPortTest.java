package cn.tongban.session.media.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bridge's UDP port is its own: a second bridge (a second server started by mistake on the same port)
 * must not bind it as well and silently take its traffic, as a socket with SO_REUSEADDR would on Linux.
 */
class IceUdpPortTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aSecondBridgeOnTheSamePortRefusesToStartAndSaysWhich() throws Exception {
        try (IceUdpPort first = IceUdpPort.open(List.of(LOOPBACK), 0)) {
            int port = first.port();
            assertThatThrownBy(() -> IceUdpPort.open(List.of(LOOPBACK), port))
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(String.valueOf(port))
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void aPortHeldByAnotherProgramIsRefusedToo() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            int port = other.getLocalPort();
            assertThatThrownBy(() -> IceUdpPort.open(List.of(LOOPBACK), port))
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(String.valueOf(port));
        }
    }

    @Test
    void aFreePortIsBoundAndFreedAgainOnClose() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            port = probe.getLocalPort();
        }
        try (IceUdpPort bridge = IceUdpPort.open(List.of(LOOPBACK), port)) {
            assertThat(bridge.port()).isEqualTo(port);
        }
        try (IceUdpPort again = IceUdpPort.open(List.of(LOOPBACK), port)) {
            assertThat(again.port()).isEqualTo(port);
        }
    }
}
