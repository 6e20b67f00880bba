package cn.tongban.session.media.sdp;

/**
 * One m-line of an offer the bridge writes.
 *
 * @param mid the media identification (RFC 9143 bundle tag)
 * @param kind audio or video
 * @param direction from the bridge's side: {@code RECVONLY} for a participant's upload, {@code SENDONLY}
 *     for a track forwarded to them, {@code INACTIVE} for a slot whose sender left
 * @param ssrc the forwarded track's SSRC (sendonly only; 0 otherwise)
 * @param rtxSsrc the forwarded track's RTX SSRC (video, sendonly, 0 when absent)
 * @param streamId the msid stream id the receiving page sees (the sending participant)
 * @param trackId the msid track id (the sending participant's track kind)
 */
public record OfferMedia(
        String mid, MediaKind kind, Direction direction, long ssrc, long rtxSsrc, String streamId, String trackId) {

    public static OfferMedia upload(String mid, MediaKind kind) {
        return new OfferMedia(mid, kind, Direction.RECVONLY, 0, 0, null, null);
    }

    public OfferMedia inactive() {
        return new OfferMedia(mid, kind, Direction.INACTIVE, 0, 0, null, null);
    }
}
