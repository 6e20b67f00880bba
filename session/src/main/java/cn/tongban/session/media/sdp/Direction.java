package cn.tongban.session.media.sdp;

/** Media direction attributes (RFC 8866 section 6.7), from the point of view of the SDP's author. */
public enum Direction {
    SENDRECV,
    SENDONLY,
    RECVONLY,
    INACTIVE;

    public String attribute() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Direction parse(String s) {
        return Direction.valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
}
