package cn.tongban.signaling.ws;

import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WebSocket connections of this node, and delivery to any connection of the cluster: a local one
 * directly, another node's over the event bus to its address ({@code tongban.conn.<id>}), where that node
 * writes it on the connection's context like its own messages.
 */
public final class Connections implements Outbox {
    /** Event-bus header of control messages to a connection (instead of a server message to write). */
    static final String CONTROL = "ctl";

    private final Vertx vertx;
    private final Map<String, Connection> local = new ConcurrentHashMap<>();

    public Connections(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public void send(String connId, ServerMessage message) {
        Connection c = local.get(connId);
        if (c != null) {
            c.send(message);
        } else {
            vertx.eventBus().send(Connection.address(connId), Codec.encode(message));
        }
    }

    @Override
    public void send(Collection<String> connIds, ServerMessage message) {
        String text = Codec.encode(message);
        for (String id : connIds) {
            Connection c = local.get(id);
            if (c != null) {
                c.send(message, text);
            } else {
                vertx.eventBus().send(Connection.address(id), text);
            }
        }
    }

    @Override
    public void supersede(String connId) {
        // Through the connection's address also when it is local: one path, after what was queued before.
        vertx.eventBus().send(Connection.address(connId), "", new DeliveryOptions().addHeader(CONTROL, "superseded"));
    }

    /** How many connections this node holds. */
    public int size() {
        return local.size();
    }

    void add(Connection c) {
        local.put(c.id, c);
    }

    void remove(Connection c) {
        local.remove(c.id);
    }

    Collection<Connection> all() {
        return local.values();
    }
}
