package cn.tongban.signaling.media;

/** Delivers a server message to a WebSocket connection on any node (implemented by the signaling handler). */
@FunctionalInterface
public interface Outbox {
    void send(String connId, Object message);
}
