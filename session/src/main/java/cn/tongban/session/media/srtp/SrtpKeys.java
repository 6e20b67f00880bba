package cn.tongban.session.media.srtp;

import java.util.Arrays;

/**
 * Keying material exported from a DTLS handshake (RFC 5764 section 4.2): the exporter output is laid out
 * as client write key, server write key, client write salt, server write salt.
 */
public record SrtpKeys(SrtpProfile profile, byte[] clientKey, byte[] clientSalt, byte[] serverKey, byte[] serverSalt) {

    /** Number of bytes to ask the "EXTRACTOR-dtls_srtp" exporter for. */
    public static int exportLength(SrtpProfile profile) {
        return 2 * (profile.keyLength() + profile.saltLength());
    }

    /** Splits exporter output in RFC 5764 4.2 order. */
    public static SrtpKeys fromExporter(SrtpProfile profile, byte[] material) {
        int k = profile.keyLength();
        int s = profile.saltLength();
        if (material.length != 2 * (k + s)) {
            throw new IllegalArgumentException("keying material has " + material.length + " bytes");
        }
        return new SrtpKeys(
                profile,
                Arrays.copyOfRange(material, 0, k),
                Arrays.copyOfRange(material, 2 * k, 2 * k + s),
                Arrays.copyOfRange(material, k, 2 * k),
                Arrays.copyOfRange(material, 2 * k + s, 2 * k + 2 * s));
    }
}
