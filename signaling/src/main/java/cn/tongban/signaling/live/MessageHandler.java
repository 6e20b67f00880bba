package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ClientMessage;

/**
 * Handles one type of client message. Runs on a worker thread (it may block on the cluster or the
 * database); a {@link cn.tongban.signaling.protocol.ProtocolException} it throws is answered as an {@code
 * error} echoing the message's id.
 */
@FunctionalInterface
public interface MessageHandler<M extends ClientMessage> {
    void handle(Client from, M message);
}
