package cn.tongban.signaling.ws;

import cn.tongban.signaling.protocol.ServerMessage;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides, for one applicant connection, which {@code ticket} messages are worth writing. Ticket messages
 * come from several places that race — the handler of a change, the periodic position update, another
 * node's handler over the event bus — so one can arrive after a later one:
 *
 * <ul>
 *   <li>a message about an older {@link ServerMessage.Ticket#version version} of a ticket than one already
 *       told is stale (a position update computed before the clerk was lost, written after the "back to
 *       the head" notice) and is dropped, answers included;
 *   <li>a place in the queue the connection was just told is not repeated; answers and resume tokens
 *       always go.
 * </ul>
 *
 * Not thread-safe: used only on the connection's own context.
 */
final class TicketPushFilter {
    private final Map<String, Long> versions = new HashMap<>();
    private String lastPlace;

    /** Whether {@code t} should be written; remembers what it lets through. */
    boolean admit(ServerMessage.Ticket t) {
        if (t.version() != null) {
            Long told = versions.get(t.ticketId());
            if (told != null && t.version() < told) {
                return false;
            }
            versions.put(t.ticketId(), t.version());
        }
        String place = t.ticketId() + "/" + t.state() + "/" + t.position() + "/" + t.etaSeconds();
        boolean repeat = t.re() == null
                && t.resumeToken() == null
                && t.state() == ServerMessage.TicketState.WAITING
                && place.equals(lastPlace);
        lastPlace = place;
        return !repeat;
    }
}
