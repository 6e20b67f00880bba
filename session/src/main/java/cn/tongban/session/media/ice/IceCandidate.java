package cn.tongban.session.media.ice;

import java.util.Locale;

/**
 * A local host candidate as it goes into SDP (RFC 8839 section 5.1), without ice4j types.
 *
 * @param foundation the candidate foundation
 * @param priority the RFC 8445 section 5.1.2 priority
 * @param address the IP literal
 * @param port the UDP port
 */
public record IceCandidate(String foundation, long priority, String address, int port) {
    /** The value of an {@code a=candidate:} line for component 1 over UDP. */
    public String toSdp() {
        return String.format(Locale.ROOT, "%s 1 udp %d %s %d typ host", foundation, priority, address, port);
    }
}
