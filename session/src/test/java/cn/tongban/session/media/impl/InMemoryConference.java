package cn.tongban.session.media.impl;

import cn.tongban.session.media.Role;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.dtls.BcDtlsStack;
import cn.tongban.session.media.dtls.DtlsCertificate;
import cn.tongban.session.media.ice.IceCandidate;
import cn.tongban.session.media.ice.IceTransport;
import cn.tongban.session.media.sdp.Direction;
import cn.tongban.session.media.sdp.MediaKind;
import cn.tongban.session.media.sdp.RemoteDescription;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.LongAdder;

/**
 * A conference whose endpoints are wired to in-memory networks instead of ICE: the bridge's real receive and
 * send chains (SRTP once keys are installed, RTCP termination, forwarding) without sockets. For the tests and
 * the forwarding benchmark of this package.
 */
final class InMemoryConference {
    private InMemoryConference() {}

    /** A network that counts what the bridge sends to one endpoint and, if asked, keeps it. */
    static final class Wire implements EndpointTransport {
        final LongAdder bytes = new LongAdder();
        final List<byte[]> sent = new CopyOnWriteArrayList<>();
        private final boolean keep;

        /** @param keep whether to keep each datagram ({@link #sent}) or only count its bytes */
        Wire(boolean keep) {
            this.keep = keep;
        }

        @Override
        public String localUfrag() {
            return "wire";
        }

        @Override
        public String localPassword() {
            return "wirewirewirewirewirewire";
        }

        @Override
        public List<IceCandidate> localCandidates() {
            return List.of();
        }

        @Override
        public void start(String remoteUfrag, String remotePassword) {}

        @Override
        public void setReceiver(IceTransport.DataHandler receiver) {}

        @Override
        public void send(byte[] buf, int off, int len) {
            bytes.add(len);
            if (keep) {
                sent.add(Arrays.copyOfRange(buf, off, off + len));
            }
        }

        @Override
        public void close() {}
    }

    /** Adds an endpoint on {@code wire} that runs its receive chain on the caller's thread, without a rate limit. */
    static Endpoint endpoint(
            Conference c,
            String id,
            Role role,
            Wire wire,
            DtlsCertificate cert,
            ExecutorService dtls,
            CountingMetrics metrics) {
        Endpoint e = new Endpoint(
                c,
                id,
                role,
                wire,
                sink -> BcDtlsStack.server(cert, dtls, sink),
                metrics,
                Integer.MAX_VALUE,
                Endpoint.Dispatcher.INLINE);
        c.add(e);
        return e;
    }

    /** The endpoint's answer: sends its camera on {@code ssrc} (0: sends nothing), receives the rest. */
    static void answer(Conference c, Endpoint e, DtlsCertificate cert, long ssrc) {
        List<RemoteDescription.Media> media = ssrc == 0
                ? List.of()
                : List.of(new RemoteDescription.Media(
                        e.uploadMids.get(TrackKind.CAMERA), MediaKind.VIDEO, Direction.SENDONLY, false, ssrc, 0));
        c.applyAnswer(e, new RemoteDescription("u", "p", "sha-256", cert.fingerprint(), "active", media));
    }
}
