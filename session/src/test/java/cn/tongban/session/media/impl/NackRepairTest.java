package cn.tongban.session.media.impl;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.dtls.DtlsCertificate;
import cn.tongban.session.media.impl.InMemoryConference.Wire;
import cn.tongban.session.media.rtp.Rtcp;
import cn.tongban.session.media.rtp.RtcpPacket;
import cn.tongban.session.media.srtp.PacketBuffer;
import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpProfile;
import cn.tongban.session.media.srtp.SrtpTransformer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jitsi.srtp.SrtpErrorStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge repairs a receiver's loss from its own cache: a conference of two endpoints wired to
 * in-memory networks, with real SRTP on both sides (the "browsers" are jitsi-srtp contexts keyed as the
 * DTLS exporter would key them). The sender's camera packets reach the receiver except the ones its
 * network drops; the receiver's NACK is answered by the bridge with those very packets (same sequence
 * numbers, same bytes, decryptable by the receiver), and only what the bridge no longer holds — too old,
 * or never seen — is asked of the sender.
 */
class NackRepairTest {
    private static final SrtpProfile PROFILE = SrtpProfile.AEAD_AES_128_GCM;
    private final ExecutorService dtls = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        dtls.shutdownNow();
    }

    @Test
    void aReceiversLostPacketsAreResentFromTheBridgesCacheAndOnlyTheRestAskedOfTheSender() throws Exception {
        CountingMetrics metrics = new CountingMetrics();
        DtlsCertificate cert = DtlsCertificate.generate("nack-test");
        Conference c = new Conference("s-nack", metrics, cert.fingerprint());
        Wire toSender = new Wire(true);
        Wire toReceiver = new Wire(true);
        Endpoint sender = endpoint(c, "applicant-1", toSender, cert, metrics);
        Endpoint receiver = endpoint(c, "clerk-1", toReceiver, cert, metrics);
        long cameraSsrc = 0x1234_5678L;
        answer(c, sender, cert, cameraSsrc);
        answer(c, receiver, cert, 0);
        SecureRandom random = new SecureRandom();
        SrtpKeys senderKeys = keys(random);
        SrtpKeys receiverKeys = keys(random);
        sender.installKeys(senderKeys);
        receiver.installKeys(receiverKeys);
        SrtpTransformer senderBrowser = SrtpTransformer.forClient(senderKeys);
        SrtpTransformer receiverBrowser = SrtpTransformer.forClient(receiverKeys);

        // Packets 1..20 of the camera; packet 5 arrived 2 s ago (too old to resend by the time it is asked).
        long now = System.nanoTime();
        List<byte[]> plain = new ArrayList<>();
        for (int seq = 1; seq <= 20; seq++) {
            byte[] rtp = rtp(seq, cameraSsrc, random);
            plain.add(rtp);
            PacketBuffer b = new PacketBuffer(Arrays.copyOf(rtp, rtp.length + PacketBuffer.TAIL_ROOM), 0, rtp.length);
            assertThat(senderBrowser.protectRtp(b)).isEqualTo(SrtpErrorStatus.OK);
            sender.receive(b.getBuffer(), 0, b.getLength(), seq == 5 ? now - 2_000_000_000L : now);
        }
        // The receiver's network loses 3, 4, 5 and 9; it decrypts the rest.
        List<Integer> lost = List.of(3, 4, 5, 9);
        List<Integer> got = new ArrayList<>();
        for (byte[] d : toReceiver.sent) {
            int seq = sequence(d);
            if (!lost.contains(seq)) {
                assertThat(decrypt(receiverBrowser, d)).isEqualTo(plain.get(seq - 1));
                got.add(seq);
            }
        }
        assertThat(got).hasSize(16);
        toReceiver.sent.clear();
        toSender.sent.clear();

        // It asks for them, and for one the bridge never saw (the sender's 700th, say, lost on the uplink).
        byte[] nack = Rtcp.nack(0xabcdL, cameraSsrc, List.of(3, 4, 5, 9, 700));
        PacketBuffer nb = new PacketBuffer(Arrays.copyOf(nack, nack.length + 64), 0, nack.length);
        assertThat(receiverBrowser.protectRtcp(nb)).isEqualTo(SrtpErrorStatus.OK);
        receiver.receive(nb.getBuffer(), 0, nb.getLength(), System.nanoTime());

        // The bridge answers from its cache: the same packets, which the receiver decrypts as late ones.
        List<Integer> repaired = new ArrayList<>();
        for (byte[] d : toReceiver.sent) {
            int seq = sequence(d);
            assertThat(decrypt(receiverBrowser, d)).isEqualTo(plain.get(seq - 1));
            repaired.add(seq);
        }
        assertThat(repaired).containsExactly(3, 4, 9);
        assertThat(metrics.count(MediaCounter.RTP_RETRANSMITTED)).isEqualTo(3);

        // The sender is asked only for what the bridge could not give: the stale one and the unseen one.
        List<Integer> asked = new ArrayList<>();
        for (byte[] d : toSender.sent) {
            PacketBuffer b = new PacketBuffer(Arrays.copyOf(d, d.length + 64), 0, d.length);
            assertThat(SrtpTransformer.forClient(senderKeys).unprotectRtcp(b)).isEqualTo(SrtpErrorStatus.OK);
            for (RtcpPacket r : RtcpPacket.parseCompound(b.getBuffer(), b.getOffset(), b.getLength())) {
                if (r.isNack()) {
                    assertThat(r.mediaSsrc()).isEqualTo(cameraSsrc);
                    assertThat(r.senderSsrc()).isEqualTo(sender.localSsrc);
                    asked.addAll(r.nackedSequenceNumbers());
                }
            }
        }
        assertThat(asked).containsExactly(5, 700);
    }

    @Test
    void aHostileNackCostsTheBridgeAtMostSixtyFourNumbersAndAReceiverAtMostItsRepairBudget() throws Exception {
        CountingMetrics metrics = new CountingMetrics();
        DtlsCertificate cert = DtlsCertificate.generate("nack-test");
        Conference c = new Conference("s-nack-flood", metrics, cert.fingerprint());
        Wire toSender = new Wire(true);
        Wire toReceiver = new Wire(true);
        Endpoint sender = endpoint(c, "applicant-1", toSender, cert, metrics);
        Endpoint receiver = endpoint(c, "clerk-1", toReceiver, cert, metrics);
        long cameraSsrc = 0x2345_6789L;
        answer(c, sender, cert, cameraSsrc);
        answer(c, receiver, cert, 0);
        SecureRandom random = new SecureRandom();
        SrtpKeys senderKeys = keys(random);
        SrtpKeys receiverKeys = keys(random);
        sender.installKeys(senderKeys);
        receiver.installKeys(receiverKeys);
        SrtpTransformer senderBrowser = SrtpTransformer.forClient(senderKeys);
        SrtpTransformer receiverBrowser = SrtpTransformer.forClient(receiverKeys);
        // The NACKs are made first: the cache keeps packets for 1 s, and the first SRTCP protection of a JVM
        // may take longer than that.
        List<Integer> asked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            for (int seq = 1; seq <= 20; seq++) {
                asked.add(seq);
            }
        }
        for (int seq = 1000; seq < 6000; seq++) {
            asked.add(seq);
        }
        byte[] flood = rtcp(receiverBrowser, Rtcp.nack(0xabcdL, cameraSsrc, asked));
        List<Integer> twenty = new ArrayList<>();
        for (int seq = 1; seq <= 20; seq++) {
            twenty.add(seq);
        }
        List<byte[]> again = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            again.add(rtcp(receiverBrowser, Rtcp.nack(0xabcdL, cameraSsrc, twenty)));
        }
        for (int seq = 1; seq <= 20; seq++) {
            byte[] rtp = rtp(seq, cameraSsrc, random);
            PacketBuffer b = new PacketBuffer(Arrays.copyOf(rtp, rtp.length + PacketBuffer.TAIL_ROOM), 0, rtp.length);
            assertThat(senderBrowser.protectRtp(b)).isEqualTo(SrtpErrorStatus.OK);
            sender.receive(b.getBuffer(), 0, b.getLength(), System.nanoTime());
        }
        toSender.sent.clear();

        // One NACK naming the 20 cached packets fifty times over, and 5,000 more numbers.
        receiver.receive(flood, 0, flood.length, System.nanoTime());
        assertThat(metrics.count(MediaCounter.RTP_RETRANSMITTED)).isEqualTo(20);
        assertThat(nackedOf(toSender, senderKeys)).hasSize(64 - 20);

        // NACK after NACK for the same packets: the receiver's repairs stop at its budget of 400 a second.
        for (byte[] nack : again) {
            receiver.receive(nack, 0, nack.length, System.nanoTime());
        }
        // 20 + 600 asked for; without the budget all 620 would be resent (fewer here only if the run is so slow
        // that the packets age out of the cache, which stops repairs too).
        assertThat(metrics.count(MediaCounter.RTP_RETRANSMITTED)).isBetween(21L, 400L);
    }

    private static byte[] rtcp(SrtpTransformer browser, byte[] plain) {
        PacketBuffer b = new PacketBuffer(Arrays.copyOf(plain, plain.length + 64), 0, plain.length);
        assertThat(browser.protectRtcp(b)).isEqualTo(SrtpErrorStatus.OK);
        return Arrays.copyOf(b.getBuffer(), b.getLength());
    }

    /** Every sequence number the bridge asked the sender for. */
    private static List<Integer> nackedOf(Wire toSender, SrtpKeys senderKeys) {
        SrtpTransformer browser = SrtpTransformer.forClient(senderKeys);
        List<Integer> asked = new ArrayList<>();
        for (byte[] d : toSender.sent) {
            PacketBuffer b = new PacketBuffer(Arrays.copyOf(d, d.length + 64), 0, d.length);
            if (browser.unprotectRtcp(b) != SrtpErrorStatus.OK) {
                continue;
            }
            for (RtcpPacket r : RtcpPacket.parseCompound(b.getBuffer(), b.getOffset(), b.getLength())) {
                if (r.isNack()) {
                    asked.addAll(r.nackedSequenceNumbers());
                }
            }
        }
        return asked;
    }

    @Test
    void theCacheHoldsOnlyWhatItIsAskedForAndForgetsWhatTheRingOverwrote() {
        PacketCache cache = new PacketCache();
        long now = System.nanoTime();
        byte[] one = {1, 2, 3};
        cache.put(one, 0, 3, 7, now);
        PacketBuffer got = cache.get(7, now);
        assertThat(Arrays.copyOfRange(got.getBuffer(), got.getOffset(), got.getOffset() + got.getLength()))
                .containsExactly(1, 2, 3);
        assertThat(got.getBuffer().length).isGreaterThanOrEqualTo(3 + PacketBuffer.TAIL_ROOM);
        assertThat(cache.get(8, now)).isNull();
        // The same slot, a whole ring later: the newer packet is there, the older one is not.
        cache.put(new byte[] {9}, 0, 1, 7 + PacketCache.SIZE, now);
        assertThat(cache.get(7, now)).isNull();
        assertThat(cache.get(7 + PacketCache.SIZE, now).getLength()).isEqualTo(1);
        // Too old to be worth resending.
        assertThat(cache.get(7 + PacketCache.SIZE, now + PacketCache.MAX_AGE_NANOS + 1))
                .isNull();
        // Sequence numbers wrap at 65,536: 65,535 and 0 are different packets in different slots.
        cache.put(new byte[] {4}, 0, 1, 65_535, now);
        cache.put(new byte[] {5}, 0, 1, 0, now);
        assertThat(cache.get(65_535, now).getBuffer()[0]).isEqualTo((byte) 4);
        assertThat(cache.get(0, now).getBuffer()[0]).isEqualTo((byte) 5);
    }

    private Endpoint endpoint(Conference c, String id, Wire wire, DtlsCertificate cert, CountingMetrics metrics) {
        return InMemoryConference.endpoint(c, id, Role.APPLICANT, wire, cert, dtls, metrics);
    }

    private static void answer(Conference c, Endpoint e, DtlsCertificate cert, long ssrc) {
        InMemoryConference.answer(c, e, cert, ssrc);
    }

    private static SrtpKeys keys(SecureRandom random) {
        byte[] material = new byte[SrtpKeys.exportLength(PROFILE)];
        random.nextBytes(material);
        return SrtpKeys.fromExporter(PROFILE, material);
    }

    /** A VP8-typed RTP packet with a random 1,000-byte payload. */
    private static byte[] rtp(int seq, long ssrc, SecureRandom random) {
        byte[] p = new byte[12 + 1000];
        p[0] = (byte) 0x80;
        p[1] = 96;
        p[2] = (byte) (seq >> 8);
        p[3] = (byte) seq;
        int ts = seq * 3000;
        p[4] = (byte) (ts >> 24);
        p[5] = (byte) (ts >> 16);
        p[6] = (byte) (ts >> 8);
        p[7] = (byte) ts;
        p[8] = (byte) (ssrc >> 24);
        p[9] = (byte) (ssrc >> 16);
        p[10] = (byte) (ssrc >> 8);
        p[11] = (byte) ssrc;
        byte[] payload = new byte[1000];
        random.nextBytes(payload);
        System.arraycopy(payload, 0, p, 12, 1000);
        return p;
    }

    /** The sequence number in an RTP header (in the clear under SRTP). */
    private static int sequence(byte[] d) {
        return ((d[2] & 0xff) << 8) | (d[3] & 0xff);
    }

    private static byte[] decrypt(SrtpTransformer browser, byte[] d) {
        PacketBuffer b = new PacketBuffer(Arrays.copyOf(d, d.length), 0, d.length);
        assertThat(browser.unprotectRtp(b)).isEqualTo(SrtpErrorStatus.OK);
        return Arrays.copyOfRange(b.getBuffer(), b.getOffset(), b.getOffset() + b.getLength());
    }
}
