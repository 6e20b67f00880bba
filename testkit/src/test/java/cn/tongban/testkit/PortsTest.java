package cn.tongban.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsTest {
    @Test
    void reservedPortsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        int ephemeralStart = Ports.ephemeralRange()[0];
        Set<Integer> seen = new HashSet<>();
        for (int p : Ports.reserve(20)) {
            assertThat(p).isBetween(1025, ephemeralStart - 1);
            assertThat(seen.add(p)).as("reserved twice: " + p).isTrue();
        }
        int p = Ports.reserve();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", p));
            assertThat(s.getLocalPort()).isEqualTo(p);
        }
    }

    @Test
    void aPortSomethingListensOnIsNotBindable() throws Exception {
        int p = Ports.reserve();
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", p));
            assertThat(Ports.bindable(p)).isFalse();
        }
        assertThat(Ports.bindable(p)).isTrue();
    }
}
