package cn.tongban.signaling.verify;

/**
 * What an anonymous applicant must show before a ticket or a booking: on a server that verifies numbers, a
 * mobile token for the number they give, and a bound on the bookings one number holds. {@link #OPEN} asks
 * for nothing (a server started with {@code --applicant-verification off}, e.g. on a hall's closed network).
 */
public final class ApplicantGate {
    /** Bookings of slots not yet begun that one verified number may hold. */
    public static final int MAX_UPCOMING_BOOKINGS = 3;

    /** Asks for nothing: no verification, no bound on bookings. */
    public static final ApplicantGate OPEN = new ApplicantGate(null);

    private final MobileVerification verification;

    public ApplicantGate(MobileVerification verification) {
        this.verification = verification;
    }

    /** Whether tickets and bookings need a verified number (and one number holds one live ticket). */
    public boolean verifies() {
        return verification != null;
    }

    /**
     * Lets a ticket or booking for {@code mobile} through, or throws {@code MOBILE_NOT_VERIFIED}. Pure
     * computation: safe on the event loop.
     */
    public void check(String mobileToken, String mobile) {
        if (verification != null) {
            verification.check(mobileToken, mobile);
        }
    }

    /** The bound on a number's upcoming bookings, 0 for none. */
    public int maxUpcomingBookings() {
        return verification != null ? MAX_UPCOMING_BOOKINGS : 0;
    }
}
