package cn.tongban.session.media.ice;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.testkit.Await;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * The attack of issue #11: one binding request with the right username but a forged MESSAGE-INTEGRITY
     * makes the shared port route the sender's address to the endpoint; what follows from that address must
     * still not reach it.
     */
    @Test
    void aForgedBindingRequestDoesNotOpenTheEndpointToItsSender() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (IceUdpPort port = IceUdpPort.open(List.of(loopback), 0);
                DatagramSocket attacker = new DatagramSocket(0, loopback)) {
            IceTransport bridge = port.newTransport("bridge");
            try {
                AtomicInteger delivered = new AtomicInteger();
                bridge.setDataHandler((b, o, l, from) -> delivered.incrementAndGet());
                bridge.start("peer", "peer-password-0123456789", List.of());
                InetSocketAddress target = new InetSocketAddress(loopback, port.port());
                byte[] forged = bindingRequest(bridge.localUfrag() + ":peer", new byte[20]);
                byte[] rtp = new byte[172];
                rtp[0] = (byte) 0x80;
                rtp[1] = 96;
                Await.until("the forger's datagrams reach the transport", Duration.ofSeconds(15), () -> {
                    attacker.send(new DatagramPacket(forged, forged.length, target));
                    for (int i = 0; i < 20; i++) {
                        attacker.send(new DatagramPacket(rtp, rtp.length, target));
                    }
                    return bridge.refusedDatagrams() > 0 || delivered.get() > 0;
                });
                // Without the check all of them were delivered (ice4j routes the address on the username alone).
                assertThat(delivered)
                        .as("datagrams delivered from the forger's address")
                        .hasValue(0);
                assertThat(bridge.refusedDatagrams()).isPositive();
            } finally {
                bridge.close();
            }
        }
    }

    /**
     * ice4j's STUN decoder throws unchecked exceptions for some garbage (the fuzzer found a 21-byte header
     * claiming one byte of attributes): a few thousand such datagrams on the shared port, and a peer still
     * connects and exchanges data through it afterwards.
     */
    @Test
    void theSharedPortSurvivesStunGarbage() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (IceUdpPort port = IceUdpPort.open(List.of(loopback), 0);
                DatagramSocket attacker = new DatagramSocket(0, loopback)) {
            InetSocketAddress target = new InetSocketAddress(loopback, port.port());
            java.util.Random r = new java.util.Random(7);
            List<byte[]> garbage = new java.util.ArrayList<>();
            garbage.add(new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            for (int i = 0; i < 3000; i++) {
                byte[] d = new byte[20 + r.nextInt(60)];
                r.nextBytes(d);
                d[0] = (byte) (r.nextInt(2)); // STUN's first two bits are zero (RFC 7983)
                d[1] = r.nextBoolean() ? 1 : d[1]; // often a Binding method
                ByteBuffer.wrap(d, 4, 4).putInt(0x2112A442); // the magic cookie
                garbage.add(d);
            }
            for (byte[] d : garbage) {
                attacker.send(new DatagramPacket(d, d.length, target));
            }
            IceTransport bridge = port.newTransport("bridge");
            IceTransport peer = IceTransport.controllingOnEphemeralPorts("peer");
            try {
                CompletableFuture<String> got = new CompletableFuture<>();
                bridge.setDataHandler((b, o, l, from) -> got.complete(new String(b, o, l, StandardCharsets.UTF_8)));
                bridge.start(peer.localUfrag(), peer.localPassword(), List.of());
                peer.start(bridge.localUfrag(), bridge.localPassword(), bridge.localCandidates());
                peer.connected().get(20, TimeUnit.SECONDS);
                byte[] hello = "still here".getBytes(StandardCharsets.UTF_8);
                peer.send(hello, 0, hello.length);
                assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("still here");
            } finally {
                peer.close();
                bridge.close();
            }
        }
    }

    /** A STUN binding request (RFC 5389) with USERNAME and the given (forged) MESSAGE-INTEGRITY value. */
    static byte[] bindingRequest(String username, byte[] integrity) {
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        int userPadded = (user.length + 3) / 4 * 4;
        int length = (4 + userPadded) + 8 + 12 + 24; // USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY
        ByteBuffer b = ByteBuffer.allocate(20 + length);
        b.putShort((short) 0x0001).putShort((short) length).putInt(0x2112A442);
        byte[] tid = new byte[12];
        new java.security.SecureRandom().nextBytes(tid);
        b.put(tid);
        b.putShort((short) 0x0006).putShort((short) user.length).put(user).put(new byte[userPadded - user.length]);
        b.putShort((short) 0x0024).putShort((short) 4).putInt(1853817087); // PRIORITY
        b.putShort((short) 0x802A).putShort((short) 8).putLong(42); // ICE-CONTROLLING
        b.putShort((short) 0x0008).putShort((short) 20).put(integrity); // MESSAGE-INTEGRITY
        return b.array();
    }
}
