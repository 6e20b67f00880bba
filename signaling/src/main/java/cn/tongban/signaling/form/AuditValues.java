package cn.tongban.signaling.form;

import cn.tongban.signaling.util.Mask;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How field values appear in the audit trail. The journal must say who changed which field from what to
 * what, but it is read by auditors and kept for years, so personal data is masked:
 *
 * <ul>
 *   <li>ID numbers keep the six-digit region code and the last four characters ({@code
 *       320412********123X}); mobile numbers the first three and last four digits; fields marked {@code
 *       personal} (names) their first character; addresses their province, city and district (the
 *       detail becomes {@code ****}).
 *   <li>Each masked value also gets a fingerprint: HMAC-SHA-256 under a per-installation key ({@code
 *       <data-dir>/audit-fingerprint.key}), 16 hex digits. A plain hash would not do — an ID number has
 *       few enough possibilities to be guessed from its hash — but an auditor who holds the key can
 *       confirm that a given value is the one recorded, and equal fingerprints show an unchanged value.
 *   <li>Other values (dates, areas, options, tick boxes, company names, credit codes) are recorded as they
 *       are, cut to 100 characters. Sensitive fields never reach the server, so they never appear.
 * </ul>
 */
public final class AuditValues {
    private static final HexFormat HEX = HexFormat.of();
    private final byte[] key;

    public AuditValues(byte[] key) {
        this.key = key.clone();
    }

    /** A value as the audit trail shows it (null stays null). */
    public String show(DeclarationForm.Field f, JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!masked(f)) {
            String s = v.isTextual() ? v.asText() : v.toString();
            return s.length() > 100 ? s.substring(0, 100) + "…" : s;
        }
        String s = v.isTextual() ? v.asText() : v.toString();
        return mask(f, v) + " #" + fingerprint(f.key(), s);
    }

    /** True if values of this field are masked in the audit trail. */
    public static boolean masked(DeclarationForm.Field f) {
        return f.personal()
                || f.type() == FieldType.ID_NUMBER
                || f.type() == FieldType.MOBILE
                || f.type() == FieldType.ADDRESS;
    }

    /** HMAC-SHA-256 of the field key and value, first 16 hex digits. */
    public String fingerprint(String fieldKey, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(fieldKey.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return HEX.formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String mask(DeclarationForm.Field f, JsonNode v) {
        if (f.type() == FieldType.ADDRESS) {
            return String.join("", text(v.get("province")), text(v.get("city")), text(v.get("district")), "****");
        }
        String s = v.asText();
        return switch (f.type()) {
            case ID_NUMBER -> s.length() <= 10
                    ? "*".repeat(s.length())
                    : s.substring(0, 6) + "*".repeat(s.length() - 10) + s.substring(s.length() - 4);
            case MOBILE -> Mask.mobile(s);
            default -> Mask.name(s);
        };
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : "";
    }
}
