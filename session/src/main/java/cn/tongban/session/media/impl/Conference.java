package cn.tongban.session.media.impl;

import cn.tongban.session.media.BridgeOffer;
import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.ice.IceCandidate;
import cn.tongban.session.media.pipeline.PacketInfo;
import cn.tongban.session.media.recording.RecordingSink;
import cn.tongban.session.media.rtp.Rtcp;
import cn.tongban.session.media.rtp.RtcpPacket;
import cn.tongban.session.media.sdp.BridgeOfferWriter;
import cn.tongban.session.media.sdp.Direction;
import cn.tongban.session.media.sdp.OfferMedia;
import cn.tongban.session.media.sdp.RemoteDescription;
import cn.tongban.session.media.srtp.PacketBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The participants of one session and the routing between them. Control-plane changes (join, answer,
 * leave) hold this object's lock and return the offers that changed; the data plane reads a volatile
 * snapshot of the members and concurrent maps, never the lock.
 */
public final class Conference {
    private static final long KEYFRAME_REQUEST_MIN_INTERVAL_NANOS = 250_000_000L;

    /**
     * The least a sender is ever told (bits per second): enough for VP8 at a low resolution (Chromium's
     * floor for one stream is 30 kbit/s), so one receiver on a very poor link degrades the picture for the
     * others but never stops it.
     */
    static final long MIN_REMB_BITRATE = 150_000;

    /** The most sequence numbers one NACK is answered for (a receiver asks again for the rest). */
    static final int MAX_REPAIRS_PER_NACK = 64;

    final String id;
    private final CountingMetrics metrics;
    private final String fingerprint;
    private final List<String> advertised;
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private final Map<Long, Track> tracksBySsrc = new ConcurrentHashMap<>();
    private volatile Endpoint[] members = new Endpoint[0];
    private volatile RecordingSink recording = RecordingSink.NONE;

    Conference(String id, CountingMetrics metrics, String fingerprint) {
        this(id, metrics, fingerprint, List.of());
    }

    /** @param advertised extra host-candidate addresses (not bound; see {@code BridgeConfig}) */
    Conference(String id, CountingMetrics metrics, String fingerprint, List<String> advertised) {
        this.id = id;
        this.metrics = metrics;
        this.fingerprint = fingerprint;
        this.advertised = List.copyOf(advertised);
    }

    /** Starts or stops (with {@link RecordingSink#NONE}) handing this session's RTP to a recorder. */
    void setRecording(RecordingSink sink) {
        this.recording = Objects.requireNonNull(sink);
    }

    RecordingSink recording() {
        return recording;
    }

    // ---- control plane ------------------------------------------------------------------------------

    synchronized BridgeOffer add(Endpoint e) {
        if (endpoints.containsKey(e.id)) {
            throw new IllegalStateException("participant " + e.id + " already has an endpoint in " + id);
        }
        if (e.role.sends()) {
            int mid = 0;
            for (TrackKind k : TrackKind.values()) {
                String m = String.valueOf(mid++);
                e.uploadMids.put(k, m);
                e.mlines.add(OfferMedia.upload(m, k.mediaKind()));
            }
        }
        for (Endpoint other : endpoints.values()) {
            for (Track t : distinctTracks(other)) {
                addForwardedTrack(e, t);
            }
        }
        endpoints.put(e.id, e);
        members = endpoints.values().toArray(new Endpoint[0]);
        return renderOffer(e);
    }

    synchronized Endpoint get(String participantId) {
        return endpoints.get(participantId);
    }

    synchronized boolean isEmpty() {
        return endpoints.isEmpty();
    }

    synchronized List<Endpoint> all() {
        return List.copyOf(endpoints.values());
    }

    /**
     * Applies a participant's answer. Returns the offers of other participants that changed because this
     * one's tracks appeared or changed.
     */
    synchronized List<BridgeOffer> applyAnswer(Endpoint e, RemoteDescription answer) {
        Map<TrackKind, Track> now = new LinkedHashMap<>();
        if (e.role.sends()) {
            for (Map.Entry<TrackKind, String> u : e.uploadMids.entrySet()) {
                answer.media(u.getValue())
                        .filter(m -> !m.rejected() && m.ssrc() != 0)
                        .filter(m -> m.direction() == Direction.SENDONLY || m.direction() == Direction.SENDRECV)
                        .ifPresent(m -> now.put(u.getKey(), new Track(e, u.getKey(), m.ssrc(), m.rtxSsrc())));
            }
        }
        Map<TrackKind, Track> before = new LinkedHashMap<>();
        for (Track t : distinctTracks(e)) {
            before.put(t.kind(), t);
        }
        List<Endpoint> changed = new ArrayList<>();
        for (TrackKind k : TrackKind.values()) {
            Track old = before.get(k);
            Track neu = now.get(k);
            if (neu != null && neu.sameSsrcs(old)) {
                continue;
            }
            if (old != null) {
                removeTrack(old, changed);
            }
            if (neu != null) {
                e.uploads.put(neu.ssrc(), neu);
                tracksBySsrc.put(neu.ssrc(), neu);
                if (neu.rtxSsrc() != 0) {
                    e.uploads.put(neu.rtxSsrc(), neu);
                    tracksBySsrc.put(neu.rtxSsrc(), neu);
                }
                for (Endpoint other : endpoints.values()) {
                    if (other != e) {
                        addForwardedTrack(other, neu);
                        addIfAbsent(changed, other);
                    }
                }
            }
        }
        List<BridgeOffer> offers = new ArrayList<>();
        for (Endpoint c : changed) {
            offers.add(renderOffer(c));
        }
        return offers;
    }

    /** Removes a participant; returns the others' changed offers. */
    synchronized List<BridgeOffer> remove(Endpoint e) {
        if (endpoints.remove(e.id) == null) {
            return List.of();
        }
        members = endpoints.values().toArray(new Endpoint[0]);
        List<Endpoint> changed = new ArrayList<>();
        for (Track t : distinctTracks(e)) {
            removeTrack(t, changed);
        }
        List<BridgeOffer> offers = new ArrayList<>();
        for (Endpoint c : changed) {
            offers.add(renderOffer(c));
        }
        return offers;
    }

    synchronized BridgeOffer currentOffer(Endpoint e) {
        return new BridgeOffer(id, e.id, e.offerVersion, e.offerSdp, Map.copyOf(e.uploadMids));
    }

    private static List<Track> distinctTracks(Endpoint e) {
        List<Track> out = new ArrayList<>();
        for (Track t : e.uploads.values()) {
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private void removeTrack(Track t, List<Endpoint> changed) {
        Endpoint owner = t.owner();
        owner.uploads.remove(t.ssrc());
        tracksBySsrc.remove(t.ssrc());
        if (t.rtxSsrc() != 0) {
            owner.uploads.remove(t.rtxSsrc());
            tracksBySsrc.remove(t.rtxSsrc());
        }
        for (Endpoint other : endpoints.values()) {
            String mid = other.midBySsrc.remove(t.ssrc());
            if (mid == null) {
                continue;
            }
            other.receives.remove(t.ssrc());
            other.receives.remove(t.rtxSsrc());
            for (int i = 0; i < other.mlines.size(); i++) {
                if (other.mlines.get(i).mid().equals(mid)) {
                    other.mlines.set(i, other.mlines.get(i).inactive());
                }
            }
            addIfAbsent(changed, other);
        }
    }

    /** Adds a sendonly m-line for the track, reusing an inactive slot of the same media kind first. */
    private static void addForwardedTrack(Endpoint to, Track t) {
        String stream = msidToken(t.owner().id);
        OfferMedia m = null;
        int slot = -1;
        for (int i = 0; i < to.mlines.size(); i++) {
            OfferMedia x = to.mlines.get(i);
            if (x.direction() == Direction.INACTIVE && x.kind() == t.kind().mediaKind()) {
                slot = i;
                m = x;
                break;
            }
        }
        String mid = m != null ? m.mid() : String.valueOf(to.mlines.size());
        OfferMedia line = new OfferMedia(
                mid,
                t.kind().mediaKind(),
                Direction.SENDONLY,
                t.ssrc(),
                t.rtxSsrc(),
                stream,
                stream + "-" + t.kind().name().toLowerCase(java.util.Locale.ROOT));
        if (slot >= 0) {
            to.mlines.set(slot, line);
        } else {
            to.mlines.add(line);
        }
        to.midBySsrc.put(t.ssrc(), mid);
        to.receives.add(t.ssrc());
        if (t.rtxSsrc() != 0) {
            to.receives.add(t.rtxSsrc());
        }
    }

    private BridgeOffer renderOffer(Endpoint e) {
        e.offerVersion++;
        e.offerSdp = BridgeOfferWriter.write(
                e.sdpSessionId,
                e.offerVersion,
                e.transport.localUfrag(),
                e.transport.localPassword(),
                fingerprint,
                candidates(e),
                List.copyOf(e.mlines));
        return new BridgeOffer(id, e.id, e.offerVersion, e.offerSdp, Map.copyOf(e.uploadMids));
    }

    /** The bound host candidates, then one per advertised address on the same port, ranked below them. */
    private List<IceCandidate> candidates(Endpoint e) {
        List<IceCandidate> local = e.transport.localCandidates();
        if (advertised.isEmpty() || local.isEmpty()) {
            return local;
        }
        List<IceCandidate> out = new ArrayList<>(local);
        long lowest = local.stream().mapToLong(IceCandidate::priority).min().orElse(1L << 24);
        for (int i = 0; i < advertised.size(); i++) {
            out.add(new IceCandidate(
                    "adv" + i,
                    Math.max(1, lowest - 1 - i),
                    advertised.get(i),
                    local.get(0).port()));
        }
        return out;
    }

    private static void addIfAbsent(List<Endpoint> l, Endpoint e) {
        if (!l.contains(e)) {
            l.add(e);
        }
    }

    /** msid ids are tokens (RFC 8830 section 2); participant ids from signaling may not be. */
    static String msidToken(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_.-]", "_");
        return t.isEmpty() ? "p" : t;
    }

    // ---- data plane ---------------------------------------------------------------------------------

    /**
     * Per-thread scratch space for the re-encrypted copy. Reusing it is safe because the send chain is
     * synchronous (the transport hands the bytes to the kernel before returning); it keeps the forwarding
     * path from allocating a packet-sized array per receiver.
     */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[2048]);

    /** Sends a decrypted RTP packet to every other participant whose offer carries its SSRC. */
    void forwardRtp(Endpoint from, PacketInfo p) {
        Long ssrc = p.ssrc();
        Track track = from.uploads.get(ssrc);
        if (track != null) {
            track.meter().add(p.length());
            if (track.cache() != null && track.ssrc() == p.ssrc()) {
                track.cache().put(p.buffer(), p.offset(), p.length(), p.sequenceNumber(), p.receivedNanos());
            }
        }
        for (Endpoint to : members) {
            if (to != from && to.receives.contains(ssrc) && to.secure()) {
                byte[] scratch = SCRATCH.get();
                if (scratch.length < p.length() + PacketBuffer.TAIL_ROOM) {
                    scratch = new byte[p.length() + PacketBuffer.TAIL_ROOM];
                    SCRATCH.set(scratch);
                }
                System.arraycopy(p.buffer(), p.offset(), scratch, 0, p.length());
                to.sendRtp(new PacketInfo(new PacketBuffer(scratch, 0, p.length()), p.receivedNanos()));
            }
        }
    }

    /** Sends an RTCP packet about one of {@code from}'s tracks (an SR) to that track's receivers. */
    void forwardRtcp(Endpoint from, long ssrc, byte[] packet) {
        for (Endpoint to : members) {
            if (to != from && to.receives.contains(ssrc)) {
                to.sendRtcp(packet);
                metrics.increment(MediaCounter.RTCP_FORWARDED);
            }
        }
    }

    /**
     * A receiver lost packets: those still in the track's cache are sent to it again at once, on the
     * original SSRC and sequence number (a late packet to the receiver, which its SRTP replay window and
     * jitter buffer accept); only the rest are asked of the sender, whose RTX stream the receiver also gets.
     * The repair runs on the sender's forwarding worker: the receiver's SRTP context for that stream is the
     * one the forwarding uses, and must not be used from two threads at once.
     */
    void forwardNack(Endpoint from, RtcpPacket nack) {
        Track t = tracksBySsrc.get(nack.mediaSsrc());
        if (t == null || t.owner() == from || !from.receives.contains(t.ssrc())) {
            return;
        }
        long mediaSsrc = nack.mediaSsrc();
        // One RTCP packet can name thousands of numbers (and the same one many times): each distinct number
        // once, at most MAX_REPAIRS_PER_NACK of them; a receiver asks again for what is still missing.
        List<Integer> lost = nack.nackedSequenceNumbers().stream()
                .distinct()
                .limit(MAX_REPAIRS_PER_NACK)
                .toList();
        // A full queue drops the repair: the receiver asks again.
        t.owner().onForwardingWorker(() -> repair(from, t, mediaSsrc, lost));
    }

    private void repair(Endpoint receiver, Track t, long mediaSsrc, List<Integer> lost) {
        List<Integer> missing = lost;
        if (t.cache() != null && t.ssrc() == mediaSsrc) {
            missing = new ArrayList<>();
            long now = System.nanoTime();
            for (int seq : lost) {
                PacketBuffer again =
                        receiver.repairs.tryAcquire(now) ? t.cache().get(seq, now) : null;
                if (again == null) {
                    missing.add(seq);
                } else {
                    receiver.sendRtp(new PacketInfo(again, now));
                    metrics.increment(MediaCounter.RTP_RETRANSMITTED);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Endpoint sender = t.owner();
        // The sender never heard of the receiver's SSRC: the request is the bridge's own.
        sender.sendRtcp(Rtcp.nack(sender.localSsrc, mediaSsrc, missing));
        metrics.increment(MediaCounter.RTCP_FORWARDED);
    }

    /**
     * Once per report round, on the RTCP timer: updates every track's forwarded rate, then every
     * receiver's limit ({@link ReceiverEstimate#limit}) against the video it is forwarded.
     */
    void updateEstimates(long nowNanos) {
        for (Map.Entry<Long, Track> e : tracksBySsrc.entrySet()) {
            if (e.getKey() == e.getValue().ssrc()) { // once per track, not again under its RTX SSRC
                e.getValue().meter().sample(nowNanos);
            }
        }
        for (Endpoint r : members) {
            long forwarded = 0;
            for (Long ssrc : r.receives) {
                Track t = tracksBySsrc.get(ssrc);
                if (t != null && t.ssrc() == ssrc && t.isVideo()) {
                    forwarded += t.meter().bitsPerSecond();
                }
            }
            r.videoForwarded = forwarded;
            r.videoLimit = r.receiverEstimate.limit(nowNanos, forwarded);
        }
    }

    /**
     * The bitrate to advertise in the REMB to {@code sender} for its video: the least its congested
     * receivers allow it, within [{@link #MIN_REMB_BITRATE}, {@code ceiling}]; the ceiling when none is
     * congested ({@link ReceiverEstimate#limit}).
     *
     * <p>A receiver's estimate covers all the video it receives, from every sender; the sender's share of it
     * is in proportion to what the receiver now gets from that sender (equal shares while nothing is
     * measured yet), so every sender to a congested receiver slows in proportion. A supervisor counts as
     * any receiver.
     */
    long rembFor(Endpoint sender, long ceiling) {
        long cap = ceiling;
        for (Endpoint r : members) {
            long limit = r.videoLimit;
            if (r == sender || limit < 0) {
                continue;
            }
            long fromSender = 0;
            boolean receivesSender = false;
            List<Endpoint> senders = new ArrayList<>(2);
            for (Long ssrc : r.receives) {
                Track t = tracksBySsrc.get(ssrc);
                if (t == null || t.ssrc() != ssrc || !t.isVideo()) {
                    continue;
                }
                addIfAbsent(senders, t.owner());
                if (t.owner() == sender) {
                    receivesSender = true;
                    fromSender += t.meter().bitsPerSecond();
                }
            }
            if (!receivesSender) {
                continue;
            }
            long total = r.videoForwarded;
            long share = total > 0 ? (long) ((double) limit * fromSender / total) : limit / senders.size();
            cap = Math.min(cap, share);
        }
        return Math.max(Math.min(MIN_REMB_BITRATE, ceiling), cap);
    }

    /** A receiver (or the bridge itself, {@code from == null}) needs a keyframe of the track on this SSRC. */
    void requestKeyframe(Endpoint from, long mediaSsrc, boolean fir) {
        Track t = tracksBySsrc.get(mediaSsrc);
        if (t == null || t.owner() == from || !t.isVideo()) {
            return;
        }
        long now = System.nanoTime();
        long last = t.lastKeyframeRequestNanos().get();
        // Several receivers asking at once (a join) should cost the sender one keyframe, not one each.
        if (now - last < KEYFRAME_REQUEST_MIN_INTERVAL_NANOS
                || !t.lastKeyframeRequestNanos().compareAndSet(last, now)) {
            return;
        }
        t.owner().sendKeyframeRequest(t, fir);
    }

    /** Asks the senders of everything {@code e} receives for keyframes: it just became able to decode. */
    void requestKeyframesFor(Endpoint e) {
        for (Long ssrc : e.receives) {
            Track t = tracksBySsrc.get(ssrc);
            if (t != null && t.ssrc() == ssrc) {
                requestKeyframe(null, ssrc, false);
            }
        }
    }

    /** Asks {@code e} for keyframes of its own video tracks. */
    void requestKeyframesFrom(Endpoint e) {
        for (Track t : distinctTracks(e)) {
            requestKeyframe(null, t.ssrc(), false);
        }
    }

    void record(Endpoint from, PacketInfo p) {
        RecordingSink sink = recording;
        if (sink != RecordingSink.NONE) {
            Track t = from.uploads.get(p.ssrc());
            if (t != null) {
                boolean rtx = t.rtxSsrc() == p.ssrc();
                sink.onRtp(from.id, t.kind(), rtx, p.buffer(), p.offset(), p.length(), p.receivedNanos());
            }
        }
    }

    Endpoint[] members() {
        return members;
    }
}
