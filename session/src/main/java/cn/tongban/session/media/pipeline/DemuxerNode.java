package cn.tongban.session.media.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Splits packets between branches: the first branch whose predicate matches gets the packet. */
public class DemuxerNode extends AbstractNode {
    private record Branch(Predicate<PacketInfo> when, Node head) {}

    private final List<Branch> branches = new ArrayList<>();
    private final Runnable onUnmatched;

    public DemuxerNode(String name, Runnable onUnmatched) {
        super(name);
        this.onUnmatched = onUnmatched;
    }

    /** Adds a branch and returns its head node so the branch can be chained further. */
    public <N extends Node> N branch(Predicate<PacketInfo> when, N head) {
        branches.add(new Branch(when, head));
        return head;
    }

    @Override
    void doProcess(PacketInfo packet) {
        for (Branch b : branches) {
            if (b.when().test(packet)) {
                b.head().process(packet);
                return;
            }
        }
        drop(packet);
    }

    @Override
    void onDrop(PacketInfo packet) {
        onUnmatched.run();
    }

    @Override
    public <N extends Node> N then(N next) {
        throw new UnsupportedOperationException(name() + " is a demuxer: add branches instead");
    }
}
