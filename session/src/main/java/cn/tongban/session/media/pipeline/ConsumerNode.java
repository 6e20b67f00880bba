package cn.tongban.session.media.pipeline;

import java.util.function.Consumer;

/** The end of a chain: takes the packet and passes nothing on. */
public class ConsumerNode extends AbstractNode {
    private final Consumer<PacketInfo> consumer;

    public ConsumerNode(String name, Consumer<PacketInfo> consumer) {
        super(name);
        this.consumer = consumer;
    }

    @Override
    void doProcess(PacketInfo packet) {
        consumer.accept(packet);
    }

    @Override
    public <N extends Node> N then(N next) {
        throw new UnsupportedOperationException(name() + " is a consumer: it ends its chain");
    }
}
