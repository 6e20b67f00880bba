package cn.tongban.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
    private final ClientAddress behindProxies = new ClientAddress(List.of("10.0.0.5", "192.168.1.0/24", "fd00::/8"));

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        ClientAddress direct = new ClientAddress(List.of());
        assertThat(direct.client("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
        assertThat(direct.isTrustedProxy("10.0.0.5")).isFalse();
    }

    @Test
    void fromAnUntrustedPeerTheHeaderIsIgnored() {
        assertThat(behindProxies.client("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
    }

    @Test
    void theRightmostAddressNotAProxyIsTheClient() {
        // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
        assertThat(behindProxies.client("10.0.0.5", "1.2.3.4, 198.51.100.7")).isEqualTo("198.51.100.7");
        // Two proxies in a row, both trusted.
        assertThat(behindProxies.client("10.0.0.5", "198.51.100.7, 192.168.1.20"))
                .isEqualTo("198.51.100.7");
        assertThat(behindProxies.client("fd00::1", "2001:db8::7")).isEqualTo("2001:db8::7");
    }

    @Test
    void garbageOrOnlyProxiesFallBackToTheLastTrustedHop() {
        assertThat(behindProxies.client("10.0.0.5", "not-an-address")).isEqualTo("10.0.0.5");
        assertThat(behindProxies.client("10.0.0.5", "evil.example, 192.168.1.20"))
                .isEqualTo("192.168.1.20");
        assertThat(behindProxies.client("10.0.0.5", "192.168.1.20")).isEqualTo("192.168.1.20");
        assertThat(behindProxies.client("10.0.0.5", null)).isEqualTo("10.0.0.5");
    }

    @Test
    void ranges() {
        assertThat(behindProxies.isTrustedProxy("192.168.1.255")).isTrue();
        assertThat(behindProxies.isTrustedProxy("192.168.2.1")).isFalse();
        assertThat(behindProxies.isTrustedProxy("fdab::2")).isTrue();
        assertThat(behindProxies.isTrustedProxy("not an address")).isFalse();
    }

    @Test
    void aNameIsNotAnAddress() {
        // Names would mean DNS lookups on every request, and whoever controls DNS would control trust.
        assertThatThrownBy(() -> new ClientAddress(List.of("proxy.example")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientAddress(List.of("10.0.0.0/x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientAddress(List.of("300.1.1.1"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theJournalSeesANetworkNotADevice() {
        assertThat(ClientAddress.masked("198.51.100.7")).isEqualTo("198.51.100.0/24");
        assertThat(ClientAddress.masked("2001:db8:1:2::5")).isEqualTo("2001:db8:1::/48");
        assertThat(ClientAddress.masked("[2001:db8::1]")).isEqualTo("2001:db8::/48");
        assertThat(ClientAddress.masked("not an address")).isEqualTo("?");
        assertThat(ClientAddress.masked(null)).isEqualTo("?");
    }
}
