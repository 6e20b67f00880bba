package cn.tongban.signaling.live;

/** The connection a message came from, as far as a handler needs to know it. */
public interface Sender {
    /** The connection's cluster-wide id ({@code c-<node tag>-<uuid>}). */
    String connId();

    /** What the connection signed in as, or null. */
    Role role();

    /** The signed-in clerk, or null. */
    String clerkId();

    /** The applicant's ticket, or null. */
    String ticketId();

    default boolean isClerk() {
        return role() == Role.CLERK;
    }
}
