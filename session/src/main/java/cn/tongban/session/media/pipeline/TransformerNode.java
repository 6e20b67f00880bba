package cn.tongban.session.media.pipeline;

import java.util.function.UnaryOperator;

/** A node that may rewrite the packet, or drop it by returning {@code null}. */
public class TransformerNode extends AbstractNode {
    private final UnaryOperator<PacketInfo> transform;
    private final Runnable onDrop;

    public TransformerNode(String name, UnaryOperator<PacketInfo> transform, Runnable onDrop) {
        super(name);
        this.transform = transform;
        this.onDrop = onDrop;
    }

    @Override
    void doProcess(PacketInfo packet) {
        PacketInfo out = transform.apply(packet);
        if (out == null) {
            drop(packet);
        } else {
            forward(out);
        }
    }

    @Override
    void onDrop(PacketInfo packet) {
        onDrop.run();
    }
}
