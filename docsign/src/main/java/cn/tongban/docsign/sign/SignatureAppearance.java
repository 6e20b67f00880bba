package cn.tongban.docsign.sign;

/** What a signature looks like in its field on the page. */
public sealed interface SignatureAppearance {
    /**
     * The applicant's handwritten signature, as drawn on a canvas in the browser (PNG with
     * transparency), with the signer's name and the signing time below it.
     */
    record Handwritten(byte[] png, String signerName) implements SignatureAppearance {}

    /** The clerk's name, staff number, hall and the signing time, in vector text. */
    record ClerkStamp(String clerkName, String clerkId, String hallName) implements SignatureAppearance {}

    /**
     * A red round official seal drawn in vector graphics: outer ring, five-pointed star, the hall's
     * name along the upper arc, and {@code bottomText} (e.g. {@code 电子印章}) under the star.
     */
    record OfficialSeal(String hallName, String bottomText) implements SignatureAppearance {}

    /** No visible appearance. */
    record Invisible() implements SignatureAppearance {}
}
