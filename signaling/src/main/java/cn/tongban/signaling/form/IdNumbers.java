package cn.tongban.signaling.form;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Set;

/**
 * The 18-character citizen identity number of GB 11643-1999 (公民身份号码): six digits of address code
 * (GB/T 2260), eight of birth date (YYYYMMDD), three of sequence (the last odd for men, even for women)
 * and an ISO 7064 MOD 11-2 check character ({@code 0-9} or {@code X}).
 *
 * <p>The browser runs the same rules ({@code web/ui assets/validate.js}); tests feed both the same table.
 */
public final class IdNumbers {
    /** ISO 7064 MOD 11-2 weights, 2^(18-i) mod 11 for positions 1..17 (GB 11643-1999 §7). */
    private static final int[] WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

    private static final String CHECK = "10X98765432";

    /** First two digits: the provincial-level divisions of GB/T 2260 (plus 71 Taiwan, 81/82 HK/Macao). */
    private static final Set<String> PROVINCES = Set.of(
            "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
            "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82");

    /** Earliest birth year accepted as plausible for a living applicant. */
    static final int MIN_BIRTH_YEAR = 1900;

    private IdNumbers() {}

    /** What an ID number says about its holder. */
    public record Parsed(String number, String regionCode, LocalDate birthDate, Sex sex) {}

    /** The sex encoded by the 17th digit. */
    public enum Sex {
        MALE,
        FEMALE
    }

    /** The check character for the first 17 digits. */
    public static char checkChar(String first17) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (first17.charAt(i) - '0') * WEIGHTS[i];
        }
        return CHECK.charAt(sum % 11);
    }

    /** True if the 18 characters have the right shape and check character (no date or region check). */
    public static boolean checksumValid(String id) {
        return id != null && id.matches("\\d{17}[\\dX]") && checkChar(id) == id.charAt(17);
    }

    /**
     * Validates an ID number fully: shape, province code, a real birth date between 1900 and {@code today},
     * and the check character. Returns the field error code ({@code id_format}, {@code id_region}, {@code
     * id_birth}, {@code id_checksum}) or empty when valid.
     */
    public static Optional<String> problem(String id, LocalDate today) {
        if (id == null || !id.matches("\\d{17}[\\dX]")) {
            return Optional.of("id_format");
        }
        if (!PROVINCES.contains(id.substring(0, 2))) {
            return Optional.of("id_region");
        }
        LocalDate birth = birthDate(id);
        if (birth == null || birth.getYear() < MIN_BIRTH_YEAR || birth.isAfter(today)) {
            return Optional.of("id_birth");
        }
        if (checkChar(id) != id.charAt(17)) {
            return Optional.of("id_checksum");
        }
        return Optional.empty();
    }

    /** Parses a valid number; empty if {@link #problem} finds anything wrong. */
    public static Optional<Parsed> parse(String id, LocalDate today) {
        if (problem(id, today).isPresent()) {
            return Optional.empty();
        }
        Sex sex = (id.charAt(16) - '0') % 2 == 1 ? Sex.MALE : Sex.FEMALE;
        return Optional.of(new Parsed(id, id.substring(0, 6), birthDate(id), sex));
    }

    private static LocalDate birthDate(String id) {
        try {
            return LocalDate.of(
                    Integer.parseInt(id.substring(6, 10)),
                    Integer.parseInt(id.substring(10, 12)),
                    Integer.parseInt(id.substring(12, 14)));
        } catch (DateTimeException e) {
            return null;
        }
    }
}
