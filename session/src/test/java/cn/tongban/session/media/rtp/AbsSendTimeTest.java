package cn.tongban.session.media.rtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** abs-send-time in RFC 8285 one-byte extension headers: found among other elements, rewritten in place. */
class AbsSendTimeTest {
    /** An RTP header with one CSRC and a one-byte-header extension: id 1 (2 bytes), padding, id 3 (3 bytes). */
    private static byte[] packet() {
        return new byte[] {
            (byte) 0x91,
            96,
            0,
            1,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            3, // V=2 X=1 CC=1, PT 96, seq, ts, ssrc
            0,
            0,
            0,
            9, // CSRC
            (byte) 0xbe,
            (byte) 0xde,
            0,
            2, // one-byte header, 2 words
            0x11,
            0x55,
            0x66,
            0, // id 1 length 2, then a padding byte
            0x32,
            0x12,
            0x34,
            0x56, // id 3 length 3: 0x123456
            1,
            2,
            3,
            4 // payload
        };
    }

    @Test
    void findsAndRewritesTheElementAndLeavesTheRestAlone() {
        byte[] p = packet();
        assertThat(AbsSendTime.read(p, 0, p.length, 3)).isEqualTo(0x123456);
        assertThat(AbsSendTime.rewrite(p, 0, p.length, 3, 0xabcdef)).isTrue();
        assertThat(AbsSendTime.read(p, 0, p.length, 3)).isEqualTo(0xabcdef);
        byte[] expected = packet();
        expected[25] = (byte) 0xab;
        expected[26] = (byte) 0xcd;
        expected[27] = (byte) 0xef;
        assertThat(p).containsExactly(expected);
        // Id 1 has two bytes, not three: not an abs-send-time element.
        assertThat(AbsSendTime.rewrite(p, 0, p.length, 1, 1)).isFalse();
        assertThat(AbsSendTime.read(p, 0, p.length, 5)).isEqualTo(-1);
    }

    @Test
    void packetsWithoutTheExtensionOrWithABrokenOneAreLeftAlone() {
        byte[] plain = {(byte) 0x80, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2};
        assertThat(AbsSendTime.rewrite(plain, 0, plain.length, 3, 7)).isFalse();
        byte[] truncated = packet();
        assertThat(AbsSendTime.rewrite(truncated, 0, 22, 3, 7)).isFalse(); // extension runs past the end
        assertThat(truncated).containsExactly(packet());
    }

    @Test
    void timeIsSixPointEighteenFixedPointSecondsModulo64() {
        assertThat(AbsSendTime.fromNanos(1_000_000_000L)).isEqualTo(1 << 18);
        assertThat(AbsSendTime.fromNanos(500_000_000L)).isEqualTo(1 << 17);
        assertThat(AbsSendTime.fromNanos(65_000_000_000L)).isEqualTo(1 << 18); // wraps at 64 s
    }

    @Test
    void aClockOfDaysOrNegativeStillAdvancesSmoothly() {
        // System.nanoTime() is time since boot here (and may be negative elsewhere): past 2^45 ns, 9.8 hours,
        // shifting it whole overflowed. One millisecond later must always read about 262 units later.
        for (long t : new long[] {
            (1L << 45) - 500_000, (1L << 45), 3 * (1L << 45) + 7, 40L * 86_400 * 1_000_000_000L, -123_456_789_000L
        }) {
            int a = AbsSendTime.fromNanos(t);
            int b = AbsSendTime.fromNanos(t + 1_000_000);
            assertThat((b - a) & 0xffffff).as("at %d ns", t).isBetween(261, 263);
        }
        assertThat(AbsSendTime.fromNanos(64_000_000_000L * 1_000 + 1_000_000_000L))
                .isEqualTo(1 << 18);
    }
}
