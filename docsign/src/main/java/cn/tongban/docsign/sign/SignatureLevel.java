package cn.tongban.docsign.sign;

/** PAdES baseline levels (ETSI EN 319 142-1 §6). Each level includes the ones before it. */
public enum SignatureLevel {
    /** Basic: CAdES detached signature with signing-certificate-v2 (§6.3). */
    B_B,
    /** With a signature time-stamp from a TSA (§6.4). */
    B_T,
    /** With the certificates and revocation data of the signature and its time-stamps in the DSS (§6.5). */
    B_LT,
    /** With a document time-stamp over the validation data (§6.6). */
    B_LTA;

    /** The level's name as ETSI writes it, e.g. {@code B-LTA}. */
    public String etsiName() {
        return name().replace('_', '-');
    }
}
