package cn.tongban.session.media.rtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RtpPacketTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, hex, valid, headerLength, payloadLength
                Arguments.of("minimal", "80 60 0001 00000002 00000003", true, 12, 0),
                Arguments.of("payload", "80 e0 ffff 00000002 cafebabe 0102030405", true, 12, 5),
                Arguments.of("one csrc", "81 60 0001 00000002 00000003 11111111 aabb", true, 16, 2),
                Arguments.of("extension", "90 60 0001 00000002 00000003 bede0001 10ff0000 99", true, 20, 1),
                Arguments.of("padding", "a0 60 0001 00000002 00000003 aa 00 00 03", true, 12, 1),
                Arguments.of("empty", "", false, 0, 0),
                Arguments.of("truncated header", "80 60 0001 00000002 000000", false, 0, 0),
                Arguments.of("version 1", "40 60 0001 00000002 00000003", false, 0, 0),
                Arguments.of("csrc past end", "83 60 0001 00000002 00000003 11111111", false, 0, 0),
                Arguments.of("extension past end", "90 60 0001 00000002 00000003 bede0004 10ff0000", false, 0, 0),
                Arguments.of("extension header cut", "90 60 0001 00000002 00000003 bede", false, 0, 0),
                Arguments.of("padding zero", "a0 60 0001 00000002 00000003 aa 00", false, 0, 0),
                Arguments.of("padding past end", "a0 60 0001 00000002 00000003 aa 40", false, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void parses(String name, String hex, boolean valid, int headerLength, int payloadLength) {
        byte[] b = Bytes.fromHex(hex);
        RtpPacket p = RtpPacket.parse(b, 0, b.length);
        if (!valid) {
            assertThat(p).as(name).isNull();
            return;
        }
        assertThat(p).as(name).isNotNull();
        assertThat(p.headerLength()).isEqualTo(headerLength);
        assertThat(p.payloadLength()).isEqualTo(payloadLength);
        assertThat(p.sequenceNumber()).isIn(1, 0xffff);
        assertThat(p.timestamp()).isEqualTo(2);
    }

    @Test
    void rewritesInPlaceAtAnOffset() {
        byte[] b = Bytes.fromHex("ffff 80 e0 1234 00000002 cafebabe 0102");
        RtpPacket p = RtpPacket.parse(b, 2, b.length - 2);
        assertThat(p.marker()).isTrue();
        assertThat(p.payloadType()).isEqualTo(96);
        assertThat(p.ssrc()).isEqualTo(0xcafebabeL);
        p.setSsrc(0xdeadbeefL);
        p.setSequenceNumber(0xfffe);
        p.setPayloadType(97);
        p.setTimestamp(0xffffffffL);
        RtpPacket q = RtpPacket.parse(b, 2, b.length - 2);
        assertThat(q.ssrc()).isEqualTo(0xdeadbeefL);
        assertThat(q.sequenceNumber()).isEqualTo(0xfffe);
        assertThat(q.payloadType()).isEqualTo(97);
        assertThat(q.marker()).isTrue();
        assertThat(q.timestamp()).isEqualTo(0xffffffffL);
        assertThat(b[0]).isEqualTo((byte) 0xff);
    }

    @Test
    void garbageNeverThrows() {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            RtpPacket p = RtpPacket.parse(b, 0, b.length);
            if (p != null) {
                assertThat(p.payloadOffset() + p.payloadLength()).isLessThanOrEqualTo(b.length);
            }
            RtcpPacket.parseCompound(b, 0, b.length).forEach(c -> {
                c.reportBlocks();
                c.nackedSequenceNumbers();
                c.rembBitrate();
                c.rembSsrcs();
                c.mediaSsrc();
            });
        }
    }
}
