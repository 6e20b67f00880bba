package cn.tongban.session.media.srtp;

import org.jitsi.srtp.SrtpPolicy;

/**
 * The SRTP protection profiles the bridge negotiates in DTLS use_srtp (RFC 5764 section 4.1.2), with the
 * key and salt sizes of each (RFC 3711 section 8.2, RFC 7714 section 12).
 */
public enum SrtpProfile {
    /** RFC 7714: AES-128 in GCM, 16-byte tag, 12-byte salt. Preferred: authenticated encryption in one pass. */
    AEAD_AES_128_GCM(0x0007, 16, 12),
    /** RFC 5764 4.1.2 / RFC 3711: AES-128 counter mode with an 80-bit HMAC-SHA1 tag, 14-byte salt. */
    AES_CM_128_HMAC_SHA1_80(0x0001, 16, 14);

    private final int id;
    private final int keyLength;
    private final int saltLength;

    SrtpProfile(int id, int keyLength, int saltLength) {
        this.id = id;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The value carried in the DTLS use_srtp extension. */
    public int id() {
        return id;
    }

    public int keyLength() {
        return keyLength;
    }

    public int saltLength() {
        return saltLength;
    }

    public static SrtpProfile fromId(int id) {
        for (SrtpProfile p : values()) {
            if (p.id == id) {
                return p;
            }
        }
        return null;
    }

    /**
     * The jitsi-srtp policy for this profile. Send-side replay protection is off: a sender legitimately
     * re-sends a sequence number (NACK-driven retransmission, or a packet forwarded to a late joiner).
     */
    SrtpPolicy policy() {
        SrtpPolicy policy =
                switch (this) {
                    case AEAD_AES_128_GCM -> new SrtpPolicy(
                            SrtpPolicy.AESGCM_ENCRYPTION, 16, SrtpPolicy.NULL_AUTHENTICATION, 0, 16, 12);
                    case AES_CM_128_HMAC_SHA1_80 -> new SrtpPolicy(
                            SrtpPolicy.AESCM_ENCRYPTION, 16, SrtpPolicy.HMACSHA1_AUTHENTICATION, 20, 10, 14);
                };
        policy.setSendReplayEnabled(false);
        return policy;
    }
}
