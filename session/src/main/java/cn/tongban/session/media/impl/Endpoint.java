package cn.tongban.session.media.impl;

import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.dtls.DtlsStack;
import cn.tongban.session.media.pipeline.ConsumerNode;
import cn.tongban.session.media.pipeline.DemuxerNode;
import cn.tongban.session.media.pipeline.FilterNode;
import cn.tongban.session.media.pipeline.Node;
import cn.tongban.session.media.pipeline.ObserverNode;
import cn.tongban.session.media.pipeline.PacketInfo;
import cn.tongban.session.media.pipeline.Rfc7983;
import cn.tongban.session.media.pipeline.TransformerNode;
import cn.tongban.session.media.rtp.AbsSendTime;
import cn.tongban.session.media.rtp.ReceiveStatistics;
import cn.tongban.session.media.rtp.ReportBlock;
import cn.tongban.session.media.rtp.Rtcp;
import cn.tongban.session.media.rtp.RtcpPacket;
import cn.tongban.session.media.rtp.RtpPacket;
import cn.tongban.session.media.sdp.BridgeOfferWriter;
import cn.tongban.session.media.sdp.OfferMedia;
import cn.tongban.session.media.srtp.PacketBuffer;
import cn.tongban.session.media.srtp.SrtpKeys;
import cn.tongban.session.media.srtp.SrtpTransformer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jitsi.srtp.SrtpErrorStatus;

/**
 * One participant's connection to the bridge: its transport, DTLS and SRTP state, its receive chain and
 * its send chains. Data-plane fields are concurrent; control-plane fields (offer state) are guarded by
 * the conference's lock.
 */
public final class Endpoint {
    private static final SecureRandom RANDOM = new SecureRandom();

    final Conference conference;
    final String id;
    final Role role;
    final EndpointTransport transport;
    final DtlsStack dtls;
    final long localSsrc;
    final long sdpSessionId;
    private final CountingMetrics metrics;
    private final RateLimiter limiter;
    /**
     * Repairs this participant may be sent from the bridge's caches per second ({@link
     * Conference#forwardNack}): a NACK costs the bridge a copy and an encryption per packet asked for, on a
     * forwarding worker other participants share, so what one receiver can ask for is bounded. 400/s is
     * about a third of a 4 Mbit/s stream: more loss than that is a link that repairs cannot save.
     */
    final RateLimiter repairs = new RateLimiter(400);

    private final Node receiveChain;
    private final Node rtpSendChain;
    private final Node rtcpSendChain;
    private final AtomicInteger firSequence = new AtomicInteger();
    private final Dispatcher dispatcher;
    /** Datagrams of this endpoint waiting in the shared forwarding queue. */
    private final AtomicInteger backlog = new AtomicInteger();

    /**
     * How many of one endpoint's datagrams may wait in the forwarding queue it shares with others: a few
     * hundred milliseconds of a 2.5 Mbit/s upload. Beyond, this endpoint's datagrams are dropped, not the
     * other endpoints'.
     */
    static final int MAX_BACKLOG = 512;

    private volatile SrtpTransformer srtp;
    private volatile boolean closed;

    /** SSRC (primary and RTX) to this participant's uploaded track. */
    final Map<Long, Track> uploads = new ConcurrentHashMap<>();
    /** SSRCs of other participants' tracks that are in this participant's offer. */
    final Set<Long> receives = ConcurrentHashMap.newKeySet();

    private final Map<Long, ReceiveStatistics> stats = new ConcurrentHashMap<>();

    /** What this participant's browser says it can receive (its REMB reports). */
    final ReceiverEstimate receiverEstimate = new ReceiverEstimate();

    /** RTCP timer only: the video the bridge forwards to this participant, and what it allows (-1: no limit). */
    long videoForwarded;

    long videoLimit = -1;

    /** The bitrate of the last REMB the bridge sent this participant, for tests and diagnostics. */
    private volatile long rembSent = -1;

    // Control plane, guarded by the conference lock.
    final List<OfferMedia> mlines = new ArrayList<>();
    final Map<TrackKind, String> uploadMids = new EnumMap<>(TrackKind.class);
    final Map<Long, String> midBySsrc = new ConcurrentHashMap<>();
    long offerVersion;
    String offerSdp;
    boolean remoteStarted;

    Endpoint(
            Conference conference,
            String id,
            Role role,
            EndpointTransport transport,
            Function<DtlsStack.DatagramSink, DtlsStack> dtlsFactory,
            CountingMetrics metrics,
            int maxPacketsPerSecond,
            Dispatcher dispatcher) {
        this.conference = conference;
        this.id = id;
        this.role = role;
        this.transport = transport;
        this.metrics = metrics;
        this.limiter = new RateLimiter(maxPacketsPerSecond);
        this.localSsrc = RANDOM.nextInt() & 0xffffffffL;
        this.sdpSessionId = RANDOM.nextLong() & Long.MAX_VALUE;
        this.dtls = dtlsFactory.apply(this::sendRaw);
        this.receiveChain = buildReceiveChain();
        this.rtpSendChain = buildRtpSendChain();
        this.rtcpSendChain = buildRtcpSendChain();
        this.dispatcher = dispatcher;
        transport.setReceiver(this::onDatagram);
    }

    /** Where the receive chain runs: inline on the transport's thread, or on a forwarding worker. */
    @FunctionalInterface
    interface Dispatcher {
        Dispatcher INLINE = task -> {
            task.run();
            return true;
        };

        /** Runs or queues {@code task}; false when it was dropped (a full queue). */
        boolean dispatch(Runnable task);
    }

    /**
     * The receive chain, in data-flow order. Before it, on the transport's thread ({@link #onDatagram}):
     * only datagrams from an ICE-authenticated address arrive, the per-participant rate limit and backlog
     * bound apply before the shared forwarding queue, so one flooding participant cannot delay another's.
     *
     * <pre>
     * datagram ─ rfc7983-demuxer ─┬─ [20..63]   dtls-consumer
     *                             └─ [128..191] srtp-ready-filter ─ rtp-rtcp-demuxer ─┐
     *   ┌─────────────────────────────────────────────────────────────────────────┘
     *   ├─ RTCP: srtcp-decrypt ─ rtcp-termination (feedback to senders, SRs to receivers)
     *   └─ RTP:  known-ssrc-filter ─ srtp-decrypt ─ rtp-parse-filter ─ receive-stats ─ recording-tap ─ forwarder
     * </pre>
     *
     * The SSRC filter comes before decryption: a crypto context is derived only for an SSRC the participant
     * negotiated, so spoofed SSRCs cost neither key derivation nor memory.
     */
    private Node buildReceiveChain() {
        DemuxerNode rfc7983 =
                new DemuxerNode("rfc7983-demuxer", () -> metrics.increment(MediaCounter.DROPPED_NOT_DTLS_OR_RTP));
        rfc7983.branch(p -> Rfc7983.isDtls(p.buffer(), p.offset(), p.length()), new ConsumerNode("dtls-consumer", p -> {
            if (!dtls.receive(p.buffer(), p.offset(), p.length())) {
                metrics.increment(MediaCounter.DROPPED_DTLS_QUEUE_FULL);
            }
        }));
        DemuxerNode rtpRtcp = rfc7983.branch(
                        p -> Rfc7983.isRtpOrRtcp(p.buffer(), p.offset(), p.length()),
                        new FilterNode(
                                "srtp-ready-filter",
                                p -> srtp != null,
                                () -> metrics.increment(MediaCounter.DROPPED_BEFORE_SRTP_READY)))
                .then(new DemuxerNode("rtp-rtcp-demuxer", () -> {}));
        rtpRtcp.branch(
                        p -> RtcpPacket.looksLikeRtcp(p.buffer(), p.offset(), p.length()),
                        new TransformerNode(
                                "srtcp-decrypt",
                                p -> srtp.unprotectRtcp(p.packet()) == SrtpErrorStatus.OK ? p : null,
                                () -> metrics.increment(MediaCounter.DROPPED_SRTCP_AUTH)))
                .then(new ConsumerNode("rtcp-termination", this::terminateRtcp));
        rtpRtcp.branch(
                        p -> true,
                        new FilterNode(
                                "known-ssrc-filter",
                                p -> p.length() >= 12 && uploads.containsKey(RtpPacket.ssrcOf(p.buffer(), p.offset())),
                                () -> metrics.increment(
                                        role.sends()
                                                ? MediaCounter.DROPPED_UNKNOWN_SSRC
                                                : MediaCounter.DROPPED_ROLE_DOES_NOT_SEND)))
                .then(new TransformerNode(
                        "srtp-decrypt",
                        p -> srtp.unprotectRtp(p.packet()) == SrtpErrorStatus.OK ? p : null,
                        () -> metrics.increment(MediaCounter.DROPPED_SRTP_AUTH)))
                .then(new FilterNode(
                        "rtp-parse-filter",
                        this::parseRtp,
                        () -> metrics.increment(MediaCounter.DROPPED_MALFORMED_RTP)))
                .then(new ObserverNode("receive-stats", this::updateStats))
                .then(new ObserverNode("recording-tap", p -> conference.record(this, p)))
                .then(new ConsumerNode("forwarder", p -> conference.forwardRtp(this, p)));
        return rfc7983;
    }

    /**
     * RTP toward this participant: abs-send-time ─ srtp-encrypt ─ transport-send. The send time is the
     * bridge's, so the participant's REMB measures the path from the bridge, not the sender's uplink and
     * pacer.
     */
    private Node buildRtpSendChain() {
        TransformerNode stamp = new TransformerNode(
                "abs-send-time",
                p -> {
                    AbsSendTime.rewrite(
                            p.buffer(),
                            p.offset(),
                            p.length(),
                            BridgeOfferWriter.ABS_SEND_TIME_ID,
                            AbsSendTime.fromNanos(System.nanoTime()));
                    return p;
                },
                () -> {});
        stamp.then(new TransformerNode(
                        "srtp-encrypt",
                        p -> srtp.protectRtp(p.packet()) == SrtpErrorStatus.OK ? p : null,
                        () -> metrics.increment(MediaCounter.SEND_FAILED)))
                .then(new ConsumerNode("transport-send", this::sendPacket));
        return stamp;
    }

    /** RTCP toward this participant: srtcp-encrypt ─ transport-send. */
    private Node buildRtcpSendChain() {
        TransformerNode encrypt = new TransformerNode(
                "srtcp-encrypt",
                p -> srtp.protectRtcp(p.packet()) == SrtpErrorStatus.OK ? p : null,
                () -> metrics.increment(MediaCounter.SEND_FAILED));
        encrypt.then(new ConsumerNode("transport-send", this::sendPacket));
        return encrypt;
    }

    /**
     * Entry point for every datagram from this participant's transport (ice4j's receive thread). The
     * buffer is this endpoint's to keep: ice4j's push API hands over a fresh buffer per datagram.
     */
    void onDatagram(byte[] buf, int off, int len, InetSocketAddress from) {
        if (closed) {
            return;
        }
        metrics.increment(MediaCounter.DATAGRAMS_RECEIVED);
        long now = System.nanoTime();
        if (!limiter.tryAcquire(now)) {
            metrics.increment(MediaCounter.DROPPED_RATE_LIMITED);
            return;
        }
        if (backlog.incrementAndGet() > MAX_BACKLOG) {
            backlog.decrementAndGet();
            metrics.increment(MediaCounter.DROPPED_ENDPOINT_BACKLOG);
            return;
        }
        boolean queued = dispatcher.dispatch(() -> {
            backlog.decrementAndGet();
            receive(buf, off, len, now);
        });
        if (!queued) {
            backlog.decrementAndGet();
        }
    }

    /**
     * Runs {@code task} on this participant's forwarding worker, the thread that forwards its packets: work
     * that encrypts this participant's streams for a receiver (a repair) must not run beside that
     * forwarding, which uses the same SRTP context. False when the worker's queue is full.
     */
    boolean onForwardingWorker(Runnable task) {
        return dispatcher.dispatch(task);
    }

    /** Runs the receive chain on the calling thread. */
    void receive(byte[] buf, int off, int len, long receivedNanos) {
        if (!closed) {
            receiveChain.process(new PacketInfo(new PacketBuffer(buf, off, len), receivedNanos));
        }
    }

    private boolean parseRtp(PacketInfo p) {
        RtpPacket rtp = RtpPacket.parse(p.buffer(), p.offset(), p.length());
        if (rtp == null) {
            return false;
        }
        p.setRtpHeader(rtp.ssrc(), rtp.sequenceNumber(), rtp.timestamp());
        metrics.increment(MediaCounter.RTP_RECEIVED);
        return true;
    }

    private void updateStats(PacketInfo p) {
        Track t = uploads.get(p.ssrc());
        if (t == null || t.rtxSsrc() == p.ssrc()) {
            return; // RTX repairs are not counted as reception of the original stream
        }
        ReceiveStatistics s = stats.get(p.ssrc());
        if (s == null) {
            s = stats.computeIfAbsent(p.ssrc(), x -> new ReceiveStatistics(x, t.clockRate()));
        }
        s.onPacket(p.sequenceNumber(), p.rtpTimestamp(), p.receivedNanos());
    }

    /**
     * The bridge terminates RTCP (RFC 3550 6.1, RFC 4585): reports about the bridge's hop stay here,
     * feedback about a track goes to the track's sender, SRs go on to the receivers for lip sync.
     */
    private void terminateRtcp(PacketInfo p) {
        List<RtcpPacket> packets = RtcpPacket.parseCompound(p.buffer(), p.offset(), p.length());
        if (packets.isEmpty()) {
            metrics.increment(MediaCounter.DROPPED_MALFORMED_RTCP);
            return;
        }
        metrics.increment(MediaCounter.RTCP_RECEIVED);
        for (RtcpPacket r : packets) {
            if (r.packetType() == RtcpPacket.SR) {
                ReceiveStatistics s = stats.get(r.senderSsrc());
                if (s != null) {
                    s.onSenderReport(r.srNtpMiddle(), p.receivedNanos());
                }
                if (uploads.containsKey(r.senderSsrc())) {
                    conference.forwardRtcp(this, r.senderSsrc(), r.copy());
                }
            } else if (r.isPli() || r.isFir()) {
                conference.requestKeyframe(this, r.mediaSsrc(), r.isFir());
            } else if (r.isNack()) {
                conference.forwardNack(this, r);
            } else if (r.isRemb()) {
                // About everything this participant receives from the bridge: the senders' REMB uses it.
                metrics.increment(MediaCounter.REMB_RECEIVED);
                receiverEstimate.onRemb(r.rembBitrate(), p.receivedNanos());
            }
        }
    }

    /** Sends a plain RTP packet (owned by the caller, with tail room) to this participant. */
    void sendRtp(PacketInfo p) {
        if (srtp != null && !closed) {
            rtpSendChain.process(p);
        }
    }

    /** Sends a plain RTCP packet to this participant. */
    void sendRtcp(byte[] packet) {
        if (srtp != null && !closed) {
            PacketBuffer b = PacketBuffer.copyOf(packet, 0, packet.length);
            rtcpSendChain.process(new PacketInfo(b, System.nanoTime()));
            metrics.increment(MediaCounter.RTCP_SENT);
        }
    }

    /** Sends a PLI (or FIR) for one of this participant's tracks (RFC 4585 6.3.1, RFC 5104 4.3.1). */
    void sendKeyframeRequest(Track t, boolean fir) {
        byte[] r = fir ? Rtcp.fir(localSsrc, t.ssrc(), firSequence.incrementAndGet()) : Rtcp.pli(localSsrc, t.ssrc());
        sendRtcp(r);
        metrics.increment(MediaCounter.KEYFRAME_REQUESTS_SENT);
    }

    /**
     * The periodic report: an RR for what this participant sends plus a REMB for its video (the bitrate
     * its receivers can take, {@link Conference#rembFor}). Chromium follows REMB only when it arrives with
     * an RR (and rtcp-rsize negotiated).
     */
    void sendReports(long rembBitrate) {
        if (srtp == null || closed) {
            return;
        }
        long now = System.nanoTime();
        List<ReportBlock> blocks = new ArrayList<>();
        List<Long> video = new ArrayList<>();
        for (Map.Entry<Long, ReceiveStatistics> e : stats.entrySet()) {
            if (e.getValue().hasData()) {
                blocks.add(e.getValue().report(now));
            }
            Track t = uploads.get(e.getKey());
            if (t != null && t.isVideo()) {
                video.add(e.getKey());
            }
        }
        byte[] rr = Rtcp.receiverReport(localSsrc, blocks);
        if (video.isEmpty()) {
            sendRtcp(rr);
        } else {
            sendRtcp(Rtcp.compound(rr, Rtcp.remb(localSsrc, rembBitrate, video)));
            rembSent = rembBitrate;
        }
    }

    /** The bitrate of the last REMB sent to this participant, or -1. */
    long rembSent() {
        return rembSent;
    }

    void installKeys(SrtpKeys keys) {
        srtp = SrtpTransformer.forServer(keys);
    }

    boolean secure() {
        return srtp != null;
    }

    boolean isClosed() {
        return closed;
    }

    private void sendPacket(PacketInfo p) {
        sendRaw(p.buffer(), p.offset(), p.length());
        if (!RtcpPacket.looksLikeRtcp(p.buffer(), p.offset(), p.length())) {
            metrics.increment(MediaCounter.RTP_FORWARDED);
        }
    }

    private void sendRaw(byte[] buf, int off, int len) {
        try {
            transport.send(buf, off, len);
        } catch (IOException | RuntimeException e) {
            // Before ICE selects a pair, or after the peer left: count, don't fail the sender's chain.
            metrics.increment(MediaCounter.SEND_FAILED);
        }
    }

    /** The receive chain's head, for diagnostics. */
    Node receiveChain() {
        return receiveChain;
    }

    void close() {
        closed = true;
        dtls.close();
        transport.close();
        SrtpTransformer s = srtp;
        if (s != null) {
            s.close();
        }
    }
}
