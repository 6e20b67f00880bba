package cn.tongban.session.media.sdp;

import cn.tongban.session.media.ice.IceCandidate;
import cn.tongban.session.media.rtp.AbsSendTime;
import java.util.List;

/**
 * Writes the bridge's offers (RFC 8829 JSEP, unified plan, one BUNDLE group, RFC 8843). The bridge is the
 * offerer so that every participant uses the same payload types and packets can be forwarded unchanged:
 * Opus 111, VP8 96 with RTX 97 (RFC 4588). The one header extension is abs-send-time on video (id {@value
 * #ABS_SEND_TIME_ID}, the same for everyone, so forwarded packets keep it where it is): the bridge restamps
 * it as it sends a packet on, and the receiving browser's REMB then estimates the bridge-to-receiver path,
 * which the bridge passes on to the senders. No MID extension — forwarded packets keep the sender's SSRC and
 * receivers demultiplex by the {@code a=ssrc} lines — and no transport-cc: the bridge sends REMB together
 * with receiver reports instead.
 *
 * <p>{@code a=ice-lite} makes the browser the controlling agent (RFC 8445 section 6.1.1); {@code
 * a=setup:actpass} lets it pick {@code active}, which makes the bridge the DTLS server (RFC 5763 section 5).
 */
public final class BridgeOfferWriter {
    public static final int OPUS_PT = 111;
    public static final int VP8_PT = 96;
    public static final int RTX_PT = 97;
    /** The RFC 8285 id of abs-send-time on every video m-line. */
    public static final int ABS_SEND_TIME_ID = 3;

    private BridgeOfferWriter() {}

    /**
     * @param sessionId the o= session id (stable per endpoint)
     * @param version the o= session version, incremented on every new offer (RFC 8866 section 5.2)
     */
    public static String write(
            long sessionId,
            long version,
            String ufrag,
            String password,
            String fingerprint,
            List<IceCandidate> candidates,
            List<OfferMedia> media) {
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "v=0");
        line(sb, "o=tongban-bridge " + sessionId + " " + version + " IN IP4 0.0.0.0");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (OfferMedia m : media) {
            bundle.append(' ').append(m.mid());
        }
        if (!media.isEmpty()) {
            line(sb, bundle.toString());
        }
        line(sb, "a=ice-lite");
        line(sb, "a=msid-semantic: WMS *");
        for (OfferMedia m : media) {
            boolean audio = m.kind() == MediaKind.AUDIO;
            line(
                    sb,
                    "m=" + m.kind().sdpName() + " 9 UDP/TLS/RTP/SAVPF "
                            + (audio ? String.valueOf(OPUS_PT) : VP8_PT + " " + RTX_PT));
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + ufrag);
            line(sb, "a=ice-pwd:" + password);
            line(sb, "a=fingerprint:sha-256 " + fingerprint);
            line(sb, "a=setup:actpass");
            line(sb, "a=mid:" + m.mid());
            line(sb, "a=" + m.direction().attribute());
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            if (audio) {
                line(sb, "a=rtpmap:" + OPUS_PT + " opus/48000/2");
                line(sb, "a=fmtp:" + OPUS_PT + " minptime=10;useinbandfec=1");
            } else {
                line(sb, "a=extmap:" + ABS_SEND_TIME_ID + " " + AbsSendTime.URI);
                line(sb, "a=rtpmap:" + VP8_PT + " VP8/90000");
                line(sb, "a=rtcp-fb:" + VP8_PT + " goog-remb");
                line(sb, "a=rtcp-fb:" + VP8_PT + " ccm fir");
                line(sb, "a=rtcp-fb:" + VP8_PT + " nack");
                line(sb, "a=rtcp-fb:" + VP8_PT + " nack pli");
                line(sb, "a=rtpmap:" + RTX_PT + " rtx/90000");
                line(sb, "a=fmtp:" + RTX_PT + " apt=" + VP8_PT);
            }
            if (m.direction() == Direction.SENDONLY && m.ssrc() != 0) {
                // The sender's stream id doubles as its CNAME so its audio and video are synchronized.
                String cname = m.streamId();
                String msid = m.streamId() + " " + m.trackId();
                line(sb, "a=msid:" + msid);
                if (m.rtxSsrc() != 0) {
                    line(sb, "a=ssrc-group:FID " + m.ssrc() + " " + m.rtxSsrc());
                }
                line(sb, "a=ssrc:" + m.ssrc() + " cname:" + cname);
                line(sb, "a=ssrc:" + m.ssrc() + " msid:" + msid);
                if (m.rtxSsrc() != 0) {
                    line(sb, "a=ssrc:" + m.rtxSsrc() + " cname:" + cname);
                    line(sb, "a=ssrc:" + m.rtxSsrc() + " msid:" + msid);
                }
            }
            for (IceCandidate c : candidates) {
                line(sb, "a=candidate:" + c.toSdp());
            }
            line(sb, "a=end-of-candidates");
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append("\r\n");
    }
}
