package cn.tongban.session.media;

import java.util.Map;

/**
 * An SDP offer the bridge made to one participant. The participant applies it with {@code
 * setRemoteDescription}, attaches its tracks to the upload m-lines, and returns its answer through {@link
 * Bridge#setRemoteDescription}.
 *
 * @param version increases with every new offer to this participant (someone joined or left)
 * @param sdp the offer
 * @param uploadMids which m-line (by mid) carries which of the participant's own tracks; empty for a
 *     supervisor
 */
public record BridgeOffer(
        String sessionId, String participantId, long version, String sdp, Map<TrackKind, String> uploadMids) {}
