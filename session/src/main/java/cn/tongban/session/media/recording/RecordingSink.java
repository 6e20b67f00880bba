package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;

/**
 * Receives decrypted RTP of a session's uploaded tracks from the forwarding path. Implementations must not
 * block: copy the bytes, queue them, return.
 */
@FunctionalInterface
public interface RecordingSink {
    RecordingSink NONE = (participantId, kind, retransmission, buf, off, len, receivedNanos) -> {};

    /**
     * @param retransmission the packet came on the track's RTX stream (RFC 4588): its payload starts with
     *     the original sequence number
     */
    void onRtp(
            String participantId,
            TrackKind kind,
            boolean retransmission,
            byte[] buf,
            int off,
            int len,
            long receivedNanos);
}
