package cn.tongban.docsign.sign;

/**
 * What a signature looks like in its field on the page. Who it names — the signer's name, a clerk's
 * staff number, a seal's hall — is never part of the request: {@link PadesSigner} takes it from the
 * signer's certificate ({@link cn.tongban.docsign.cms.Identity}), and marks each such text with its
 * value as {@code /ActualText} so that a verifier can compare it with the certificate.
 */
public sealed interface SignatureAppearance {
    /**
     * The applicant's handwritten signature, as drawn on a canvas in the browser (PNG with
     * transparency), with the certificate's name and the signing time below it.
     */
    record Handwritten(byte[] png) implements SignatureAppearance {}

    /**
     * The clerk's stamp: the certificate's name, its subject serial number (the staff number) and
     * organisation (the hall), and the signing time, in vector text.
     */
    record ClerkStamp() implements SignatureAppearance {}

    /**
     * A red round official seal drawn in vector graphics: outer ring, five-pointed star, the
     * certificate's organisation (the hall) along the upper arc, and {@code bottomText} (the seal's
     * use, e.g. {@code 电子印章} or {@code 回执专用}) under the star.
     */
    record OfficialSeal(String bottomText) implements SignatureAppearance {}

    /** No visible appearance. */
    record Invisible() implements SignatureAppearance {}
}
