package cn.tongban.session.media;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.rtp.Bytes;
import cn.tongban.session.media.rtp.Rtcp;
import cn.tongban.session.media.rtp.RtcpPacket;
import cn.tongban.session.media.rtp.RtpPacket;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real bridge on loopback with Java participants: valid media is forwarded, and every kind of bad
 * input is dropped, counted, and leaves the session working.
 */
class BridgeBadInputTest {
    private static final String S = "bad-input";
    private Bridge bridge;
    private SimulatedParticipant a;
    private SimulatedParticipant b;
    private int seq = 1000;

    @BeforeEach
    void start() throws Exception {
        bridge = Bridge.create(BridgeConfig.loopback(0).withMaxPacketsPerSecond(400));
        a = new SimulatedParticipant("a", 0x0a0a0001L, 0x0a0a0002L);
        b = new SimulatedParticipant("b", 0x0b0b0001L, 0x0b0b0002L);
        BridgeOffer offerA = bridge.allocateEndpoint(S, "a", Role.APPLICANT);
        bridge.setRemoteDescription(S, "a", a.answer(offerA, a.certificate.fingerprint()));
        a.connect(offerA);
        BridgeOffer offerB = bridge.allocateEndpoint(S, "b", Role.CLERK);
        bridge.setRemoteDescription(S, "b", b.answer(offerB, b.certificate.fingerprint()));
        b.connect(offerB);
        // a's offer was updated with b's tracks; answer it so a receives them.
        BridgeOffer offerA2 = bridge.currentOffer(S, "a");
        assertThat(offerA2.version()).isGreaterThan(offerA.version());
        assertThat(offerA2.sdp()).contains("a=ssrc:" + b.videoSsrc);
        bridge.setRemoteDescription(S, "a", a.answer(offerA2, a.certificate.fingerprint()));
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        bridge.close();
    }

    private byte[] rtp(long ssrc) {
        byte[] p = Bytes.fromHex("80 60 0000 00000000 00000000 0102030405060708090a0b0c0d0e0f10");
        RtpPacket r = RtpPacket.parse(p, 0, p.length);
        r.setSequenceNumber(seq++);
        r.setTimestamp(seq * 3000L);
        r.setSsrc(ssrc);
        return p;
    }

    private void assertForwards() throws Exception {
        b.receivedRtp.clear();
        byte[] p = rtp(a.videoSsrc);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        byte[] got = null;
        while (got == null && System.nanoTime() < deadline) {
            a.sendRtp(rtp(a.videoSsrc));
            got = b.receivedRtp.poll(200, TimeUnit.MILLISECONDS);
        }
        assertThat(got).as("b receives a's video through the bridge").isNotNull();
        assertThat(RtpPacket.parse(got, 0, got.length).ssrc()).isEqualTo(a.videoSsrc);
        assertThat(p).isNotNull();
    }

    private long count(MediaCounter c) {
        return bridge.metrics().count(c);
    }

    private void awaitCount(MediaCounter c, long atLeast) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (count(c) < atLeast && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(count(c)).as(c.name()).isGreaterThanOrEqualTo(atLeast);
    }

    @Test
    void forwardsRtpAndFeedbackBetweenParticipants() throws Exception {
        assertForwards();
        // b's PLI about a's video reaches a, rewritten to the bridge's SSRC. (Wait out the bridge's
        // keyframe-request throttle: it already asked a for a keyframe when b connected.)
        Thread.sleep(300);
        a.receivedRtcp.clear();
        b.sendRtcp(Rtcp.pli(b.videoSsrc, a.videoSsrc));
        byte[] fb = null;
        long deadline = System.currentTimeMillis() + 5000;
        while (fb == null && System.currentTimeMillis() < deadline) {
            byte[] r = a.receivedRtcp.poll(200, TimeUnit.MILLISECONDS);
            if (r != null
                    && RtcpPacket.parseCompound(r, 0, r.length).stream()
                            .anyMatch(x -> x.isPli() && x.mediaSsrc() == a.videoSsrc)) {
                fb = r;
            }
        }
        assertThat(fb).as("PLI forwarded to the sender").isNotNull();
        // NACKs pass through to the sender too.
        b.sendRtcp(Rtcp.nack(b.videoSsrc, a.videoSsrc, List.of(5, 6)));
        byte[] nack = null;
        deadline = System.currentTimeMillis() + 5000;
        while (nack == null && System.currentTimeMillis() < deadline) {
            byte[] r = a.receivedRtcp.poll(200, TimeUnit.MILLISECONDS);
            if (r != null
                    && RtcpPacket.parseCompound(r, 0, r.length).stream()
                            .anyMatch(
                                    x -> x.isNack() && x.nackedSequenceNumbers().equals(List.of(5, 6)))) {
                nack = r;
            }
        }
        assertThat(nack).as("NACK forwarded to the sender").isNotNull();
        // The bridge's own reports: an RR about a's streams with a REMB.
        byte[] report = null;
        deadline = System.currentTimeMillis() + 5000;
        while (report == null && System.currentTimeMillis() < deadline) {
            byte[] r = a.receivedRtcp.poll(200, TimeUnit.MILLISECONDS);
            if (r != null) {
                List<RtcpPacket> ps = RtcpPacket.parseCompound(r, 0, r.length);
                if (ps.size() == 2
                        && ps.get(0).packetType() == RtcpPacket.RR
                        && ps.get(1).isRemb()) {
                    report = r;
                    assertThat(ps.get(0).reportBlocks()).anyMatch(rb -> rb.ssrc() == a.videoSsrc);
                    assertThat(ps.get(1).rembSsrcs()).contains(a.videoSsrc);
                }
            }
        }
        assertThat(report).as("RR + REMB from the bridge").isNotNull();
    }

    @Test
    void garbageTruncatedAndForgedPacketsAreDroppedAndCounted() throws Exception {
        assertForwards();
        Random r = new Random(1);
        // Not DTLS, not RTP (RFC 7983 64..79 is TURN channel data; 100 is nothing).
        a.sendRaw(new byte[] {64, 1, 2, 3});
        a.sendRaw(new byte[] {100, 0, 0, 0, 0, 0});
        awaitCount(MediaCounter.DROPPED_NOT_DTLS_OR_RTP, 2);

        // RTP-looking garbage on the participant's own SSRC fails SRTP authentication.
        for (int i = 0; i < 20; i++) {
            byte[] g = new byte[20 + r.nextInt(200)];
            r.nextBytes(g);
            g[0] = (byte) 0x80;
            g[1] = 96;
            Bytes.put32(g, 8, a.videoSsrc);
            a.sendRaw(g);
        }
        // A valid packet with one bit of its tag flipped.
        byte[] forged = a.protect(rtp(a.videoSsrc));
        forged[forged.length - 1] ^= 1;
        a.sendRaw(forged);
        awaitCount(MediaCounter.DROPPED_SRTP_AUTH, 21);
        // Garbage on SSRCs nobody negotiated (the flood: one crypto context per spoofed SSRC) and a
        // datagram too short to name one are dropped before any decryption is tried.
        long unknownBefore = count(MediaCounter.DROPPED_UNKNOWN_SSRC);
        for (int i = 0; i < 100; i++) {
            byte[] g = new byte[60];
            r.nextBytes(g);
            g[0] = (byte) 0x80;
            g[1] = 96;
            Bytes.put32(g, 8, 0x10000000L + i);
            a.sendRaw(g);
        }
        a.sendRaw(new byte[] {(byte) 0x80, 96, 0, 1, 0});
        awaitCount(MediaCounter.DROPPED_UNKNOWN_SSRC, unknownBefore + 101);
        assertThat(count(MediaCounter.DROPPED_SRTP_AUTH)).isEqualTo(21);

        // SRTCP with a bad tag.
        byte[] rr = Rtcp.receiverReport(a.videoSsrc, List.of());
        byte[] garbageRtcp = new byte[rr.length + 20];
        System.arraycopy(rr, 0, garbageRtcp, 0, rr.length);
        a.sendRaw(garbageRtcp);
        awaitCount(MediaCounter.DROPPED_SRTCP_AUTH, 1);

        // Authentic but malformed inside: an RTCP compound whose length runs past the end.
        a.sendRtcp(Bytes.fromHex("80c90005 0a0a0002 00000000"));
        awaitCount(MediaCounter.DROPPED_MALFORMED_RTCP, 1);
        // Authentic RTP whose padding count runs past the end. (It keeps the stream's sequence numbers:
        // a jump would legitimately make SRTP's replay window reject the packets after it.)
        byte[] badPadding = rtp(a.videoSsrc);
        badPadding[0] |= 0x20;
        badPadding[badPadding.length - 1] = (byte) 0xff;
        a.sendRtp(badPadding);
        awaitCount(MediaCounter.DROPPED_MALFORMED_RTP, 1);
        // Authentic RTP on an SSRC the participant never signaled.
        a.sendRtp(rtp(0x77777777L));
        awaitCount(MediaCounter.DROPPED_UNKNOWN_SSRC, 1);

        assertForwards();
    }

    @Test
    void floodFromOneParticipantIsCappedAndTheSessionRecovers() throws Exception {
        assertForwards();
        byte[] junk = new byte[200];
        junk[0] = (byte) 0x80;
        for (int i = 0; i < 3000; i++) {
            a.sendRaw(junk);
        }
        awaitCount(MediaCounter.DROPPED_RATE_LIMITED, 1);
        Thread.sleep(1100); // next rate window
        assertForwards();
        // b was never limited by a's flood.
        b.receivedRtp.clear();
        a.receivedRtp.clear();
        b.sendRtp(rtp(b.videoSsrc));
        assertThat(a.receivedRtp.poll(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void datagramsFromUnknownAddressesNeverReachAnEndpoint() throws Exception {
        assertForwards();
        long before = count(MediaCounter.DATAGRAMS_RECEIVED);
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            // A DTLS ClientHello-looking record, RTP, and garbage, from an address that did no ICE check.
            for (byte[] d : new byte[][] {
                Bytes.fromHex("16 fefd 0000 000000000000 0010 01 00000c 0000 000000 00000c"),
                rtp(a.videoSsrc),
                new byte[] {1, 2, 3}
            }) {
                s.send(new DatagramPacket(d, d.length, InetAddress.getLoopbackAddress(), bridge.port()));
            }
        }
        Thread.sleep(300);
        assertThat(count(MediaCounter.DATAGRAMS_RECEIVED) - before).isZero();
        assertForwards();
    }

    @Test
    void participantWhoseCertificateDoesNotMatchItsFingerprintIsRejected() throws Exception {
        try (SimulatedParticipant c = new SimulatedParticipant("c", 0x0c0c0001L, 0x0c0c0002L)) {
            BridgeOffer offer = bridge.allocateEndpoint(S, "c", Role.HELPER);
            String someoneElses = b.certificate.fingerprint();
            bridge.setRemoteDescription(S, "c", c.answer(offer, someoneElses));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.connect(offer))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class);
            awaitCount(MediaCounter.DTLS_HANDSHAKES_FAILED, 1);
        }
        assertForwards();
    }

    @Test
    void silentSupervisorReceivesEveryoneAndWhatItSendsIsDropped() throws Exception {
        try (SimulatedParticipant s = new SimulatedParticipant("sup", 0x5e5e0001L, 0x5e5e0002L)) {
            BridgeOffer offer = bridge.allocateEndpoint(S, "sup", Role.SUPERVISOR);
            assertThat(offer.uploadMids()).isEmpty();
            assertThat(offer.sdp())
                    .doesNotContain("a=recvonly")
                    .contains("a=ssrc:" + a.videoSsrc, "a=ssrc:" + b.videoSsrc);
            bridge.setRemoteDescription(S, "sup", s.answer(offer, s.certificate.fingerprint()));
            s.connect(offer);
            // It receives a's video...
            byte[] got = null;
            long deadline = System.currentTimeMillis() + 5000;
            while (got == null && System.currentTimeMillis() < deadline) {
                a.sendRtp(rtp(a.videoSsrc));
                got = s.receivedRtp.poll(200, TimeUnit.MILLISECONDS);
            }
            assertThat(got).as("the supervisor receives a's video").isNotNull();
            // ...but nothing it sends reaches anyone: it has no upload m-lines, so no known SSRC.
            a.receivedRtp.clear();
            s.sendRtp(rtp(s.videoSsrc));
            awaitCount(MediaCounter.DROPPED_ROLE_DOES_NOT_SEND, 1);
            assertThat(a.receivedRtp.poll(300, TimeUnit.MILLISECONDS)).isNull();
            // Nobody else's offer gained an m-line for the supervisor.
            assertThat(bridge.currentOffer(S, "a").sdp()).doesNotContain("msid:sup");
        }
    }

    @Test
    void bridgeRejectsAnAnswerThatWouldMakeItTheDtlsClient() {
        BridgeOffer offer = bridge.allocateEndpoint(S, "d", Role.HELPER);
        String answer = a.answer(offer, a.certificate.fingerprint()).replace("a=setup:active", "a=setup:passive");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bridge.setRemoteDescription(S, "d", answer))
                .isInstanceOf(cn.tongban.session.media.sdp.SdpException.class)
                .hasMessageContaining("setup");
    }
}
