package cn.tongban.signaling.protocol;

/** The JSON form of a W3C {@code RTCSessionDescriptionInit}. */
public record SessionDescription(String type, String sdp) {
    public SessionDescription {
        Checks.required("description.type", type);
        if (!type.equals("offer") && !type.equals("answer")) {
            throw ProtocolException.invalid("description.type", "must be offer or answer");
        }
        Checks.text("description.sdp", sdp, 1, 60_000);
        if (!sdp.startsWith("v=0")) {
            throw ProtocolException.invalid("description.sdp", "is not an SDP body");
        }
    }
}
