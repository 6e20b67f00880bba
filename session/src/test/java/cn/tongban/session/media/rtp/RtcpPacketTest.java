package cn.tongban.session.media.rtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RtcpPacketTest {

    @Test
    void senderReportRoundTrip() {
        ReportBlock block = new ReportBlock(0x11223344L, 25, -3, 0x1_0005L, 40, 0xabcdL, 0x10000L);
        byte[] sr = Rtcp.senderReport(0xcafebabeL, 0x0102030405060708L, 90000, 10, 1000, List.of(block));
        List<RtcpPacket> ps = RtcpPacket.parseCompound(sr, 0, sr.length);
        assertThat(ps).hasSize(1);
        RtcpPacket p = ps.get(0);
        assertThat(p.packetType()).isEqualTo(RtcpPacket.SR);
        assertThat(p.senderSsrc()).isEqualTo(0xcafebabeL);
        assertThat(p.srRtpTimestamp()).isEqualTo(90000);
        assertThat(p.srPacketCount()).isEqualTo(10);
        assertThat(p.srNtpMiddle()).isEqualTo(0x03040506L);
        assertThat(p.reportBlocks()).containsExactly(block);
    }

    @Test
    void compoundOfRrPliFirNackRemb() {
        ReportBlock block = new ReportBlock(5, 0, 0, 100, 0, 0, 0);
        byte[] c = Rtcp.compound(
                Rtcp.receiverReport(1, List.of(block)),
                Rtcp.pli(1, 0xaaaa0001L),
                Rtcp.fir(1, 0xaaaa0002L, 7),
                Rtcp.nack(1, 0xaaaa0003L, List.of(10, 11, 13, 26, 27, 40)),
                Rtcp.remb(1, 2_500_000, List.of(0xaaaa0001L, 0xaaaa0002L)));
        List<RtcpPacket> ps = RtcpPacket.parseCompound(c, 0, c.length);
        assertThat(ps).hasSize(5);
        assertThat(ps.get(0).reportBlocks()).containsExactly(block);
        assertThat(ps.get(1).isPli()).isTrue();
        assertThat(ps.get(1).mediaSsrc()).isEqualTo(0xaaaa0001L);
        assertThat(ps.get(2).isFir()).isTrue();
        assertThat(ps.get(2).mediaSsrc()).isEqualTo(0xaaaa0002L);
        assertThat(ps.get(3).isNack()).isTrue();
        assertThat(ps.get(3).mediaSsrc()).isEqualTo(0xaaaa0003L);
        assertThat(ps.get(3).nackedSequenceNumbers()).containsExactly(10, 11, 13, 26, 27, 40);
        assertThat(ps.get(4).isRemb()).isTrue();
        // 2.5 Mbps needs an exponent; the mantissa keeps 18 bits so the value may round down slightly.
        assertThat(ps.get(4).rembBitrate()).isBetween(2_490_000L, 2_500_000L);
        assertThat(ps.get(4).rembSsrcs()).containsExactly(0xaaaa0001L, 0xaaaa0002L);
    }

    @Test
    void rewritesFeedbackSsrcsInPlace() {
        byte[] c = Rtcp.compound(Rtcp.pli(1, 2), Rtcp.fir(1, 3, 0));
        List<RtcpPacket> ps = RtcpPacket.parseCompound(c, 0, c.length);
        ps.get(0).setSenderSsrc(9);
        ps.get(0).setMediaSsrc(10);
        ps.get(1).setMediaSsrc(11);
        List<RtcpPacket> again = RtcpPacket.parseCompound(c, 0, c.length);
        assertThat(again.get(0).senderSsrc()).isEqualTo(9);
        assertThat(again.get(0).mediaSsrc()).isEqualTo(10);
        assertThat(again.get(1).mediaSsrc()).isEqualTo(11);
    }

    @Test
    void nackAcrossWrap() {
        byte[] n = Rtcp.nack(1, 2, List.of(65534, 65535, 0, 1));
        assertThat(RtcpPacket.parseCompound(n, 0, n.length).get(0).nackedSequenceNumbers())
                .containsExactly(65534, 65535, 0, 1);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("too short", "80c9"),
                Arguments.of("version 0", "00c90001 00000001"),
                Arguments.of("length past end", "80c90005 00000001"),
                Arguments.of("rr block count past length", "81c90001 00000001"),
                Arguments.of("sr too short", "80c80001 00000001"),
                Arguments.of("feedback too short", "81ce0001 00000001"),
                Arguments.of("second packet broken", "80c90001 00000001 80c9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void dropsMalformedCompound(String name, String hex) {
        byte[] b = Bytes.fromHex(hex);
        assertThat(RtcpPacket.parseCompound(b, 0, b.length)).as(name).isEmpty();
    }

    @Test
    void classifiesRtcpPerRfc5761() {
        byte[] rr = Rtcp.receiverReport(1, List.of());
        assertThat(RtcpPacket.looksLikeRtcp(rr, 0, rr.length)).isTrue();
        byte[] rtp = Bytes.fromHex("80 e0 0001 00000002 00000003");
        assertThat(RtcpPacket.looksLikeRtcp(rtp, 0, rtp.length)).isFalse();
    }

    @Test
    void receiveStatisticsReportLoss() {
        ReceiveStatistics s = new ReceiveStatistics(42, 90000);
        long t = 1_000_000_000L;
        for (int seq : new int[] {65530, 65531, 65533, 65534, 65535, 0, 1, 3}) {
            s.onPacket(seq, 0, t);
        }
        ReportBlock r = s.report(t);
        assertThat(r.ssrc()).isEqualTo(42);
        assertThat(r.highestSequence()).isEqualTo(0x1_0003L);
        assertThat(r.cumulativeLost()).isEqualTo(2);
        assertThat(r.fractionLost()).isEqualTo(2 * 256 / 10);
    }
}
