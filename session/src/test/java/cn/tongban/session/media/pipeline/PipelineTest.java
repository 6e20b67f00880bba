package cn.tongban.session.media.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.session.media.srtp.PacketBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PipelineTest {
    private static PacketInfo packet(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new PacketInfo(new PacketBuffer(b, 0, b.length), 0);
    }

    @Test
    void nodesByContractCountWhatTheyDrop() {
        List<String> seen = new ArrayList<>();
        AtomicInteger filtered = new AtomicInteger();
        AtomicInteger transformedAway = new AtomicInteger();
        AtomicInteger unmatched = new AtomicInteger();
        DemuxerNode demux = new DemuxerNode("rfc7983-demuxer", unmatched::incrementAndGet);
        demux.branch(
                p -> Rfc7983.isDtls(p.buffer(), p.offset(), p.length()),
                new ConsumerNode("dtls", p -> seen.add("dtls")));
        FilterNode filter = demux.branch(
                p -> Rfc7983.isRtpOrRtcp(p.buffer(), p.offset(), p.length()),
                new FilterNode("even-length", p -> p.length() % 2 == 0, filtered::incrementAndGet));
        filter.then(new TransformerNode(
                        "drop-0x81", p -> (p.buffer()[0] & 0xff) == 0x81 ? null : p, transformedAway::incrementAndGet))
                .then(new ObserverNode("observer", p -> seen.add("observed")))
                .then(new ConsumerNode("media", p -> seen.add("media")));

        demux.process(packet(22, 0)); // DTLS
        demux.process(packet(0x80, 0)); // RTP, passes
        demux.process(packet(0x80)); // RTP, odd length: filtered
        demux.process(packet(0x81, 0)); // transformed away
        demux.process(packet(70, 0)); // TURN channel range: unmatched
        demux.process(packet(0, 1)); // STUN range: unmatched here (ice4j takes STUN)

        assertThat(seen).containsExactly("dtls", "observed", "media");
        assertThat(filtered).hasValue(1);
        assertThat(transformedAway).hasValue(1);
        assertThat(unmatched).hasValue(2);
        assertThat(demux.processed()).isEqualTo(6);
        assertThat(demux.dropped()).isEqualTo(2);
        assertThat(filter.dropped()).isEqualTo(1);
    }

    @Test
    void consumersAndDemuxersEndTheirChains() {
        assertThatThrownBy(() -> new ConsumerNode("c", p -> {}).then(new ConsumerNode("d", p -> {})))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new DemuxerNode("d", () -> {}).then(new ConsumerNode("x", p -> {})))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rfc7983Ranges() {
        for (int b = 0; b < 256; b++) {
            byte[] p = {(byte) b};
            boolean stun = Rfc7983.isStun(p, 0, 1);
            boolean dtls = Rfc7983.isDtls(p, 0, 1);
            boolean rtp = Rfc7983.isRtpOrRtcp(p, 0, 1);
            assertThat(stun).isEqualTo(b <= 3);
            assertThat(dtls).isEqualTo(b >= 20 && b <= 63);
            assertThat(rtp).isEqualTo(b >= 128 && b <= 191);
        }
        assertThat(Rfc7983.isDtls(new byte[0], 0, 0)).isFalse();
    }
}
