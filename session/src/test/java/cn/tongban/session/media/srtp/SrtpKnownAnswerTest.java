package cn.tongban.session.media.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.rtp.Bytes;
import org.jitsi.srtp.SrtpErrorStatus;
import org.junit.jupiter.api.Test;

/**
 * Known-answer tests. The AES-CM/HMAC vectors use the RFC 3711 appendix B.3 master key and salt and the
 * packet from libsrtp's srtp_driver.c; the GCM vectors are libsrtp's AEAD_AES_128_GCM (RFC 7714 profile)
 * vectors with the same packet. SRTCP vectors carry SRTCP index 1, hence the first protect is discarded.
 */
class SrtpKnownAnswerTest {
    private static final byte[] RTP = Bytes.fromHex("800f1234decafbad cafebabe abababab abababababababab abababab");
    private static final byte[] RTCP = Bytes.fromHex("81c8000bcafebabe abababababababab abababababababab");

    private static final byte[] CM_KEY = Bytes.fromHex("e1f97a0d3e018be0d64fa32c06de4139");
    private static final byte[] CM_SALT = Bytes.fromHex("0ec675ad498afeebb6960b3aabe6");
    private static final byte[] CM_SRTP =
            Bytes.fromHex("800f1234decafbad cafebabe4e55dc4c e79978d88ca4d215 949d2402b78d6acc 99ea179b8dbb");
    private static final byte[] CM_SRTCP =
            Bytes.fromHex("81c8000bcafebabe 7128035be487b9bd bef89041f977a5a8 80000001993e08cd 54d6c1230798");

    private static final byte[] GCM_KEY = Bytes.fromHex("000102030405060708090a0b0c0d0e0f");
    private static final byte[] GCM_SALT = Bytes.fromHex("a0a1a2a3a4a5a6a7a8a9aaab");
    private static final byte[] GCM_SRTP = Bytes.fromHex(
            "800f1234decafbad cafebabec5002ede 04cfdd2eb91159e0 880aa06ed2976826 f796b201df3131a1 27e8a392");
    private static final byte[] GCM_SRTCP = Bytes.fromHex(
            "81c8000bcafebabe c98b8b5df0392a55 852b6c21ac8e7025 c52c6fbea2b3b446 ea31123ba88ce61e 80000001");

    @Test
    void aesCmHmacSha1_80() {
        check(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CM_KEY, CM_SALT, CM_SRTP, CM_SRTCP);
    }

    @Test
    void aeadAes128Gcm() {
        check(SrtpProfile.AEAD_AES_128_GCM, GCM_KEY, GCM_SALT, GCM_SRTP, GCM_SRTCP);
    }

    /** Packets on ever new SSRCs (issue #11: 11,160 spoofed packets, 11,160 contexts) cost at most the cap. */
    @Test
    void spoofedSsrcsDeriveAtMostTheCapOfContexts() {
        try (SrtpTransformer rx = SrtpTransformer.of(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CM_KEY, CM_SALT)) {
            for (int i = 0; i < 1000; i++) {
                byte[] spoofed = CM_SRTP.clone();
                Bytes.put32(spoofed, 8, 0x20000000L + i);
                assertThat(rx.unprotectRtp(PacketBuffer.copyOf(spoofed, 0, spoofed.length)))
                        .isNotEqualTo(SrtpErrorStatus.OK);
                byte[] rtcp = CM_SRTCP.clone();
                Bytes.put32(rtcp, 4, 0x30000000L + i);
                assertThat(rx.unprotectRtcp(PacketBuffer.copyOf(rtcp, 0, rtcp.length)))
                        .isNotEqualTo(SrtpErrorStatus.OK);
            }
            assertThat(rx.inboundContexts()).isEqualTo(2 * SrtpTransformer.MAX_INBOUND_CONTEXTS);
            // The real one past the cap is refused too: a peer that burnt the budget has only itself to blame,
            // and the endpoint admits only negotiated SSRCs before this (Endpoint's known-ssrc-filter).
            assertThat(rx.unprotectRtp(PacketBuffer.copyOf(CM_SRTP, 0, CM_SRTP.length)))
                    .isNotEqualTo(SrtpErrorStatus.OK);
        }
    }

    private static void check(SrtpProfile profile, byte[] key, byte[] salt, byte[] srtp, byte[] srtcp) {
        try (SrtpTransformer tx = SrtpTransformer.of(profile, key, salt);
                SrtpTransformer rx = SrtpTransformer.of(profile, key, salt)) {
            PacketBuffer p = PacketBuffer.copyOf(RTP, 0, RTP.length);
            assertThat(tx.protectRtp(p)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(p.toArray()).isEqualTo(srtp);

            PacketBuffer c = PacketBuffer.copyOf(RTCP, 0, RTCP.length);
            assertThat(tx.protectRtcp(c)).isEqualTo(SrtpErrorStatus.OK);
            c = PacketBuffer.copyOf(RTCP, 0, RTCP.length);
            assertThat(tx.protectRtcp(c)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(c.toArray()).isEqualTo(srtcp);

            PacketBuffer in = PacketBuffer.copyOf(srtp, 0, srtp.length);
            assertThat(rx.unprotectRtp(in)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(in.toArray()).isEqualTo(RTP);
            PacketBuffer inc = PacketBuffer.copyOf(srtcp, 0, srtcp.length);
            assertThat(rx.unprotectRtcp(inc)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(inc.toArray()).isEqualTo(RTCP);
        }
    }

    @Test
    void rejectsBadTagsAndTruncation() {
        for (int i = 0; i < GCM_SRTP.length; i++) {
            try (SrtpTransformer rx = SrtpTransformer.of(SrtpProfile.AEAD_AES_128_GCM, GCM_KEY, GCM_SALT)) {
                byte[] bad = GCM_SRTP.clone();
                bad[i] ^= 0x01;
                assertThat(rx.unprotectRtp(PacketBuffer.copyOf(bad, 0, bad.length)))
                        .as("bit flipped at %d", i)
                        .isNotEqualTo(SrtpErrorStatus.OK);
            }
        }
        for (int len = 0; len < CM_SRTP.length; len++) {
            try (SrtpTransformer rx = SrtpTransformer.of(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CM_KEY, CM_SALT)) {
                assertThat(rx.unprotectRtp(PacketBuffer.copyOf(CM_SRTP, 0, len)))
                        .as("truncated to %d", len)
                        .isNotEqualTo(SrtpErrorStatus.OK);
            }
        }
    }

    @Test
    void sendSideReplayIsAllowedReceiveSideIsNot() {
        try (SrtpTransformer tx = SrtpTransformer.of(SrtpProfile.AEAD_AES_128_GCM, GCM_KEY, GCM_SALT);
                SrtpTransformer rx = SrtpTransformer.of(SrtpProfile.AEAD_AES_128_GCM, GCM_KEY, GCM_SALT)) {
            PacketBuffer a = PacketBuffer.copyOf(RTP, 0, RTP.length);
            PacketBuffer b = PacketBuffer.copyOf(RTP, 0, RTP.length);
            assertThat(tx.protectRtp(a)).isEqualTo(SrtpErrorStatus.OK);
            // A retransmission of the same sequence number must still be protected.
            assertThat(tx.protectRtp(b)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(rx.unprotectRtp(a)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(rx.unprotectRtp(b)).isIn(SrtpErrorStatus.REPLAY_FAIL, SrtpErrorStatus.REPLAY_OLD);
        }
    }

    @Test
    void keysSplitInRfc5764Order() {
        byte[] m = new byte[SrtpKeys.exportLength(SrtpProfile.AEAD_AES_128_GCM)];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) i;
        }
        SrtpKeys k = SrtpKeys.fromExporter(SrtpProfile.AEAD_AES_128_GCM, m);
        assertThat(k.clientKey()[0]).isEqualTo((byte) 0);
        assertThat(k.serverKey()[0]).isEqualTo((byte) 16);
        assertThat(k.clientSalt()[0]).isEqualTo((byte) 32);
        assertThat(k.serverSalt()[0]).isEqualTo((byte) 44);
        assertThat(k.serverSalt()).hasSize(12);
    }
}
