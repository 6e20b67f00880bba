package cn.tongban.signaling.protocol;

/** The JSON form of a W3C {@code RTCIceCandidateInit}. An empty candidate string ends gathering. */
public record IceCandidate(String candidate, String sdpMid, Integer sdpMLineIndex, String usernameFragment) {
    public IceCandidate {
        Checks.text("candidate.candidate", candidate, 0, 1000);
        if (sdpMid != null) {
            Checks.text("candidate.sdpMid", sdpMid, 0, 32);
        }
        if (sdpMLineIndex != null && (sdpMLineIndex < 0 || sdpMLineIndex > 64)) {
            throw ProtocolException.invalid("candidate.sdpMLineIndex", "out of range");
        }
        if (usernameFragment != null) {
            Checks.text("candidate.usernameFragment", usernameFragment, 0, 256);
        }
    }
}
