package cn.tongban.session.media;

import cn.tongban.session.media.dtls.BcDtlsStack;
import cn.tongban.session.media.dtls.DtlsCertificate;
import cn.tongban.session.media.ice.IceCandidate;
import cn.tongban.session.media.ice.IceTransport;
import cn.tongban.session.media.pipeline.Rfc7983;
import cn.tongban.session.media.srtp.PacketBuffer;
import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpTransformer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jitsi.srtp.SrtpErrorStatus;

/**
 * A participant made of the same real parts a browser uses (a controlling ice4j agent, a DTLS client, SRTP)
 * but driven from Java, so tests can send exactly the bytes they want — valid or not. Public for signaling's
 * tests, which drive it through the WebSocket protocol's offers.
 */
public final class SimulatedParticipant implements AutoCloseable {
    final String id;
    public final long audioSsrc;
    public final long videoSsrc;
    final IceTransport ice = IceTransport.controllingOnEphemeralPorts("sim");
    public final DtlsCertificate certificate = DtlsCertificate.generate("sim");
    final BlockingQueue<byte[]> receivedRtp = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> receivedRtcp = new LinkedBlockingQueue<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private BcDtlsStack dtls;
    private volatile SrtpTransformer srtp;
    private volatile boolean closed;

    public SimulatedParticipant(String id, long audioSsrc, long videoSsrc) {
        this.id = id;
        this.audioSsrc = audioSsrc;
        this.videoSsrc = videoSsrc;
    }

    /** An answer to {@code offer}: sends audio + camera on the upload mids, receives everything else. */
    public String answer(BridgeOffer offer, String advertisedFingerprint) {
        StringBuilder sb = new StringBuilder();
        sb.append("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
        sb.append("a=ice-ufrag:").append(ice.localUfrag()).append("\r\n");
        sb.append("a=ice-pwd:").append(ice.localPassword()).append("\r\n");
        sb.append("a=fingerprint:sha-256 ").append(advertisedFingerprint).append("\r\n");
        sb.append("a=setup:active\r\n");
        String kind = null;
        for (String line : offer.sdp().split("\r\n")) {
            if (line.startsWith("m=")) {
                kind = line.substring(2, line.indexOf(' '));
            } else if (line.startsWith("a=mid:")) {
                String mid = line.substring(6);
                sb.append("m=").append(kind).append(" 9 UDP/TLS/RTP/SAVPF 96\r\n");
                sb.append("a=mid:").append(mid).append("\r\n");
                if (mid.equals(offer.uploadMids().get(TrackKind.AUDIO))) {
                    sb.append("a=sendonly\r\na=ssrc:").append(audioSsrc).append(" cname:sim\r\n");
                } else if (mid.equals(offer.uploadMids().get(TrackKind.CAMERA))) {
                    sb.append("a=sendonly\r\na=ssrc:").append(videoSsrc).append(" cname:sim\r\n");
                } else if (offer.uploadMids().containsValue(mid)) {
                    sb.append("a=inactive\r\n");
                } else {
                    sb.append("a=recvonly\r\n");
                }
            }
        }
        return sb.toString();
    }

    static List<IceCandidate> candidates(BridgeOffer offer) {
        List<IceCandidate> out = new ArrayList<>();
        for (String line : offer.sdp().split("\r\n")) {
            if (line.startsWith("a=candidate:")) {
                String[] p = line.substring(12).split(" ");
                IceCandidate c = new IceCandidate(p[0], Long.parseLong(p[3]), p[4], Integer.parseInt(p[5]));
                if (!out.contains(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    static String offeredFingerprint(BridgeOffer offer) {
        for (String line : offer.sdp().split("\r\n")) {
            if (line.startsWith("a=fingerprint:sha-256 ")) {
                return line.substring("a=fingerprint:sha-256 ".length());
            }
        }
        throw new IllegalArgumentException("no fingerprint");
    }

    static String ufrag(BridgeOffer offer, String attr) {
        for (String line : offer.sdp().split("\r\n")) {
            if (line.startsWith("a=" + attr + ":")) {
                return line.substring(attr.length() + 3);
            }
        }
        throw new IllegalArgumentException("no " + attr);
    }

    /** Connects ICE and runs the DTLS handshake; returns the SRTP keys. */
    public SrtpKeys connect(BridgeOffer offer) throws Exception {
        dtls = BcDtlsStack.client(certificate, pool, (b, o, l) -> {
            try {
                ice.send(b, o, l);
            } catch (IOException e) {
                // DTLS retransmits.
            }
        });
        dtls.setRemoteFingerprint("sha-256", offeredFingerprint(offer));
        ice.start(ufrag(offer, "ice-ufrag"), ufrag(offer, "ice-pwd"), candidates(offer));
        ice.connected().get(20, TimeUnit.SECONDS);
        pool.execute(this::readLoop);
        SrtpKeys keys = dtls.start().get(20, TimeUnit.SECONDS);
        srtp = SrtpTransformer.forClient(keys);
        return keys;
    }

    private void readLoop() {
        byte[] buf = new byte[1600];
        while (!closed) {
            try {
                int n = ice.receiveBlocking(buf);
                if (Rfc7983.isDtls(buf, 0, n)) {
                    dtls.receive(buf, 0, n);
                } else if (Rfc7983.isRtpOrRtcp(buf, 0, n) && srtp != null) {
                    PacketBuffer p = PacketBuffer.copyOf(buf, 0, n);
                    boolean rtcp = (buf[1] & 0xff) >= 192 && (buf[1] & 0xff) <= 223;
                    if (rtcp) {
                        if (srtp.unprotectRtcp(p) == SrtpErrorStatus.OK) {
                            receivedRtcp.add(p.toArray());
                        }
                    } else if (srtp.unprotectRtp(p) == SrtpErrorStatus.OK) {
                        receivedRtp.add(p.toArray());
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Protects and sends an RTP packet. */
    public void sendRtp(byte[] plain) throws IOException {
        PacketBuffer p = PacketBuffer.copyOf(plain, 0, plain.length);
        if (srtp.protectRtp(p) != SrtpErrorStatus.OK) {
            throw new IllegalStateException("protect failed");
        }
        ice.send(p.getBuffer(), p.getOffset(), p.getLength());
    }

    /** Protects and sends an RTCP compound. */
    void sendRtcp(byte[] plain) throws IOException {
        PacketBuffer p = PacketBuffer.copyOf(plain, 0, plain.length);
        if (srtp.protectRtcp(p) != SrtpErrorStatus.OK) {
            throw new IllegalStateException("protect failed");
        }
        ice.send(p.getBuffer(), p.getOffset(), p.getLength());
    }

    /** Sends bytes as they are. */
    void sendRaw(byte[] b) throws IOException {
        ice.send(b, 0, b.length);
    }

    /** Protects an RTP packet without sending it. */
    byte[] protect(byte[] plain) {
        PacketBuffer p = PacketBuffer.copyOf(plain, 0, plain.length);
        srtp.protectRtp(p);
        return p.toArray();
    }

    @Override
    public void close() {
        closed = true;
        if (dtls != null) {
            dtls.close();
        }
        ice.close();
        pool.shutdownNow();
    }
}
