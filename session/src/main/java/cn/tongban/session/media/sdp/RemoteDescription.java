package cn.tongban.session.media.sdp;

import java.util.List;
import java.util.Optional;

/**
 * What the bridge needs from a participant's answer: ICE credentials, the DTLS fingerprint and role, and
 * per m-line the SSRCs the participant sends.
 */
public record RemoteDescription(
        String iceUfrag,
        String icePassword,
        String fingerprintHash,
        String fingerprint,
        String setup,
        List<Media> media) {

    /**
     * One answered m-line.
     *
     * @param ssrc the primary SSRC the participant sends on this m-line, or 0
     * @param rtxSsrc the RTX SSRC paired with it by {@code a=ssrc-group:FID} (RFC 5576 4.2), or 0
     */
    public record Media(String mid, MediaKind kind, Direction direction, boolean rejected, long ssrc, long rtxSsrc) {}

    public Optional<Media> media(String mid) {
        return media.stream().filter(m -> m.mid().equals(mid)).findFirst();
    }
}
