package cn.tongban.signaling.protocol;

import java.util.regex.Pattern;

/** Field validation shared by the message constructors. */
final class Checks {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    private Checks() {}

    static void required(String field, Object value) {
        if (value == null) {
            throw ProtocolException.invalid(field, "is required");
        }
    }

    /** Requires a string of the given length (in code points) and returns it trimmed. */
    static String text(String field, String value, int min, int max) {
        required(field, value);
        String trimmed = value.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length < min) {
            throw ProtocolException.invalid(field, min == 1 ? "must not be empty" : "is shorter than " + min);
        }
        if (length > max) {
            throw ProtocolException.invalid(field, "is longer than " + max);
        }
        return trimmed;
    }

    static void identifier(String field, String value) {
        required(field, value);
        if (!IDENTIFIER.matcher(value).matches()) {
            throw ProtocolException.invalid(field, "is not a valid identifier");
        }
    }

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]+={0,2}");

    /** Requires standard or URL-safe base64 of at most {@code maxChars} characters. */
    static void base64(String field, String value, int maxChars) {
        required(field, value);
        if (value.isEmpty()
                || value.length() > maxChars
                || !BASE64.matcher(value).matches()) {
            throw ProtocolException.invalid(field, "must be base64 of at most " + maxChars + " characters");
        }
    }

    static void range(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw ProtocolException.invalid(field, "must be between " + min + " and " + max);
        }
    }

    static void fraction(String field, Double value) {
        if (value != null && !(value >= 0 && value <= 1)) {
            throw ProtocolException.invalid(field, "must be between 0 and 1");
        }
    }
}
