package cn.tongban.session.media.pipeline;

import java.util.function.Consumer;

/** A node that looks at every packet and passes it on unchanged. */
public class ObserverNode extends AbstractNode {
    private final Consumer<PacketInfo> observer;

    public ObserverNode(String name, Consumer<PacketInfo> observer) {
        super(name);
        this.observer = observer;
    }

    @Override
    void doProcess(PacketInfo packet) {
        observer.accept(packet);
        forward(packet);
    }
}
