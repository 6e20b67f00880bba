package cn.tongban.session.media;

/** What the bridge counts. Names are stable: the signaling module exports them as metrics. */
public enum MediaCounter {
    DATAGRAMS_RECEIVED,
    RTP_RECEIVED,
    RTCP_RECEIVED,
    RTP_FORWARDED,
    RTCP_FORWARDED,
    /** Lost packets a receiver asked for (NACK) that the bridge resent from its own cache. */
    RTP_RETRANSMITTED,
    RTCP_SENT,
    /** REMB reports received from participants' browsers (their receive-side bandwidth estimates). */
    REMB_RECEIVED,
    KEYFRAME_REQUESTS_SENT,
    DTLS_HANDSHAKES_COMPLETED,
    DTLS_HANDSHAKES_FAILED,
    DROPPED_NOT_DTLS_OR_RTP,
    DROPPED_BEFORE_SRTP_READY,
    DROPPED_SRTP_AUTH,
    DROPPED_SRTCP_AUTH,
    DROPPED_MALFORMED_RTP,
    DROPPED_MALFORMED_RTCP,
    DROPPED_UNKNOWN_SSRC,
    DROPPED_ROLE_DOES_NOT_SEND,
    DROPPED_RATE_LIMITED,
    DROPPED_DTLS_QUEUE_FULL,
    DROPPED_FORWARDING_QUEUE_FULL,
    /** One participant's datagrams beyond its share of the forwarding queue (Endpoint.MAX_BACKLOG). */
    DROPPED_ENDPOINT_BACKLOG,
    SEND_FAILED,
    RECORDING_DROPPED
}
