package cn.tongban.session.media.recording;

import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reassembles VP8 frames from RTP payloads (RFC 7741 section 4): a frame is the payloads, minus their
 * payload descriptors, of the packets sharing one RTP timestamp, from the packet with S=1 and PID=0 to
 * the packet with the marker bit.
 *
 * <p>Packets may arrive out of order and late (retransmissions over RTX, RFC 4588, are fed in with their
 * original sequence numbers), so packets wait in a small buffer ordered by extended sequence number.
 * Frames are emitted strictly in sequence order; a frame still incomplete when {@link #MAX_WAIT_NANOS}
 * has passed since a later packet arrived is given up, and the frames after it are skipped until the next
 * keyframe (a decoder could not use them anyway).
 */
final class Vp8FrameAssembler {
    static final long MAX_WAIT_NANOS = 500_000_000L;
    private static final int MAX_BUFFERED = 2000;

    /** Receives each complete frame, in order. */
    interface FrameHandler {
        void onFrame(byte[] frame, long rtpTimestamp, boolean keyframe, long receivedNanos);
    }

    private record Part(long timestamp, boolean start, boolean marker, byte[] payload, long receivedNanos) {}

    private final FrameHandler handler;
    private final TreeMap<Long, Part> buffer = new TreeMap<>();
    private long highestExtended = -1;
    /** Extended sequence number the next emitted frame must start at, or -1 before the first frame. */
    private long next = -1;

    private boolean needKeyframe = true;
    private long dropped;
    private long headStalledSince = -1;

    Vp8FrameAssembler(FrameHandler handler) {
        this.handler = handler;
    }

    /** Offset of the VP8 payload after the RFC 7741 4.2 descriptor, or -1 if the descriptor is cut. */
    static int payloadStart(byte[] p, int off, int len) {
        int i = off;
        int end = off + len;
        if (i >= end) {
            return -1;
        }
        int b0 = p[i++] & 0xff;
        if ((b0 & 0x80) != 0) {
            if (i >= end) {
                return -1;
            }
            int b1 = p[i++] & 0xff;
            if ((b1 & 0x80) != 0) {
                if (i >= end) {
                    return -1;
                }
                i += (p[i] & 0x80) != 0 ? 2 : 1; // 7- or 15-bit PictureID
            }
            if ((b1 & 0x40) != 0) {
                i++; // TL0PICIDX
            }
            if ((b1 & 0x30) != 0) {
                i++; // TID/Y/KEYIDX
            }
        }
        return i <= end ? i : -1;
    }

    private long extend(int seq) {
        if (highestExtended < 0) {
            highestExtended = seq;
            return seq;
        }
        long base = highestExtended & ~0xffffL;
        long candidate = base | seq;
        if (candidate - highestExtended > 0x8000) {
            candidate -= 0x10000;
        } else if (highestExtended - candidate > 0x8000) {
            candidate += 0x10000;
        }
        highestExtended = Math.max(highestExtended, candidate);
        return candidate;
    }

    void push(int seq, long rtpTimestamp, boolean marker, byte[] p, int off, int len, long receivedNanos) {
        int start = payloadStart(p, off, len);
        if (start < 0) {
            return;
        }
        long ext = extend(seq);
        if (next >= 0 && ext < next) {
            return; // a duplicate or a retransmission of something already emitted or given up
        }
        boolean partitionStart = (p[off] & 0x10) != 0 && (p[off] & 0x07) == 0;
        byte[] payload = new byte[off + len - start];
        System.arraycopy(p, start, payload, 0, payload.length);
        buffer.putIfAbsent(ext, new Part(rtpTimestamp, partitionStart, marker, payload, receivedNanos));
        drain(receivedNanos);
        while (buffer.size() > MAX_BUFFERED) {
            giveUpHead();
        }
    }

    private void drain(long now) {
        for (; ; ) {
            if (buffer.isEmpty()) {
                headStalledSince = -1;
                return;
            }
            if (next < 0) {
                // Start at the first packet that begins a frame.
                Map.Entry<Long, Part> first = buffer.firstEntry();
                if (!first.getValue().start()) {
                    buffer.pollFirstEntry();
                    continue;
                }
                next = first.getKey();
            }
            Long endSeq = completeFrameEnd();
            if (endSeq == null) {
                if (buffer.lastKey() > next) {
                    if (headStalledSince < 0) {
                        headStalledSince = now;
                    } else if (now - headStalledSince > MAX_WAIT_NANOS) {
                        giveUpHead();
                        continue;
                    }
                }
                return;
            }
            headStalledSince = -1;
            emit(endSeq);
        }
    }

    /** The end sequence number of the frame starting at {@link #next} if all its packets are here. */
    private Long completeFrameEnd() {
        Part head = buffer.get(next);
        if (head == null || !head.start()) {
            return null;
        }
        long s = next;
        for (; ; ) {
            Part p = buffer.get(s);
            if (p == null || p.timestamp() != head.timestamp()) {
                return null;
            }
            if (p.marker()) {
                return s;
            }
            s++;
        }
    }

    private void emit(long endSeq) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(32 * 1024);
        Part head = buffer.get(next);
        for (long s = next; s <= endSeq; s++) {
            frame.writeBytes(buffer.remove(s).payload());
        }
        next = endSeq + 1;
        byte[] f = frame.toByteArray();
        boolean keyframe = f.length > 0 && (f[0] & 0x01) == 0;
        if (needKeyframe && !keyframe) {
            dropped++;
            return;
        }
        needKeyframe = false;
        handler.onFrame(f, head.timestamp(), keyframe, head.receivedNanos());
    }

    /** Drops the frame at the head and moves to the next frame start; later frames need a keyframe. */
    private void giveUpHead() {
        dropped++;
        needKeyframe = true;
        headStalledSince = -1;
        Part head = buffer.get(next);
        Iterator<Map.Entry<Long, Part>> it = buffer.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Part> e = it.next();
            boolean sameFrame = head != null && e.getValue().timestamp() == head.timestamp();
            if (e.getValue().start() && !sameFrame && e.getKey() > next) {
                next = e.getKey();
                return;
            }
            it.remove();
        }
        next = -1;
    }

    /** Whether the next emitted frame must be a keyframe (the recorder then asks the sender for one). */
    boolean needsKeyframe() {
        return needKeyframe;
    }

    long droppedFrames() {
        return dropped;
    }

    /** Width and height from a VP8 keyframe header (RFC 6386 section 9.1), or null. */
    static int[] keyframeSize(byte[] f) {
        if (f.length < 10
                || (f[0] & 0x01) != 0
                || (f[3] & 0xff) != 0x9d
                || (f[4] & 0xff) != 0x01
                || (f[5] & 0xff) != 0x2a) {
            return null;
        }
        int w = ((f[6] & 0xff) | (f[7] & 0xff) << 8) & 0x3fff;
        int h = ((f[8] & 0xff) | (f[9] & 0xff) << 8) & 0x3fff;
        return new int[] {w, h};
    }
}
