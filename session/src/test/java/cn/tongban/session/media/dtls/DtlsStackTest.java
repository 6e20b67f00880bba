package cn.tongban.session.media.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.session.media.rtp.Bytes;
import cn.tongban.session.media.srtp.PacketBuffer;
import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpProfile;
import cn.tongban.session.media.srtp.SrtpTransformer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jitsi.srtp.SrtpErrorStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Two DTLS stacks wired to each other in memory: no sockets, the datagrams pass through the sinks. */
class DtlsStackTest {
    private static final ExecutorService POOL = Executors.newCachedThreadPool();
    private static final DtlsCertificate SERVER_CERT = DtlsCertificate.generate("bridge");
    private static final DtlsCertificate CLIENT_CERT = DtlsCertificate.generate("browser");

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    private record Pair(BcDtlsStack server, BcDtlsStack client) {}

    private static Pair pair(String fingerprintServerExpects, String fingerprintClientExpects) {
        AtomicReference<BcDtlsStack> server = new AtomicReference<>();
        AtomicReference<BcDtlsStack> client = new AtomicReference<>();
        server.set(
                BcDtlsStack.server(SERVER_CERT, POOL, (b, o, l) -> client.get().receive(b, o, l)));
        client.set(
                BcDtlsStack.client(CLIENT_CERT, POOL, (b, o, l) -> server.get().receive(b, o, l)));
        server.get().setRemoteFingerprint("sha-256", fingerprintServerExpects);
        client.get().setRemoteFingerprint("sha-256", fingerprintClientExpects);
        return new Pair(server.get(), client.get());
    }

    @Test
    void handshakeExportsMatchingSrtpKeys() throws Exception {
        Pair p = pair(CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
        var s = p.server().start();
        var c = p.client().start();
        SrtpKeys sk = s.get(20, TimeUnit.SECONDS);
        SrtpKeys ck = c.get(20, TimeUnit.SECONDS);
        assertThat(sk.profile()).isEqualTo(SrtpProfile.AEAD_AES_128_GCM);
        assertThat(sk.clientKey()).isEqualTo(ck.clientKey());
        assertThat(sk.serverSalt()).isEqualTo(ck.serverSalt());
        assertThat(sk.clientKey()).isNotEqualTo(sk.serverKey());

        // The exported keys interoperate: what the client protects, the server's transformer opens.
        try (SrtpTransformer browser = SrtpTransformer.forClient(ck);
                SrtpTransformer bridge = SrtpTransformer.forServer(sk)) {
            byte[] rtp = Bytes.fromHex("80 60 0001 00000002 00000003 010203");
            PacketBuffer pb = PacketBuffer.copyOf(rtp, 0, rtp.length);
            assertThat(browser.protectRtp(pb)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(bridge.unprotectRtp(pb)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(pb.toArray()).isEqualTo(rtp);
            PacketBuffer back = PacketBuffer.copyOf(rtp, 0, rtp.length);
            assertThat(bridge.protectRtp(back)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(browser.unprotectRtp(back)).isEqualTo(SrtpErrorStatus.OK);
        }
        p.server().close();
        p.client().close();
    }

    @Test
    void serverRejectsClientCertificateNotMatchingSdpFingerprint() {
        DtlsCertificate other = DtlsCertificate.generate("impostor");
        Pair p = pair(other.fingerprint(), SERVER_CERT.fingerprint());
        var s = p.server().start();
        p.client().start();
        assertThatThrownBy(() -> s.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("bad_certificate");
        p.server().close();
        p.client().close();
    }

    @Test
    void fingerprintFormatIsSdpStyle() {
        assertThat(SERVER_CERT.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    }
}
