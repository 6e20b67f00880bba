package cn.tongban.signaling.form;

import java.util.Optional;

/**
 * The unified social credit code of GB 32100-2015 (统一社会信用代码): 18 characters from a 31-character
 * set without I, O, S, V and Z — registration authority, organisation type, six-digit GB/T 2260 region
 * code, nine-character organisation code, and a check character (weighted sum modulo 31, §4.3).
 */
public final class CreditCodes {
    /** The code's character set in value order (GB 32100-2015 Table 4). */
    static final String CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /** Weights 3^(i-1) mod 31 for positions 1..17. */
    private static final int[] WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

    private CreditCodes() {}

    /** The check character for the first 17 characters (all of which must be in {@link #CHARSET}). */
    public static char checkChar(String first17) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += CHARSET.indexOf(first17.charAt(i)) * WEIGHTS[i];
        }
        return CHARSET.charAt((31 - sum % 31) % 31);
    }

    /**
     * Returns the field error code ({@code uscc_format}: length, character set or region digits; {@code
     * uscc_checksum}) or empty when the code is valid.
     */
    public static Optional<String> problem(String code) {
        if (code == null || code.length() != 18) {
            return Optional.of("uscc_format");
        }
        for (int i = 0; i < 18; i++) {
            if (CHARSET.indexOf(code.charAt(i)) < 0) {
                return Optional.of("uscc_format");
            }
        }
        if (!code.substring(2, 8).matches("\\d{6}")) {
            return Optional.of("uscc_format");
        }
        if (checkChar(code) != code.charAt(17)) {
            return Optional.of("uscc_checksum");
        }
        return Optional.empty();
    }
}
