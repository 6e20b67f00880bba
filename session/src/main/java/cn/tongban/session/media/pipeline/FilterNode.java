package cn.tongban.session.media.pipeline;

import java.util.function.Predicate;

/** A node that lets a packet through or drops it, without changing it. */
public class FilterNode extends AbstractNode {
    private final Predicate<PacketInfo> accept;
    private final Runnable onDrop;

    public FilterNode(String name, Predicate<PacketInfo> accept, Runnable onDrop) {
        super(name);
        this.accept = accept;
        this.onDrop = onDrop;
    }

    @Override
    void doProcess(PacketInfo packet) {
        if (accept.test(packet)) {
            forward(packet);
        } else {
            drop(packet);
        }
    }

    @Override
    void onDrop(PacketInfo packet) {
        onDrop.run();
    }
}
