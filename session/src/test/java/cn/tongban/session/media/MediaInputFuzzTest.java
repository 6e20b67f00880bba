package cn.tongban.session.media;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.pipeline.Rfc7983;
import cn.tongban.session.media.rtp.Rtcp;
import cn.tongban.session.media.rtp.RtcpPacket;
import cn.tongban.session.media.rtp.RtpPacket;
import cn.tongban.session.media.sdp.SdpException;
import cn.tongban.session.media.sdp.SdpParser;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing what the bridge reads from the network and from browsers (jqwik, a bounded number of tries in
 * every build): RTP and RTCP parsers return a packet or nothing for any datagram, never an exception or a
 * view past the buffer; the RFC 7983 demultiplexer classifies anything; the SDP answer parser accepts or
 * refuses a mutated answer with an {@link SdpException}. Inputs that once broke a rule are kept below as
 * examples. (ice4j's own STUN decoder throws unchecked exceptions for some garbage — a 21-byte datagram
 * found here; what matters is that the shared port survives it: {@code
 * IceTransportTest.theSharedPortSurvivesStunGarbage}.)
 */
class MediaInputFuzzTest {

    static final byte[] RTP = {
        (byte) 0x90,
        96,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        0x03,
        (byte) 0xe9, // V=2, X=1, PT 96, seq 1, ts 1, ssrc 1001
        (byte) 0xbe,
        (byte) 0xde,
        0,
        1,
        0x10,
        0x01,
        0,
        0, // one-byte header extension
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8
    };

    static final byte[] RTCP = Rtcp.compound(Rtcp.pli(1, 2), Rtcp.nack(1, 2, List.of(3, 4, 5, 40)), Rtcp.fir(1, 2, 7));

    static final String ANSWER = String.join(
            "\r\n",
            "v=0",
            "o=- 1 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0 1",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "a=ice-ufrag:abcd",
            "a=ice-pwd:0123456789012345678901",
            "a=fingerprint:sha-256 " + String.join(":", java.util.Collections.nCopies(32, "ab")),
            "a=setup:active",
            "a=mid:0",
            "a=sendonly",
            "a=ssrc:1001 cname:x",
            "a=candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
            "a=mid:1",
            "a=sendonly",
            "a=ssrc-group:FID 2001 2002",
            "a=ssrc:2001 cname:x",
            "a=ssrc:2002 cname:x",
            "");

    @Property(tries = 3000)
    void rtpAndRtcpParsersNeverThrowNorReadPastTheDatagram(@ForAll("datagrams") byte[] d) {
        for (int off = 0; off <= Math.min(3, d.length); off++) {
            int len = d.length - off;
            RtpPacket rtp = RtpPacket.parse(d, off, len);
            if (rtp != null) {
                assertThat(rtp.payloadOffset()).isBetween(off, off + len);
                assertThat(rtp.payloadOffset() + rtp.payloadLength()).isLessThanOrEqualTo(off + len);
            }
            for (RtcpPacket p : RtcpPacket.parseCompound(d, off, len)) {
                assertThat(p.offset()).isGreaterThanOrEqualTo(off);
                assertThat(p.offset() + p.length()).isLessThanOrEqualTo(off + len);
                p.reportBlocks(); // reading the blocks stays inside the packet too
            }
            Rfc7983.isStun(d, off, len);
            Rfc7983.isDtls(d, off, len);
            Rfc7983.isRtpOrRtcp(d, off, len);
            RtcpPacket.looksLikeRtcp(d, off, len);
        }
    }

    @Property(tries = 2000)
    void aMutatedSdpAnswerIsParsedOrRefused(@ForAll("answers") String sdp) {
        try {
            assertThat(SdpParser.parseAnswer(sdp)).isNotNull();
        } catch (SdpException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> datagrams() {
        Arbitrary<byte[]> mutatedRtp = mutations(RTP);
        Arbitrary<byte[]> mutatedRtcp = mutations(RTCP);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        return Arbitraries.oneOf(mutatedRtp, mutatedRtcp, random);
    }

    private static Arbitrary<byte[]> mutations(byte[] base) {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, base.length - 1),
                        Arbitraries.bytes())
                .as((op, at, b) -> {
                    byte[] out = base.clone();
                    switch (op) {
                        case 0:
                            out[at] = b;
                            return out;
                        case 1:
                            return Arrays.copyOf(out, at);
                        case 2:
                            out[at] = (byte) 0xff; // lengths, counts and CSRC counts at their largest
                            return out;
                        default:
                            out[at] ^= (byte) 0x0f;
                            return out;
                    }
                });
    }

    @Provide
    Arbitrary<String> answers() {
        String[] junk = {
            "",
            "\r\n",
            "a=",
            "a=ssrc:",
            "a=ssrc:99999999999999999999 cname:x",
            "m=",
            "m=video",
            ":",
            " ",
            "a=candidate:1 1 udp 1 ::1 99999 typ host",
            "a=ssrc-group:FID",
            "a=mid:",
            "\u0000",
            "é"
        };
        return Combinators.combine(
                        Arbitraries.integers().between(0, ANSWER.length()),
                        Arbitraries.integers().between(0, 40),
                        Arbitraries.of(junk),
                        Arbitraries.integers().between(0, 2))
                .as((at, n, j, op) -> {
                    switch (op) {
                        case 0:
                            return ANSWER.substring(0, at) + j + ANSWER.substring(at);
                        case 1:
                            return ANSWER.substring(0, at) + ANSWER.substring(Math.min(ANSWER.length(), at + n));
                        default:
                            return ANSWER.substring(0, at);
                    }
                });
    }

    // ---------------------------------------------------------------- regression cases kept

    @Example
    void headersThatClaimMoreThanTheDatagramHoldsAreRefused() {
        // CSRC count 15 and an extension of 65535 words in a 16-byte datagram.
        byte[] d = {(byte) 0x9f, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, (byte) 0xbe, (byte) 0xde, (byte) 0xff, (byte) 0xff};
        assertThat(RtpPacket.parse(d, 0, d.length)).isNull();
        // An RTCP length pointing past the end.
        byte[] r = {(byte) 0x81, (byte) 201, (byte) 0xff, (byte) 0xff, 0, 0, 0, 1};
        assertThat(RtcpPacket.parseCompound(r, 0, r.length)).isEmpty();
        // Padding longer than the packet.
        byte[] p = RTP.clone();
        p[0] |= 0x20;
        p[p.length - 1] = (byte) 0xff;
        assertThat(RtpPacket.parse(p, 0, p.length)).isNull();
    }
}
