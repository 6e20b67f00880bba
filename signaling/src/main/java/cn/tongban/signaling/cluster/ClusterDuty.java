package cn.tongban.signaling.cluster;

import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every node does for the cluster as a whole:
 *
 * <ul>
 *   <li><b>Node loss.</b> When a member leaves (killed, partitioned away), the connections it held are
 *       gone without a close event. Every surviving member scans live state for tickets and clerks held
 *       through a departed node's connections: applicants keep their place for the resume grace (their
 *       clients reconnect to a surviving node with the resume token); a clerk with a live session keeps
 *       it for the clerk's grace ({@code ServerOptions.Cluster#clerkGraceMs}) to sign in again elsewhere (the session moves to the new
 *       connection), after which the session is aborted as if the clerk's connection had closed; a clerk
 *       without one leaves duty at once. The changes are entry processors conditioned on the old
 *       connection id, so members scanning at the same time change each record once.
 *   <li><b>Minority.</b> A node that loses its quorum closes all its client connections with {@code
 *       NODE_UNAVAILABLE} (close code 1013) and refuses new ones until the split heals, so clients move
 *       to the majority instead of seeing stale or failing state.
 * </ul>
 */
public final class ClusterDuty {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDuty.class);

    /** What the duties do to this node's clients and to the live state of departed nodes' clients. */
    public interface Clients {
        /** An applicant's connection is gone (it was on a departed node): keep the place for the grace. */
        void applicantConnectionLost(String ticketId, String connId);

        /** A clerk's connection is gone: the clerk leaves duty, a live session is aborted. */
        void clerkConnectionLost(String clerkId, String connId);

        /** The clerk of a live session was on a departed node: the applicant is told the clerk is away. */
        void clerkConnectionOrphaned(String sessionId);

        /** Sessions whose media bridge was on a departed node continue on this node's bridge (if it wins them). */
        void bridgesDeparted();

        /** This node lost its quorum: close every client connection with {@code NODE_UNAVAILABLE}. */
        void closeAllUnavailable();

        /** Queues changed: push positions and lists at the next broadcast. */
        void queuesChanged();
    }

    private final Vertx vertx;
    private final ClusterView view;
    private final Clients clients;
    private final Clock clock;
    private final long clerkGraceMs;
    private final IMap<String, TicketRecord> tickets;
    private final IMap<String, ClerkPresence> clerks;
    private final IMap<String, SessionRecord> sessions;
    private final Map<String, Long> orphanedSince = new ConcurrentHashMap<>();
    private final AtomicBoolean serving = new AtomicBoolean();
    private final AtomicBoolean scanning = new AtomicBoolean();
    private final AtomicBoolean membershipChanged = new AtomicBoolean(true);
    private long passes;
    private volatile boolean stopped;
    private long timer;

    private ClusterDuty(
            Vertx vertx, HazelcastInstance hz, ClusterView view, Clients clients, Clock clock, long clerkGraceMs) {
        this.vertx = vertx;
        this.view = view;
        this.clients = clients;
        this.clock = clock;
        this.clerkGraceMs = clerkGraceMs;
        this.tickets = hz.getMap("tongban.tickets");
        this.clerks = hz.getMap("tongban.clerks");
        this.sessions = hz.getMap("tongban.sessions");
        this.serving.set(view.hasQuorum());
    }

    /**
     * Starts the duties: a check every second and one at every membership change. {@code clerkGraceMs}: how
     * long a live session waits for its clerk to sign in again after the clerk's node left.
     */
    public static ClusterDuty start(
            Vertx vertx, HazelcastInstance hz, ClusterView view, Clients clients, Clock clock, long clerkGraceMs) {
        ClusterDuty duty = new ClusterDuty(vertx, hz, view, clients, clock, clerkGraceMs);
        view.onMembershipChange(() -> {
            duty.membershipChanged.set(true);
            duty.checkSoon();
        });
        duty.timer = vertx.setPeriodic(1000, id -> duty.checkSoon());
        return duty;
    }

    /** Stops the duties (the node is shutting down): no pass starts after this returns. */
    public void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    /**
     * After a split heals, this node's Vert.x node record ({@code __vertx.nodeInfo}: where its event bus
     * listens) may be gone: the majority deleted it when the node left, and the node's own copy is lost
     * whenever both its owner and backup partitions were on the other side. Without it, no node can send
     * to this one's connections ("Not a member of the cluster"). Vert.x does not write it again on a
     * merge, so this does.
     */
    public static void reannounceAfterMerge(HazelcastInstance hz, HazelcastClusterManager clusterManager) {
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() != LifecycleEvent.LifecycleState.MERGED) {
                return;
            }
            NodeInfo info = clusterManager.getNodeInfo();
            if (info == null) {
                return;
            }
            Promise<Void> done = Promise.promise();
            clusterManager.setNodeInfo(info, done);
            done.future()
                    .onSuccess(v -> LOG.warn("Rejoined the cluster after a split; event-bus address announced again"))
                    .onFailure(t -> LOG.error("Could not announce the event-bus address after a merge", t));
        });
    }

    /** Whether this node currently serves clients (it holds its quorum). */
    public boolean serving() {
        return serving.get();
    }

    private void checkSoon() {
        if (stopped || !scanning.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(
                        () -> {
                            check();
                            return null;
                        },
                        false)
                .onComplete(ar -> {
                    scanning.set(false);
                    if (ar.failed() && ar.cause() instanceof SplitBrainProtectionException) {
                        // The quorum went while scanning; the next pass sees it.
                        LOG.debug("Cluster check interrupted: {}", ar.cause().toString());
                    } else if (ar.failed()) {
                        LOG.warn("Cluster check failed: {}", ar.cause().toString());
                    }
                });
    }

    /** One pass: the quorum, then departed nodes' connections. Blocking. */
    void check() {
        boolean quorum = view.hasQuorum();
        if (serving.getAndSet(quorum) != quorum) {
            if (quorum) {
                LOG.warn("Cluster quorum regained: serving clients again");
                clients.queuesChanged();
            } else {
                LOG.error("Cluster quorum lost: this node is cut off from the majority; closing its client"
                        + " connections so they move to the majority");
                clients.closeAllUnavailable();
            }
        }
        // Departed nodes are looked for at every membership change and every few seconds besides (a
        // change seen while this node had no quorum, or a scan that failed, is caught up then).
        if (quorum && (membershipChanged.getAndSet(false) || passes++ % 5 == 0)) {
            releaseDeparted();
        }
        if (quorum) {
            view.ensureAdvertised();
        }
    }

    private void releaseDeparted() {
        Set<String> live = view.liveTags();
        for (TicketRecord t : tickets.values()) {
            if (!t.status().isFinal() && t.connId() != null && !ClusterView.isLive(t.connId(), live)) {
                clients.applicantConnectionLost(t.ticketId(), t.connId());
            }
        }
        long now = clock.millis();
        Set<String> orphaned = new HashSet<>();
        for (ClerkPresence p : clerks.values()) {
            if (ClusterView.isLive(p.connId(), live)) {
                continue;
            }
            SessionRecord s = p.sessionId() == null ? null : sessions.get(p.sessionId());
            if (s == null || s.state() != SessionState.ACTIVE) {
                clients.clerkConnectionLost(p.clerkId(), p.connId());
                continue;
            }
            orphaned.add(p.connId());
            Long since = orphanedSince.putIfAbsent(p.connId(), now);
            if (since == null) {
                LOG.info(
                        "Clerk {} was connected through a node that left; session {} waits {} s for the clerk",
                        p.clerkId(),
                        s.sessionId(),
                        clerkGraceMs / 1000);
                clients.clerkConnectionOrphaned(s.sessionId());
            } else if (now - since > clerkGraceMs) {
                clients.clerkConnectionLost(p.clerkId(), p.connId());
            }
        }
        orphanedSince.keySet().retainAll(orphaned);
        clients.bridgesDeparted();
        view.forgetDeparted();
    }
}
