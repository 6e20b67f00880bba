package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ServerMessage;

/**
 * The connection a message came from, as its handler sees it: who it is, a way to answer it, and the
 * changes of what it is signed in as. Handlers run on a worker thread, one message of a connection after
 * another.
 *
 * <p>Ordering: messages given to {@link #send} are written in the order they were given, after everything
 * queued for the connection before. Periodic pushes (positions, queue lists, boards) go only to connections
 * with a role, so a handler that answers <em>before</em> it changes the role ({@link #becomeApplicant} …)
 * makes its answer the first message of the new role.
 */
public interface Client extends Sender {
    /** Queues a message for this connection. */
    void send(ServerMessage message);

    /** The connection now speaks for the ticket. */
    void becomeApplicant(String ticketId);

    /** The connection is now the signed-in clerk's. */
    void becomeClerk(String clerkId);

    /** The connection is now a supervisor's board. */
    void becomeSupervisor();

    /** The connection's ticket ended (cancelled): it holds none now, and may join again. */
    void dropTicket();

    /**
     * How many messages that change who is in one of this connection's sessions, or on which connection
     * ({@code paired}, {@code peer}, {@code ended}, {@code transferred}, {@code participants}), have reached
     * it so far, from this node or another. What a handler learned about the connection's sessions (e.g.
     * where its chat lines go) holds while this number does not change; every such change of a session is
     * followed by one of these messages to each end. -1: not counted, so nothing may be kept.
     */
    default long sessionPushes() {
        return -1;
    }
}
