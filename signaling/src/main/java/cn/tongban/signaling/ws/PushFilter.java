package cn.tongban.signaling.ws;

import cn.tongban.signaling.protocol.ServerMessage;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides, for one connection, which state pushes are worth writing. Pushes come from several places that
 * race — the handler of a change, the periodic position update, another node's handler over the event bus —
 * so one can arrive after a later one. Tickets ({@code ticket}) and sessions ({@code paired}, {@code
 * ended}) carry the version of the record they were built from:
 *
 * <ul>
 *   <li>a message about an older version of a ticket or session than one already written is stale (a
 *       position update computed before the clerk was lost, written after the "back to the head" notice; a
 *       {@code paired} of a resume written after the {@code ended} of a hang-up) and is dropped, answers
 *       included;
 *   <li>a place in the queue the connection was just told is not repeated; answers and resume tokens
 *       always go.
 * </ul>
 *
 * Messages without a version (helpers' and supervisors' views) pass. Not thread-safe: used only on the
 * connection's own context.
 */
final class PushFilter {
    private final Map<String, Long> versions = new HashMap<>();
    private String lastPlace;

    /** Whether {@code m} should be written; remembers what it lets through. */
    boolean admit(ServerMessage m) {
        if (m instanceof ServerMessage.Ticket t) {
            return newest("ticket:" + t.ticketId(), t.version()) && !repeatsPlace(t);
        } else if (m instanceof ServerMessage.Paired p) {
            return newest("session:" + p.sessionId(), p.version());
        } else if (m instanceof ServerMessage.Ended e) {
            return newest("session:" + e.sessionId(), e.version());
        }
        return true;
    }

    private boolean newest(String key, Long version) {
        if (version == null) {
            return true;
        }
        Long told = versions.get(key);
        if (told != null && version < told) {
            return false;
        }
        versions.put(key, version);
        return true;
    }

    private boolean repeatsPlace(ServerMessage.Ticket t) {
        String place = t.ticketId() + "/" + t.state() + "/" + t.position() + "/" + t.etaSeconds();
        boolean repeat = t.re() == null
                && t.resumeToken() == null
                && t.state() == ServerMessage.TicketState.WAITING
                && place.equals(lastPlace);
        lastPlace = place;
        return repeat;
    }
}
