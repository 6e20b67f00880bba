package cn.tongban.signaling.util;

/** Masks personal data before it reaches a log line or a clerk who has not yet taken the ticket. */
public final class Mask {
    private Mask() {}

    /** Keeps the first character: 张秀英 → 张**, Smith → S****. */
    public static String name(String name) {
        if (name == null || name.isEmpty()) {
            return "";
        }
        int first = name.offsetByCodePoints(0, 1);
        int rest = name.codePointCount(first, name.length());
        return name.substring(0, first) + "*".repeat(Math.max(1, Math.min(rest, 4)));
    }

    /** Keeps the first three and last four digits: 13812345678 → 138****5678. */
    public static String mobile(String mobile) {
        if (mobile == null || mobile.length() < 8) {
            return "****";
        }
        return mobile.substring(0, 3) + "****" + mobile.substring(mobile.length() - 4);
    }

    /**
     * Text a client chose (e.g. a user name typed at sign-in) made safe for one log line: control and other
     * invisible characters escaped (a backslash, {@code u} and four hexadecimal digits), at most 64
     * characters.
     */
    public static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(64).forEach(cp -> {
            int type = Character.getType(cp);
            if (Character.isISOControl(cp)
                    || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.UNASSIGNED
                    || type == Character.PRIVATE_USE
                    || type == Character.SURROGATE) {
                for (char ch : Character.toChars(cp)) {
                    out.append(String.format("\\u%04x", (int) ch));
                }
            } else {
                out.appendCodePoint(cp);
            }
        });
        if (text.codePointCount(0, text.length()) > 64) {
            out.append('…');
        }
        return out.toString();
    }
}
