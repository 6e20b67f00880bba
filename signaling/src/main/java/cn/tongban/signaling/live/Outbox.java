package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ServerMessage;
import java.util.Collection;

/** Delivers server messages to a connection of this node or of another node of the cluster. */
public interface Outbox {
    /** Queues {@code message} for the connection; nothing happens if it is gone. */
    void send(String connId, ServerMessage message);

    /** Queues {@code message} for each of the connections, in this order; encoded once. */
    default void send(Collection<String> connIds, ServerMessage message) {
        for (String id : connIds) {
            send(id, message);
        }
    }

    /** Closes the connection with {@code SUPERSEDED}: its ticket or account was opened on another one. */
    void supersede(String connId);
}
