package cn.tongban.session.media.ice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two real ice4j agents on loopback: the bridge's controlled agent on the single port, a controlling peer. */
class IceTransportTest {

    @Test
    void controllingPeerReachesBridgeOnSinglePortAndDataFlowsBothWays() throws Exception {
        try (IceUdpPort port = IceUdpPort.open(List.of(InetAddress.getLoopbackAddress()), 0)) {
            IceTransport bridge = port.newTransport("bridge");
            IceTransport peer = IceTransport.controllingOnEphemeralPorts("peer");
            try {
                assertThat(bridge.localCandidates()).singleElement().satisfies(c -> {
                    assertThat(c.address()).isEqualTo("127.0.0.1");
                    assertThat(c.port()).isEqualTo(port.port());
                });
                CompletableFuture<String> got = new CompletableFuture<>();
                bridge.setDataHandler((b, o, l, from) -> got.complete(new String(b, o, l, StandardCharsets.UTF_8)));

                bridge.start(peer.localUfrag(), peer.localPassword(), List.of());
                peer.start(bridge.localUfrag(), bridge.localPassword(), bridge.localCandidates());

                peer.connected().get(20, TimeUnit.SECONDS);
                bridge.connected().get(20, TimeUnit.SECONDS);

                byte[] hello = "hello bridge".getBytes(StandardCharsets.UTF_8);
                peer.send(hello, 0, hello.length);
                assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("hello bridge");

                byte[] back = "hello peer".getBytes(StandardCharsets.UTF_8);
                bridge.send(back, 0, back.length);
                byte[] buf = new byte[1500];
                int n = peer.receiveBlocking(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).isEqualTo("hello peer");
            } finally {
                peer.close();
                bridge.close();
            }
        }
    }
}
