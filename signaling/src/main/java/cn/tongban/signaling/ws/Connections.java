package cn.tongban.signaling.ws;

import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ServerMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket connections of this node, and delivery to any connection of the cluster: a local one
 * directly, another node's over the event bus to its address ({@code tongban.conn.<id>}), where that node
 * writes it on the connection's context like its own messages.
 *
 * <p>Delivery to another node's connection is <b>acknowledged</b>: the receiving node answers once the
 * message is queued on the connection, and one not answered within {@link #ACK_TIMEOUT_MS} is sent again
 * (after 0.1, 0.2, 0.4, 0.8, 1 … s more, for up to {@link #GIVE_UP_AFTER_MS}). Messages to one connection leave this node one at a time, in
 * the order they were sent, each with a sequence number of this node; the receiver drops a number it has
 * had already (a retry whose answer was lost), so every message arrives once and in order. Sending stops
 * when the connection is gone: its node left the cluster, or nobody listens at its address any more (it
 * closed). A client that comes back on another connection is sent the state again by the features
 * (resume, takeover, replay), not by these retries.
 */
public final class Connections implements Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    /** Event-bus header of control messages to a connection (instead of a server message to write). */
    static final String CONTROL = "ctl";
    /** Event-bus headers of acknowledged delivery: the sending node's id and the message's number. */
    static final String FROM = "from";

    static final String SEQ = "seq";

    static final long ACK_TIMEOUT_MS = 1_000;
    static final long GIVE_UP_AFTER_MS = 30_000;
    /** Messages waiting for one connection beyond this: the connection cannot keep up and is given up. */
    static final int MAX_QUEUED = 2_000;

    private final Vertx vertx;
    private final Function<String, ClusterView.Delivery> delivery;
    private final String localTag;
    private final String nodeId;
    private final Map<String, Connection> local = new ConcurrentHashMap<>();
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Counter resent;
    private final Counter givenUp;

    /**
     * @param localTag this node's tag (a connection of this node that is not open here is gone)
     * @param delivery how the node of a tag takes messages now ({@link ClusterView#delivery}): a node that left
     *     is not sent to, one of an earlier build is sent to without acknowledgement
     */
    public Connections(
            Vertx vertx, String localTag, Function<String, ClusterView.Delivery> delivery, MeterRegistry metrics) {
        this.vertx = vertx;
        this.localTag = localTag;
        this.delivery = delivery;
        // Unique per start: numbers restart with the process, so a restarted node must not look like the old one.
        this.nodeId = UUID.randomUUID().toString();
        this.resent = Counter.builder("tongban_bus_resent_total")
                .description("Messages to other nodes' connections sent again (no acknowledgement in time)")
                .register(metrics);
        this.givenUp = Counter.builder("tongban_bus_given_up_total")
                .description("Messages to other nodes' connections given up (connection gone, or never answered)")
                .register(metrics);
    }

    @Override
    public void send(String connId, ServerMessage message) {
        Connection c = local.get(connId);
        if (c != null) {
            c.send(message);
        } else {
            enqueue(connId, Codec.encode(message), null);
        }
    }

    @Override
    public void send(Collection<String> connIds, ServerMessage message) {
        String text = Codec.encode(message);
        for (String id : connIds) {
            Connection c = local.get(id);
            if (c != null) {
                c.send(message, text);
            } else {
                enqueue(id, text, null);
            }
        }
    }

    @Override
    public void supersede(String connId) {
        if (local.containsKey(connId)) {
            // Through the connection's address: one path, after what was queued before.
            vertx.eventBus()
                    .send(Connection.address(connId), "", new DeliveryOptions().addHeader(CONTROL, "superseded"));
        } else {
            enqueue(connId, "", "superseded");
        }
    }

    /** How many connections this node holds. */
    public int size() {
        return local.size();
    }

    /** Messages to other nodes' connections not yet acknowledged. */
    public int unacknowledged() {
        return links.values().stream().mapToInt(Link::size).sum();
    }

    void add(Connection c) {
        local.put(c.id, c);
    }

    void remove(Connection c) {
        local.remove(c.id);
    }

    Collection<Connection> all() {
        return local.values();
    }

    // ---------------------------------------------------------------- acknowledged delivery

    private record Pending(long seq, String body, String control) {}

    /** The messages on their way to one connection of another node, sent one at a time. */
    private final class Link {
        final String connId;
        final ArrayDeque<Pending> queue = new ArrayDeque<>();
        boolean sending;
        boolean retired;

        Link(String connId) {
            this.connId = connId;
        }

        synchronized int size() {
            return queue.size();
        }
    }

    private void enqueue(String connId, String body, String control) {
        String tag = ClusterView.tagOf(connId);
        if (tag != null && tag.equals(localTag)) {
            // This node's connection, and no longer open (it would be in local): nothing to deliver to.
            givenUp.increment();
            return;
        }
        ClusterView.Delivery how = tag == null ? ClusterView.Delivery.UNACKNOWLEDGED : delivery.apply(tag);
        if (how == ClusterView.Delivery.GONE) {
            givenUp.increment();
            return;
        }
        if (how == ClusterView.Delivery.UNACKNOWLEDGED) {
            DeliveryOptions options = new DeliveryOptions();
            if (control != null) {
                options.addHeader(CONTROL, control);
            }
            vertx.eventBus().send(Connection.address(connId), body, options);
            return;
        }
        while (true) {
            Link link = links.computeIfAbsent(connId, Link::new);
            synchronized (link) {
                if (link.retired) {
                    continue; // removed just now; take a fresh one
                }
                if (link.queue.size() >= MAX_QUEUED) {
                    // The one in flight stays: its answer will remove it.
                    Pending inFlight = link.sending ? link.queue.peek() : null;
                    LOG.warn("Connection {} does not acknowledge; {} messages dropped", connId, link.queue.size());
                    givenUp.increment(link.queue.size() - (inFlight == null ? 0 : 1));
                    link.queue.clear();
                    if (inFlight != null) {
                        link.queue.add(inFlight);
                    }
                }
                link.queue.add(new Pending(seq.incrementAndGet(), body, control));
                if (link.sending) {
                    return;
                }
                link.sending = true;
            }
            transmit(link, 0, System.nanoTime());
            return;
        }
    }

    /** Sends the link's first message; {@code since}: when it was first sent (retries count from there). */
    private void transmit(Link link, int attempt, long since) {
        Pending p;
        synchronized (link) {
            p = link.queue.peek();
            if (p == null) {
                link.sending = false;
                link.retired = true;
                links.remove(link.connId, link);
                return;
            }
        }
        DeliveryOptions options = new DeliveryOptions()
                .setSendTimeout(ACK_TIMEOUT_MS)
                .addHeader(FROM, nodeId)
                .addHeader(SEQ, Long.toString(p.seq()));
        if (p.control() != null) {
            options.addHeader(CONTROL, p.control());
        }
        vertx.eventBus()
                .request(Connection.address(link.connId), p.body(), options)
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        synchronized (link) {
                            if (link.queue.peek() == p) {
                                link.queue.poll();
                            }
                        }
                        transmit(link, 0, System.nanoTime());
                    } else if (gone(link.connId, ar.cause(), attempt)) {
                        // The connection is gone: so is everything still waiting for it.
                        LOG.debug(
                                "Connection {} is gone: {}",
                                link.connId,
                                ar.cause().toString());
                        dropAll(link);
                        transmit(link, 0, System.nanoTime());
                    } else if (System.nanoTime() - since > GIVE_UP_AFTER_MS * 1_000_000) {
                        LOG.warn(
                                "No acknowledgement from connection {} for {} s; giving it up",
                                link.connId,
                                GIVE_UP_AFTER_MS / 1000);
                        dropAll(link);
                        transmit(link, 0, System.nanoTime());
                    } else {
                        resent.increment();
                        long delay = Math.min(1_000, 100L << Math.min(attempt, 4));
                        vertx.setTimer(delay, id -> transmit(link, attempt + 1, since));
                    }
                });
    }

    private void dropAll(Link link) {
        int dropped;
        synchronized (link) {
            dropped = link.queue.size();
            link.queue.clear();
        }
        givenUp.increment(dropped);
    }

    /** Whether a failed delivery means the connection is gone, so retrying is pointless. */
    private boolean gone(String connId, Throwable failure, int attempt) {
        String tag = ClusterView.tagOf(connId);
        if (tag != null && delivery.apply(tag) == ClusterView.Delivery.GONE) {
            return true;
        }
        // Nobody listens at the address: the connection closed (its consumer is unregistered with it). Tried
        // a few times, because a registration can take a moment to reach this node.
        return failure instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS && attempt >= 2;
    }
}
