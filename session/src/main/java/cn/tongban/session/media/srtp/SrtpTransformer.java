package cn.tongban.session.media.srtp;

import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP and SRTCP protection for one DTLS-SRTP association (RFC 3711, RFC 7714), built on jitsi-srtp. One
 * direction decrypts what the peer sends, the other encrypts what the bridge sends; a crypto context is
 * derived lazily per SSRC. Safe to call from several threads (jitsi-srtp contexts are synchronized).
 */
public final class SrtpTransformer implements AutoCloseable {
    private static final Logger LOGGER = new LoggerImpl(SrtpTransformer.class.getName());

    /**
     * Crypto contexts one peer may make the bridge derive, per direction and kind. A browser uses a handful
     * (audio, video, RTX, screen); callers also filter RTP by the SSRCs the peer negotiated before
     * decrypting. The cap bounds what a peer sending authenticated-looking packets on ever new SSRCs costs.
     */
    public static final int MAX_INBOUND_CONTEXTS = 32;

    private final SrtpContextFactory inbound;
    private final SrtpContextFactory outbound;
    private final Map<Long, SrtpCryptoContext> rtpIn = new ConcurrentHashMap<>();
    private final Map<Long, SrtpCryptoContext> rtpOut = new ConcurrentHashMap<>();
    private final Map<Long, SrtcpCryptoContext> rtcpIn = new ConcurrentHashMap<>();
    private final Map<Long, SrtcpCryptoContext> rtcpOut = new ConcurrentHashMap<>();

    private SrtpTransformer(SrtpProfile profile, byte[] inKey, byte[] inSalt, byte[] outKey, byte[] outSalt) {
        this.inbound = new SrtpContextFactory(false, inKey, inSalt, profile.policy(), profile.policy(), LOGGER);
        this.outbound = new SrtpContextFactory(true, outKey, outSalt, profile.policy(), profile.policy(), LOGGER);
    }

    /** For the DTLS server side (the bridge): decrypt with the client's keys, encrypt with the server's. */
    public static SrtpTransformer forServer(SrtpKeys keys) {
        return new SrtpTransformer(
                keys.profile(), keys.clientKey(), keys.clientSalt(), keys.serverKey(), keys.serverSalt());
    }

    /** For the DTLS client side (tests, simulated senders). */
    public static SrtpTransformer forClient(SrtpKeys keys) {
        return new SrtpTransformer(
                keys.profile(), keys.serverKey(), keys.serverSalt(), keys.clientKey(), keys.clientSalt());
    }

    /** Raw contexts from explicit master keys, for known-answer tests. */
    public static SrtpTransformer of(SrtpProfile profile, byte[] key, byte[] salt) {
        return new SrtpTransformer(profile, key, salt, key, salt);
    }

    private static long rtpSsrc(PacketBuffer p) {
        byte[] b = p.getBuffer();
        int o = p.getOffset() + 8;
        return ((long) (b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    private static long rtcpSsrc(PacketBuffer p) {
        byte[] b = p.getBuffer();
        int o = p.getOffset() + 4;
        return ((long) (b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    /** Decrypts and authenticates an SRTP packet in place; on success the length excludes the tag. */
    public SrtpErrorStatus unprotectRtp(PacketBuffer p) {
        if (p.getLength() < 12) {
            return SrtpErrorStatus.INVALID_PACKET;
        }
        try {
            long ssrc = rtpSsrc(p);
            SrtpCryptoContext c = rtpIn.get(ssrc);
            if (c == null) {
                if (rtpIn.size() >= MAX_INBOUND_CONTEXTS) {
                    return SrtpErrorStatus.FAIL;
                }
                c = rtpIn.computeIfAbsent(ssrc, s -> derive(inbound, s));
            }
            return c.reverseTransformPacket(p, false);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpErrorStatus.FAIL;
        }
    }

    /** Encrypts an RTP packet in place, appending the tag. */
    public SrtpErrorStatus protectRtp(PacketBuffer p) {
        if (p.getLength() < 12) {
            return SrtpErrorStatus.INVALID_PACKET;
        }
        try {
            SrtpCryptoContext c = rtpOut.computeIfAbsent(rtpSsrc(p), s -> derive(outbound, s));
            return c.transformPacket(p);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpErrorStatus.FAIL;
        }
    }

    /** Decrypts and authenticates an SRTCP packet in place (RFC 3711 3.4). */
    public SrtpErrorStatus unprotectRtcp(PacketBuffer p) {
        if (p.getLength() < 8) {
            return SrtpErrorStatus.INVALID_PACKET;
        }
        try {
            long ssrc = rtcpSsrc(p);
            SrtcpCryptoContext c = rtcpIn.get(ssrc);
            if (c == null) {
                if (rtcpIn.size() >= MAX_INBOUND_CONTEXTS) {
                    return SrtpErrorStatus.FAIL;
                }
                c = rtcpIn.computeIfAbsent(ssrc, s -> deriveControl(inbound, s));
            }
            return c.reverseTransformPacket(p);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpErrorStatus.FAIL;
        }
    }

    /** Encrypts an RTCP packet in place, appending the SRTCP index and tag. */
    public SrtpErrorStatus protectRtcp(PacketBuffer p) {
        if (p.getLength() < 8) {
            return SrtpErrorStatus.INVALID_PACKET;
        }
        try {
            SrtcpCryptoContext c = rtcpOut.computeIfAbsent(rtcpSsrc(p), s -> deriveControl(outbound, s));
            return c.transformPacket(p);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpErrorStatus.FAIL;
        }
    }

    private static SrtpCryptoContext derive(SrtpContextFactory f, long ssrc) {
        try {
            return f.deriveContext((int) ssrc, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SrtcpCryptoContext deriveControl(SrtpContextFactory f, long ssrc) {
        try {
            return f.deriveControlContext((int) ssrc);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many inbound SRTP and SRTCP contexts exist (tests). */
    public int inboundContexts() {
        return rtpIn.size() + rtcpIn.size();
    }

    @Override
    public void close() {
        inbound.close();
        outbound.close();
    }
}
