package cn.tongban.session.media.pipeline;

/**
 * A stage of a packet pipeline. Nodes are named by contract, as in jitsi-videobridge's {@code
 * org.jitsi.nlj.transform.node}:
 *
 * <ul>
 *   <li>{@link TransformerNode} — may change the packet, or drop it by returning {@code null};
 *   <li>{@link FilterNode} — decides whether the packet goes on, never changes it;
 *   <li>{@link ObserverNode} — only looks;
 *   <li>{@link ConsumerNode} — ends a chain;
 *   <li>{@link DemuxerNode} — hands the packet to the first branch whose predicate matches.
 * </ul>
 *
 * Every drop is counted under the dropping node's name ({@link #dropped()}), so a chain can say where its
 * packets went. Nodes run on the caller's thread and must not block.
 */
public interface Node {
    String name();

    void process(PacketInfo packet);

    /** Packets this node dropped. */
    long dropped();

    /** Packets this node was given. */
    long processed();

    /** Connects the next node; returns it so chains read top to bottom. Consumers and demuxers refuse. */
    <N extends Node> N then(N next);
}
