package cn.tongban.session.media.pipeline;

import java.util.concurrent.atomic.LongAdder;

/** Counting and chaining shared by the node kinds; not part of the public contract. */
abstract class AbstractNode implements Node {
    private final String name;
    private final LongAdder processed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    protected Node next;

    AbstractNode(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public final void process(PacketInfo packet) {
        processed.increment();
        doProcess(packet);
    }

    abstract void doProcess(PacketInfo packet);

    void drop(PacketInfo packet) {
        dropped.increment();
        onDrop(packet);
    }

    /** Hook for a node that reports drops elsewhere (e.g. a metrics counter). */
    void onDrop(PacketInfo packet) {}

    void forward(PacketInfo packet) {
        if (next != null) {
            next.process(packet);
        }
    }

    @Override
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public long processed() {
        return processed.sum();
    }

    @Override
    public <N extends Node> N then(N next) {
        this.next = next;
        return next;
    }

    @Override
    public String toString() {
        return name + "[in=" + processed() + ", dropped=" + dropped() + "]";
    }
}
