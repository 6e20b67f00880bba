package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.queue.QueueService;
import java.util.function.BiConsumer;

/** Resolves the sender of a message about a session to a {@link Party} of it (see {@link Party#of}). */
public final class Parties {
    private final QueueService queue;

    public Parties(QueueService queue) {
        this.queue = queue;
    }

    /** The sender as a party of the active session; {@code NOT_IN_SESSION} otherwise. Blocking. */
    public Party of(Sender from, String sessionId) {
        return Party.of(queue, from, sessionId);
    }

    /** A handler that first checks that the sender is a party of the message's session. */
    public <M extends ClientMessage.DeclarationMessage> MessageHandler<M> handler(BiConsumer<Party, M> handle) {
        return (from, m) -> handle.accept(of(from, m.sessionId()), m);
    }
}
