package cn.tongban.session.media.impl;

import cn.tongban.session.media.Bandwidth;
import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.BridgeConfig;
import cn.tongban.session.media.BridgeListener;
import cn.tongban.session.media.BridgeOffer;
import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.MediaMetrics;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.dtls.BcDtlsStack;
import cn.tongban.session.media.dtls.DtlsCertificate;
import cn.tongban.session.media.ice.IceUdpPort;
import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.recording.RecordingSink;
import cn.tongban.session.media.recording.SessionRecorder;
import cn.tongban.session.media.sdp.RemoteDescription;
import cn.tongban.session.media.sdp.SdpException;
import cn.tongban.session.media.sdp.SdpParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Bridge} on ice4j's single port; see {@link Endpoint} for the per-participant pipeline. */
public final class BridgeImpl implements Bridge {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeImpl.class);

    private final BridgeConfig config;
    private final IceUdpPort port;
    private final DtlsCertificate certificate = DtlsCertificate.generate("tongban-bridge");
    private final CountingMetrics metrics = new CountingMetrics();
    private final Map<String, Conference> conferences = new ConcurrentHashMap<>();
    private final List<BridgeListener> listeners = new CopyOnWriteArrayList<>();
    /** Blocking DTLS handshakes (and their post-handshake read loops) run here, never on ice4j's thread. */
    private final ExecutorService dtlsExecutor = Executors.newCachedThreadPool(daemon("media-dtls"));

    private final ForwardingThreads forwarding;

    private final ScheduledExecutorService rtcpTimer = Executors.newSingleThreadScheduledExecutor(daemon("media-rtcp"));

    private BridgeImpl(BridgeConfig config, IceUdpPort port) {
        this.config = config;
        this.port = port;
        this.forwarding =
                config.forwardingThreads() > 0 ? new ForwardingThreads(config.forwardingThreads(), metrics) : null;
        rtcpTimer.scheduleAtFixedRate(
                this::sendReports, config.rtcpIntervalMillis(), config.rtcpIntervalMillis(), TimeUnit.MILLISECONDS);
    }

    public static BridgeImpl start(BridgeConfig config) throws IOException {
        return new BridgeImpl(config, IceUdpPort.open(config.addresses(), config.port()));
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The bridge's certificate fingerprint, as put in every offer. */
    public String fingerprint() {
        return certificate.fingerprint();
    }

    @Override
    public BridgeOffer allocateEndpoint(String sessionId, String participantId, Role role) {
        Conference c = conferences.computeIfAbsent(
                sessionId,
                id -> new Conference(
                        id,
                        metrics,
                        fingerprint(),
                        config.advertisedAddresses().stream()
                                .map(java.net.InetAddress::getHostAddress)
                                .toList()));
        EndpointTransport transport = EndpointTransport.ice(port.newTransport(Conference.msidToken(participantId)));
        Endpoint e = new Endpoint(
                c,
                participantId,
                role,
                transport,
                sink -> BcDtlsStack.server(certificate, dtlsExecutor, sink),
                metrics,
                config.maxPacketsPerSecond(),
                dispatcher());
        try {
            return c.add(e);
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
    }

    @Override
    public void setRemoteDescription(String sessionId, String participantId, String sdpAnswer) throws SdpException {
        Endpoint e = endpoint(sessionId, participantId);
        RemoteDescription answer = SdpParser.parseAnswer(sdpAnswer);
        if (answer.media().isEmpty()) {
            return;
        }
        List<BridgeOffer> changed = e.conference.applyAnswer(e, answer);
        boolean first;
        synchronized (e.conference) {
            first = !e.remoteStarted;
            e.remoteStarted = true;
        }
        if (first) {
            e.dtls.setRemoteFingerprint(answer.fingerprintHash(), answer.fingerprint());
            e.dtls.start().whenComplete((keys, err) -> {
                if (err != null) {
                    if (e.isClosed()) {
                        return; // removed before the handshake finished: not a failure
                    }
                    metrics.increment(MediaCounter.DTLS_HANDSHAKES_FAILED);
                    LOG.info("DTLS handshake with {}/{} failed: {}", sessionId, participantId, err.toString());
                    return;
                }
                e.installKeys(keys);
                metrics.increment(MediaCounter.DTLS_HANDSHAKES_COMPLETED);
                e.conference.requestKeyframesFor(e);
            });
            e.transport.start(answer.iceUfrag(), answer.icePassword());
        } else if (e.secure()) {
            // A renegotiation added tracks this participant can now decode: it needs keyframes.
            e.conference.requestKeyframesFor(e);
        }
        notifyListeners(changed);
    }

    private Endpoint.Dispatcher dispatcher() {
        if (forwarding == null) {
            return Endpoint.Dispatcher.INLINE;
        }
        int worker = forwarding.assign();
        return task -> forwarding.execute(worker, task);
    }

    @Override
    public BridgeOffer currentOffer(String sessionId, String participantId) {
        Endpoint e = endpoint(sessionId, participantId);
        return e.conference.currentOffer(e);
    }

    @Override
    public void removeEndpoint(String sessionId, String participantId) {
        Conference c = conferences.get(sessionId);
        if (c == null) {
            return;
        }
        Endpoint e = c.get(participantId);
        if (e == null) {
            return;
        }
        List<BridgeOffer> changed = c.remove(e);
        e.close();
        synchronized (c) {
            // A session being recorded stays until stopRecording, so its files can be finished.
            if (c.isEmpty() && c.recording() == RecordingSink.NONE) {
                conferences.remove(sessionId, c);
            }
        }
        notifyListeners(changed);
    }

    @Override
    public void addListener(BridgeListener listener) {
        listeners.add(listener);
    }

    @Override
    public void requestKeyframe(String sessionId, String participantId) {
        Endpoint e = endpoint(sessionId, participantId);
        e.conference.requestKeyframesFrom(e);
    }

    @Override
    public Bandwidth bandwidth(String sessionId, String participantId) {
        Endpoint e = endpoint(sessionId, participantId);
        return new Bandwidth(e.receiverEstimate.bitsPerSecond(System.nanoTime()), e.rembSent());
    }

    @Override
    public void startRecording(String sessionId, Path directory) throws IOException {
        Conference c = conferences.get(sessionId);
        if (c == null) {
            throw new IllegalArgumentException("no session " + sessionId);
        }
        synchronized (c) {
            // Checked before the recorder exists: it creates its directory and start record at once, which a
            // refused second start must not leave behind as a recording that never ended.
            if (c.recording() != RecordingSink.NONE) {
                throw new IllegalStateException("session " + sessionId + " is already being recorded");
            }
            c.setRecording(new SessionRecorder(sessionId, directory, config.ffmpeg(), participant -> {
                Endpoint e = c.get(participant);
                if (e != null) {
                    c.requestKeyframesFrom(e);
                }
            }));
        }
        for (Endpoint e : c.all()) {
            c.requestKeyframesFrom(e);
        }
    }

    @Override
    public RecordingManifest stopRecording(String sessionId) throws IOException {
        Conference c = conferences.get(sessionId);
        if (c == null) {
            throw new IllegalArgumentException("no session " + sessionId);
        }
        RecordingSink sink;
        synchronized (c) {
            sink = c.recording();
            c.setRecording(RecordingSink.NONE);
        }
        if (!(sink instanceof SessionRecorder recorder)) {
            throw new IllegalStateException("session " + sessionId + " is not being recorded");
        }
        RecordingManifest m = recorder.stop();
        metrics.add(MediaCounter.RECORDING_DROPPED, m.droppedPackets());
        return m;
    }

    @Override
    public MediaMetrics metrics() {
        return metrics;
    }

    @Override
    public int port() {
        return port.port();
    }

    private Endpoint endpoint(String sessionId, String participantId) {
        Conference c = conferences.get(sessionId);
        Endpoint e = c == null ? null : c.get(participantId);
        if (e == null) {
            throw new IllegalArgumentException("no endpoint " + sessionId + "/" + participantId);
        }
        return e;
    }

    private void notifyListeners(List<BridgeOffer> offers) {
        for (BridgeOffer o : offers) {
            for (BridgeListener l : listeners) {
                try {
                    l.offerUpdated(o);
                } catch (RuntimeException ex) {
                    LOG.warn("bridge listener failed", ex);
                }
            }
        }
    }

    private void sendReports() {
        try {
            long now = System.nanoTime();
            for (Conference c : conferences.values()) {
                c.updateEstimates(now);
                for (Endpoint e : c.members()) {
                    e.sendReports(c.rembFor(e, config.rembBitrate()));
                }
            }
        } catch (RuntimeException ex) {
            LOG.warn("RTCP report round failed", ex);
        }
    }

    @Override
    public void close() {
        rtcpTimer.shutdownNow();
        for (Conference c : conferences.values()) {
            if (c.recording() instanceof SessionRecorder r) {
                c.setRecording(RecordingSink.NONE);
                try {
                    r.stop();
                } catch (IOException e) {
                    LOG.warn("recording of {} did not finish cleanly", c.id, e);
                }
            }
            for (Endpoint e : c.all()) {
                e.close();
            }
        }
        conferences.clear();
        if (forwarding != null) {
            forwarding.close();
        }
        dtlsExecutor.shutdownNow();
        port.close();
    }
}
