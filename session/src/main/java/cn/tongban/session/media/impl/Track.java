package cn.tongban.session.media.impl;

import cn.tongban.session.media.TrackKind;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One uploaded track: who sends it and on which SSRCs.
 *
 * @param rtxSsrc the RFC 4588 retransmission SSRC, or 0
 * @param cache the last packets of a video track, for repairing receivers' losses (null for audio)
 * @param meter the rate at which the track is forwarded (primary and RTX)
 */
record Track(
        Endpoint owner,
        TrackKind kind,
        long ssrc,
        long rtxSsrc,
        AtomicLong lastKeyframeRequestNanos,
        PacketCache cache,
        BitrateMeter meter) {
    Track(Endpoint owner, TrackKind kind, long ssrc, long rtxSsrc) {
        this(
                owner,
                kind,
                ssrc,
                rtxSsrc,
                new AtomicLong(Long.MIN_VALUE / 2),
                kind == TrackKind.AUDIO ? null : new PacketCache(),
                new BitrateMeter());
    }

    boolean sameSsrcs(Track o) {
        return o != null && o.kind == kind && o.ssrc == ssrc && o.rtxSsrc == rtxSsrc;
    }

    boolean isVideo() {
        return kind != TrackKind.AUDIO;
    }

    int clockRate() {
        return isVideo() ? 90_000 : 48_000;
    }
}
