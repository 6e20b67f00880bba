package cn.tongban.session.media.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Vp8FrameAssemblerTest {
    private final List<String> frames = new ArrayList<>();
    private final Vp8FrameAssembler a =
            new Vp8FrameAssembler((f, ts, key, at) -> frames.add(ts + (key ? "K" : "") + ":" + new String(f)));

    /** A VP8 RTP payload: descriptor with X=1, I=1 (7-bit picture id), S as given, then the bytes. */
    private void push(int seq, long ts, boolean start, boolean marker, String body, long at) {
        byte[] p = new byte[3 + body.length()];
        p[0] = (byte) (0x80 | (start ? 0x10 : 0));
        p[1] = (byte) 0x80;
        p[2] = 0x05;
        System.arraycopy(body.getBytes(), 0, p, 3, body.length());
        a.push(seq, ts, marker, p, 0, p.length, at);
    }

    // First byte of a VP8 frame: bit 0 clear = keyframe. '0' (0x30) is a keyframe, '1' (0x31) is not.
    @Test
    void assemblesInOrderAndReorderedFrames() {
        push(10, 1000, true, false, "0a", 0);
        push(11, 1000, false, true, "b", 0);
        push(13, 2000, false, true, "d", 0); // arrives before its first packet
        push(12, 2000, true, false, "1c", 0);
        assertThat(frames).containsExactly("1000K:0ab", "2000:1cd");
    }

    @Test
    void retransmissionFillsTheGapAndDuplicatesAreIgnored() {
        push(65534, 1000, true, true, "0x", 0);
        push(65535, 2000, true, false, "1y", 0);
        push(1, 3000, true, true, "1z", 0); // 0 is missing for now
        assertThat(frames).containsExactly("1000K:0x");
        push(0, 2000, false, true, "y", 1000); // RTX repairs it (across the sequence wrap)
        push(0, 2000, false, true, "y", 1000);
        assertThat(frames).containsExactly("1000K:0x", "2000:1yy", "3000:1z");
    }

    @Test
    void aLostPacketDropsItsFrameAndWaitsForAKeyframe() {
        push(1, 1000, true, true, "0a", 0);
        push(2, 2000, true, false, "1b", 0);
        // seq 3 (end of frame 2000) never comes
        push(4, 3000, true, true, "1c", 100_000_000L);
        push(5, 4000, true, true, "1d", 700_000_000L); // past the wait: frame 2000 is given up
        assertThat(a.needsKeyframe()).isTrue();
        push(6, 5000, true, true, "0e", 800_000_000L);
        assertThat(frames).containsExactly("1000K:0a", "5000K:0e");
        assertThat(a.droppedFrames()).isGreaterThanOrEqualTo(1);
        assertThat(a.needsKeyframe()).isFalse();
    }
}
