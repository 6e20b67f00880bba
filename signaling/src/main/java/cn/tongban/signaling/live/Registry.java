package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.queue.QueueView;
import java.util.function.Consumer;

/**
 * What a feature hands the WebSocket layer at start: a handler for each of its message types, and hooks
 * into the life of connections. Every concrete message type of {@link ClientMessage} must get exactly one
 * handler; the server refuses to start otherwise.
 */
public interface Registry {
    /** The handler of one message type and who may send it. Registering a type twice fails at once. */
    <M extends ClientMessage> void on(Class<M> type, Access access, MessageHandler<M> handler);

    /**
     * Like {@link #on}, for a handler that ends by calling another node's service: the connection's next
     * message does not wait for the future it returns ({@link AsyncMessageHandler}).
     */
    <M extends ClientMessage> void onAsync(Class<M> type, Access access, AsyncMessageHandler<M> handler);

    /** Runs after a connection of this node closed (on a worker thread; it may block). */
    void onClosed(Consumer<Sender> hook);

    /**
     * Pushes what changed to every connection of {@code role} on this node at each broadcast (every 250 ms
     * when something changed, every 5 s regardless: {@code force}). One broadcast runs at a time; {@code
     * view} is the queues as that broadcast read them.
     */
    void onBroadcast(Role role, Pusher pusher);

    /** A push to one connection at a broadcast. */
    @FunctionalInterface
    interface Pusher {
        void push(Client to, QueueView view, boolean force);
    }
}
