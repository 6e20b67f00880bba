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
}
