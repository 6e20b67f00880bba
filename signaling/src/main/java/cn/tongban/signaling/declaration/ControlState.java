package cn.tongban.signaling.declaration;

/**
 * The co-browsing mode of one session and the applicant's consent, as held in the cluster (map {@code
 * tongban.cobrowse}, key session id). Immutable; the transitions below are pure and return the next state
 * or the stable error code of a refused change, so that {@link CoBrowse} can apply them atomically in an
 * entry processor and tests can check them without a cluster.
 *
 * <pre>
 *            clerk mode(pointer)            clerk control_request     applicant grant
 *   VIEW  &lt;-----------------------&gt; POINTER ----------------------&gt; (pending) -----------&gt; CONTROL
 *     ^        clerk mode(view)                                    applicant deny: back      |
 *     +--------------------------------------------------------------------------------------+
 *              applicant revoke (button, Esc) or clerk release: immediately, epoch + 1
 * </pre>
 *
 * {@code epoch} counts grants and revocations: a remote input is stamped with the epoch it was accepted
 * in, and the applicant's page drops any input of an older epoch that was still in flight.
 *
 * @param mode the current mode
 * @param epoch incremented on every grant and every end of control
 * @param pendingBy the clerk who asked for control and awaits the applicant's answer, or null
 */
public record ControlState(Mode mode, int epoch, String pendingBy, long requestedAt, long changedAt) {

    /** Co-browsing modes. View-only is the default. */
    public enum Mode {
        VIEW,
        POINTER,
        CONTROL;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The state of a session nobody has changed yet. */
    public static ControlState initial() {
        return new ControlState(Mode.VIEW, 0, null, 0, 0);
    }

    /** A transition's result: the next state, or the error code of a refusal (state unchanged). */
    public record Result(ControlState before, ControlState after, String refusal) {
        public boolean refused() {
            return refusal != null;
        }

        public boolean changed() {
            return !before.equals(after);
        }
    }

    private Result to(ControlState next) {
        return new Result(this, next, null);
    }

    private Result refuse(String code) {
        return new Result(this, this, code);
    }

    /** Clerk: view-only or pointer. Leaving control this way is a release (epoch + 1). */
    public Result setMode(Mode next, long now) {
        if (next == Mode.CONTROL) {
            return refuse("CONTROL_NOT_GRANTED");
        }
        if (next == mode && pendingBy == null) {
            return to(this);
        }
        return to(new ControlState(next, mode == Mode.CONTROL ? epoch + 1 : epoch, null, 0, now));
    }

    /** Clerk: ask for control; the applicant is asked in a dialog naming the clerk. */
    public Result request(String clerkId, long now) {
        if (mode == Mode.CONTROL) {
            return refuse("WRONG_STATE");
        }
        return to(new ControlState(mode, epoch, clerkId, now, changedAt));
    }

    /** Applicant: answer the pending request. Without a pending request there is nothing to grant. */
    public Result answer(boolean granted, long now) {
        if (pendingBy == null) {
            return refuse("WRONG_STATE");
        }
        if (!granted) {
            return to(new ControlState(mode, epoch, null, 0, changedAt));
        }
        return to(new ControlState(Mode.CONTROL, epoch + 1, null, 0, now));
    }

    /** Applicant: end control (or withdraw a pending request) at once. Idempotent. */
    public Result revoke(long now) {
        if (mode != Mode.CONTROL && pendingBy == null) {
            return to(this);
        }
        return to(new ControlState(
                mode == Mode.CONTROL ? Mode.VIEW : mode, mode == Mode.CONTROL ? epoch + 1 : epoch, null, 0, now));
    }
}
