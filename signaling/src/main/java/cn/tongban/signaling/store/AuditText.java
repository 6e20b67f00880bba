package cn.tongban.signaling.store;

/**
 * Cleans text before it enters the audit journal or a log line. Control characters (C0, DEL, C1), line and
 * paragraph separators and the bidirectional-format characters (which can make {@code clerk:evil} display
 * as something else) never reach a reader raw: in labels (actors, actions) they become {@code U+FFFD}; in
 * JSON details, which already escape C0 controls, the rest become JSON unicode escapes (a backslash, {@code u} and four hex digits), which keep
 * the JSON valid and its meaning unchanged.
 */
public final class AuditText {
    private AuditText() {}

    /** Whether {@code c} must not reach a reader raw. */
    static boolean unsafe(char c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || c == 0x2028
                || c == 0x2029
                || (c >= 0x200e && c <= 0x200f)
                || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069)
                || c == 0x061c;
    }

    /** {@code s} with unsafe characters replaced and cut to {@code max} characters ({@code null} stays null). */
    public static String label(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (unsafe(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length()).append(s, 0, i);
                }
                b.append('\ufffd');
            } else if (b != null) {
                b.append(c);
            }
        }
        String out = b == null ? s : b.toString();
        if (out.length() > max) {
            // Never split a surrogate pair.
            int end = Character.isHighSurrogate(out.charAt(max - 1)) ? max - 1 : max;
            out = out.substring(0, end);
        }
        return out;
    }

    /**
     * JSON text with every unsafe character written as a JSON unicode escape (C0 controls inside
     * strings are escaped by any encoder already; tabs and line breaks outside strings are whitespace).
     */
    public static String json(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // A raw tab or line break can only be whitespace between tokens (encoders escape them in strings).
            if (unsafe(c) && c != '\t' && c != '\n' && c != '\r') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
