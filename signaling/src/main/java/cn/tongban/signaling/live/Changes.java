package cn.tongban.signaling.live;

/** Tells the WebSocket layer that queues or clerks changed: positions and lists go out at the next broadcast. */
@FunctionalInterface
public interface Changes {
    void queuesChanged();
}
