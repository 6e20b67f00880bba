package cn.tongban.docsign.pki;

/** An RFC 3161 time-stamp authority, embedded or remote. */
public interface TimestampSource {
    /**
     * Returns a time-stamp token (the DER {@code ContentInfo} of RFC 3161 §2.4.2) over a SHA-256
     * message imprint.
     *
     * @throws cn.tongban.docsign.DocsignException with {@code TSA_FAILED} when no token is granted
     */
    byte[] timestamp(byte[] sha256Imprint);
}
