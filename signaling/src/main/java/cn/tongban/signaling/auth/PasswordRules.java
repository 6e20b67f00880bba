package cn.tongban.signaling.auth;

import cn.tongban.signaling.protocol.ErrorReason;
import java.util.Locale;
import java.util.Optional;

/**
 * What a clerk's own new password must be, checked on the server whoever sets it (the clerk page's change of
 * password, {@code tongban.jar account passwd}, {@code tongban.jar setup}): at least {@value #MIN_LENGTH}
 * characters, of at least two kinds (letters, digits, other characters), without the user name, not the
 * demo's published password, and not the password it replaces. Each broken rule has its own {@link
 * ErrorReason} of {@code PASSWORD_TOO_WEAK}.
 */
public final class PasswordRules {
    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 256;
    /** The initial password of the built-in demo reference data, published in the README. */
    public static final String PUBLISHED_DEMO_PASSWORD = "tongban2026";

    private PasswordRules() {}

    /**
     * The first rule {@code password} breaks, or empty.
     *
     * @param username the account's user name
     * @param current the password it replaces, or null when unknown
     */
    public static Optional<ErrorReason> problem(String username, String password, String current) {
        if (password.length() < MIN_LENGTH) {
            return Optional.of(ErrorReason.PASSWORD_TOO_SHORT);
        }
        if (password.length() > MAX_LENGTH) {
            return Optional.of(ErrorReason.PASSWORD_TOO_LONG);
        }
        if (current != null && current.equals(password)) {
            return Optional.of(ErrorReason.PASSWORD_UNCHANGED);
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (lower.contains(PUBLISHED_DEMO_PASSWORD)) {
            return Optional.of(ErrorReason.PASSWORD_PUBLISHED);
        }
        if (username != null
                && username.strip().length() >= 3
                && lower.contains(username.strip().toLowerCase(Locale.ROOT))) {
            return Optional.of(ErrorReason.PASSWORD_HAS_USERNAME);
        }
        int kinds = 0;
        if (password.chars().anyMatch(Character::isLetter)) {
            kinds++;
        }
        if (password.chars().anyMatch(Character::isDigit)) {
            kinds++;
        }
        if (password.chars().anyMatch(ch -> !Character.isLetterOrDigit(ch))) {
            kinds++;
        }
        if (kinds < 2 || password.chars().distinct().count() < 5) {
            return Optional.of(ErrorReason.PASSWORD_TOO_SIMPLE);
        }
        return Optional.empty();
    }

    /** An English sentence for an operator's console. */
    public static String describe(ErrorReason reason) {
        return switch (reason) {
            case PASSWORD_TOO_SHORT -> "a password needs at least " + MIN_LENGTH + " characters";
            case PASSWORD_TOO_LONG -> "a password has at most " + MAX_LENGTH + " characters";
            case PASSWORD_UNCHANGED -> "the new password must differ from the old one";
            case PASSWORD_PUBLISHED -> "the demo's published password cannot be used";
            case PASSWORD_HAS_USERNAME -> "the password must not contain the user name";
            case PASSWORD_TOO_SIMPLE -> "the password needs two kinds of characters (letters, digits, others) and five different ones";
            default -> reason.wire();
        };
    }
}
