package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ClientMessage;
import io.vertx.core.Future;

/**
 * Handles one type of client message whose work ends with a call to another node's service (a media
 * bridge). Runs on a worker thread like a {@link MessageHandler}, and may block on the cluster or the
 * database there; what it waits for from the other node it returns as a future instead of waiting.
 *
 * <p>The connection's next message does not wait for that future, and no thread waits for it either: a
 * slow or frozen bridge holds neither the node's workers nor the client's chat, hang-up or keep-alive. A
 * {@link cn.tongban.signaling.protocol.ProtocolException} thrown here or failing the future is answered as
 * an {@code error} echoing the message's id, whenever it comes.
 */
@FunctionalInterface
public interface AsyncMessageHandler<M extends ClientMessage> {
    Future<Void> handle(Client from, M message);
}
