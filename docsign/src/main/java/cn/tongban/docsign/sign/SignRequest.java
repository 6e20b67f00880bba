package cn.tongban.docsign.sign;

import java.time.Instant;
import java.util.Objects;

/**
 * One signature to add.
 *
 * @param fieldName the (existing or new) signature field, e.g. {@link
 *     cn.tongban.docsign.SignerRole#fieldName()}
 * @param level the PAdES level to reach
 * @param certify whether this is the certification signature (DocMDP P=2: only form filling and
 *     further signatures allowed afterwards); only valid for the document's first signature
 * @param appearance the visible appearance
 * @param reason the signature's /Reason
 * @param location the signature's /Location
 * @param signingTime the claimed signing time (/M); PAdES puts it in the dictionary, not in CMS
 */
public record SignRequest(
        String fieldName,
        SignatureLevel level,
        boolean certify,
        SignatureAppearance appearance,
        String reason,
        String location,
        Instant signingTime) {
    public SignRequest {
        Objects.requireNonNull(fieldName, "fieldName");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(appearance, "appearance");
        Objects.requireNonNull(signingTime, "signingTime");
    }
}
