package cn.tongban.signaling.queue;

import cn.tongban.signaling.refdata.RoutingConfig;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This node's index of the waiting tickets: one ordered set per queue (owning hall × matter) and language,
 * in {@link Routing#servingOrder}, so that a position is a rank (O(log n)), the next ticket of a clerk is
 * the head of a few sets, and a queue's length is a count.
 *
 * <p>The index is <em>derived</em>: nothing of it is kept in the cluster, so it needs no Compact type and
 * no rolling-upgrade rule. Every member holds its own, fed by an entry listener on {@code tongban.tickets}
 * (every member sees every change, in order per ticket) and by the results of this member's own entry
 * processors (so that what a member just did is visible to it at once; an event older than such a result,
 * by the ticket's {@code version}, is a late one and changes nothing). The index reads the whole map again ("rebuild") when it starts and
 * whenever events may have been lost: a member left, a split healed, partitions migrated.
 *
 * <p>It only proposes: a claim stays an entry processor whose condition decides ({@link
 * QueueProcessors.Claim}); a ticket the index still shows waiting but that is gone fails its claim, is read
 * again and the next one is tried. Another member's changes appear here when their event arrives
 * (asynchronously).
 *
 * <p>Appointments: the serving order depends on the clock (an appointment moves to the head when its slot
 * begins). Keys are computed as of the last snapshot's time; waiting appointments not yet due are kept in
 * a set ordered by slot and re-keyed by the snapshot whose time reaches their slot.
 */
final class QueueIndex {
    /** A ticket's place in the serving order: the order of {@link Routing#servingOrder}, then the id. */
    record Key(boolean returned, boolean due, long appointmentAt, long arrival, long seq, String ticketId)
            implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Boolean.compare(o.returned, returned);
            if (c != 0) {
                return c;
            }
            c = Boolean.compare(o.due, due);
            if (c != 0) {
                return c;
            }
            c = Long.compare(appointmentAt, o.appointmentAt);
            if (c != 0) {
                return c;
            }
            c = Long.compare(arrival, o.arrival);
            if (c != 0) {
                return c;
            }
            c = Long.compare(seq, o.seq);
            return c != 0 ? c : ticketId.compareTo(o.ticketId);
        }
    }

    static Key keyOf(TicketRecord t, long now, RoutingConfig config) {
        boolean due = t.appointmentDue(now);
        return new Key(
                t.returned(),
                due,
                due ? t.appointmentAt() : 0,
                Routing.effectiveArrival(t, config),
                t.seq(),
                t.ticketId());
    }

    /** A queue: owning hall and matter. */
    record QueueId(String hallId, String matterId) {}

    /**
     * A ticket as this node knows it, the key it is indexed under (null: not waiting), and whether the map's
     * events have caught up with it ({@code false} for this member's own result until its event arrives).
     */
    private record Known(TicketRecord ticket, Key key, boolean confirmed) {}

    private record Pending(long at, String ticketId) implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : ticketId.compareTo(o.ticketId);
        }
    }

    private final IMap<String, TicketRecord> map;
    private final Object lock = new Object();
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    // queue -> language -> tree; the trees are immutable, these maps change under the lock.
    private final Map<QueueId, Map<String, RankTree.Node>> roots = new HashMap<>();
    private final TreeSet<Pending> pending = new TreeSet<>();
    private long asOf = Long.MIN_VALUE;
    private RoutingConfig config;
    private long changes;
    private Snapshot last;
    private Set<String> touchedWhileReading;
    private volatile boolean stale;
    private volatile boolean built;
    private final ReentrantLock rebuilding = new ReentrantLock();

    private QueueIndex(IMap<String, TicketRecord> map) {
        this.map = map;
    }

    /** An index of these tickets alone (the queue simulation, tests), as of {@code now}. */
    static QueueIndex of(Collection<TicketRecord> tickets, long now, RoutingConfig config) {
        QueueIndex index = new QueueIndex(null);
        synchronized (index.lock) {
            index.asOf = now;
            index.config = config;
            for (TicketRecord t : tickets) {
                index.put(t, true);
            }
            index.built = true;
        }
        return index;
    }

    /**
     * The index of the cluster's tickets as this member sees them: listens to the map and to the events
     * after which it reads the map again. The first read happens on the first {@link #snapshot}.
     */
    static QueueIndex attach(HazelcastInstance hz, IMap<String, TicketRecord> map) {
        QueueIndex index = new QueueIndex(map);
        index.stale = true;
        map.addEntryListener(index.new Listener(), true);
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                // Nothing is lost when a member joins; the migrations that follow are watched below.
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                index.stale = true;
            }
        });
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                index.stale = true;
            }
        });
        hz.getPartitionService().addMigrationListener(new MigrationListener() {
            @Override
            public void migrationStarted(MigrationState state) {}

            @Override
            public void migrationFinished(MigrationState state) {
                index.stale = true;
            }

            @Override
            public void replicaMigrationCompleted(ReplicaMigrationEvent event) {}

            @Override
            public void replicaMigrationFailed(ReplicaMigrationEvent event) {
                index.stale = true;
            }
        });
        return index;
    }

    // ---------------------------------------------------------------- changes

    /**
     * A change the listener saw. The map's events for one key arrive in order, so an event replaces what an
     * earlier event put; it replaces this member's own result only once it is at least as new (until then
     * it is an older change arriving late). Versions are compared only against own results: a member of an
     * older build may write a ticket without its version (read as 1), and its events still apply.
     */
    void event(TicketRecord t) {
        synchronized (lock) {
            Known k = known.get(t.ticketId());
            if (k == null || k.confirmed() || k.ticket().version() <= t.version()) {
                put(t, true);
            }
            touched(t.ticketId());
        }
    }

    /**
     * A ticket read from the map (the sweep, a failed claim): it may be older than an event that arrived
     * meanwhile, so it applies only if newer than what is indexed, or as new but different.
     */
    void read(TicketRecord t) {
        synchronized (lock) {
            Known k = known.get(t.ticketId());
            if (k == null
                    || k.ticket().version() < t.version()
                    || k.ticket().version() == t.version() && !k.ticket().equals(t)) {
                put(t, k == null || k.confirmed());
                touched(t.ticketId());
            }
        }
    }

    /**
     * The result of one of this member's entry processors (or its own write), shown at once: applied if
     * newer than what is indexed; a finished ticket the index does not know is not added (it may have been
     * dropped already).
     */
    void result(TicketRecord t) {
        if (t == null) {
            return;
        }
        synchronized (lock) {
            Known k = known.get(t.ticketId());
            if (k == null ? !t.status().isFinal() : k.ticket().version() < t.version()) {
                put(t, false);
                touched(t.ticketId());
            }
        }
    }

    void removed(String ticketId) {
        synchronized (lock) {
            drop(ticketId);
            touched(ticketId);
        }
    }

    /** Reads the whole map again at the next snapshot (events may have been lost). */
    void markStale() {
        stale = true;
    }

    private void touched(String ticketId) {
        if (touchedWhileReading != null) {
            touchedWhileReading.add(ticketId);
        }
    }

    // Readers look tickets up in `known` without the lock: an entry is replaced in one step, never removed
    // and put back, so a ticket that stays known never looks unknown.
    private void put(TicketRecord t, boolean confirmed) {
        Known old = known.get(t.ticketId());
        if (old != null) {
            unindex(old);
        }
        Key key = null;
        if (t.isWaiting() && config != null) {
            key = keyOf(t, asOf, config);
            Map<String, RankTree.Node> q = roots.computeIfAbsent(queueOf(t), x -> new HashMap<>());
            q.put(t.language(), RankTree.insert(q.get(t.language()), key, t));
            if (t.appointmentAt() > 0 && !key.due()) {
                pending.add(new Pending(t.appointmentAt(), t.ticketId()));
            }
        }
        known.put(t.ticketId(), new Known(t, key, confirmed));
        changes++;
    }

    private void drop(String ticketId) {
        Known k = known.remove(ticketId);
        if (k != null) {
            unindex(k);
        }
    }

    /** Takes the ticket out of its tree (it stays known). */
    private void unindex(Known k) {
        changes++;
        if (k.key() == null) {
            return;
        }
        TicketRecord t = k.ticket();
        QueueId queue = queueOf(t);
        Map<String, RankTree.Node> q = roots.get(queue);
        RankTree.Node root = RankTree.remove(q.get(t.language()), k.key());
        if (root == null) {
            q.remove(t.language());
            if (q.isEmpty()) {
                roots.remove(queue);
            }
        } else {
            q.put(t.language(), root);
        }
        if (t.appointmentAt() > 0) {
            pending.remove(new Pending(t.appointmentAt(), t.ticketId()));
        }
    }

    private static QueueId queueOf(TicketRecord t) {
        return new QueueId(t.hallId(), t.matterId());
    }

    /** Every waiting ticket keyed again, as of {@code now} under {@code newConfig}. */
    private void rekey(long now, RoutingConfig newConfig) {
        asOf = now;
        config = newConfig;
        roots.clear();
        pending.clear();
        for (Known k : new ArrayList<>(known.values())) {
            // Out of the trees already: put must not take it out again.
            known.put(k.ticket().ticketId(), new Known(k.ticket(), null, k.confirmed()));
            put(k.ticket(), k.confirmed());
        }
    }

    /** Appointments whose slot began by {@code now} move to the head part of their queue. */
    private void promote(long now) {
        asOf = now;
        while (!pending.isEmpty() && pending.first().at() <= now) {
            Known k = known.get(pending.first().ticketId());
            if (k == null) {
                pending.pollFirst();
            } else {
                put(k.ticket(), k.confirmed());
            }
        }
    }

    private void rebuild() {
        synchronized (lock) {
            touchedWhileReading = new HashSet<>();
        }
        Map<String, TicketRecord> read = new HashMap<>();
        try {
            stale = false;
            for (Map.Entry<String, TicketRecord> e : map.entrySet()) {
                read.put(e.getKey(), e.getValue());
            }
        } catch (RuntimeException e) {
            stale = true;
            synchronized (lock) {
                touchedWhileReading = null;
            }
            throw e;
        }
        synchronized (lock) {
            Set<String> touched = touchedWhileReading;
            touchedWhileReading = null;
            for (String id : new ArrayList<>(known.keySet())) {
                if (!read.containsKey(id) && !touched.contains(id)) {
                    drop(id);
                }
            }
            // What the map holds wins (also over a higher version: a split's merge may have discarded it),
            // except where an event arrived during the read: that one is newer.
            read.forEach((id, t) -> {
                if (!touched.contains(id)) {
                    put(t, true);
                }
            });
            built = true;
        }
    }

    private void ensureBuilt() {
        if (map == null || (!stale && built)) {
            return;
        }
        if (built) {
            // Another thread already reads the map: go on with the index as it is meanwhile.
            if (rebuilding.tryLock()) {
                try {
                    if (stale) {
                        rebuild();
                    }
                } finally {
                    rebuilding.unlock();
                }
            }
            return;
        }
        rebuilding.lock();
        try {
            if (stale || !built) {
                rebuild();
            }
        } finally {
            rebuilding.unlock();
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * The waiting tickets as of {@code now}: immutable, consistent, shared by everyone who reads it. The
     * order does not go back in time: threads read the clock in one order and come here in another, so an
     * earlier {@code now} than the last snapshot's keeps the order as of that one (an appointment whose slot
     * began in between stays at the head).
     */
    Snapshot snapshot(long now, RoutingConfig routing) {
        ensureBuilt();
        synchronized (lock) {
            long keyTime = Math.max(now, asOf);
            if (config == null || (routing != config && !routing.equals(config))) {
                rekey(keyTime, routing);
            } else {
                promote(keyTime);
            }
            if (last == null || last.changes != changes || last.now != now || last.config != config) {
                Map<QueueId, Map<String, RankTree.Node>> copy = new HashMap<>();
                roots.forEach((q, byLanguage) -> copy.put(q, new HashMap<>(byLanguage)));
                last = new Snapshot(this, copy, now, asOf, config, changes);
            }
            return last;
        }
    }

    /** The waiting tickets at one moment, with positions, counts and orders, and the tickets as known now. */
    static final class Snapshot {
        private final QueueIndex index;
        private final Map<QueueId, Map<String, RankTree.Node>> roots;
        private final long now;
        private final long keyTime;
        private final RoutingConfig config;
        private final long changes;
        private final int total;

        private Snapshot(
                QueueIndex index,
                Map<QueueId, Map<String, RankTree.Node>> roots,
                long now,
                long keyTime,
                RoutingConfig config,
                long changes) {
            this.index = index;
            this.roots = roots;
            this.now = now;
            this.keyTime = keyTime;
            this.config = config;
            this.changes = changes;
            int sum = 0;
            for (Map<String, RankTree.Node> q : roots.values()) {
                for (RankTree.Node n : q.values()) {
                    sum += RankTree.size(n);
                }
            }
            this.total = sum;
        }

        long now() {
            return now;
        }

        int total() {
            return total;
        }

        /** The queues holding waiting tickets. */
        Set<QueueId> queues() {
            return roots.keySet();
        }

        /** One queue's sets, by language. */
        Map<String, RankTree.Node> queue(String hallId, String matterId) {
            return roots.getOrDefault(new QueueId(hallId, matterId), Map.of());
        }

        int waiting(String hallId, String matterId) {
            int n = 0;
            for (RankTree.Node root : queue(hallId, matterId).values()) {
                n += RankTree.size(root);
            }
            return n;
        }

        /** The ticket as this node knows it now (it may have changed since the snapshot). */
        TicketRecord ticket(String ticketId) {
            Known k = index.known.get(ticketId);
            return k == null ? null : k.ticket();
        }

        /** The ticket's 1-based position in its queue, or 0 if it is not waiting in this snapshot. */
        int position(String ticketId) {
            return position(ticket(ticketId));
        }

        /** As {@link #position(String)}, for the ticket as known (null: not known). */
        int position(TicketRecord t) {
            if (t == null || !t.isWaiting()) {
                return 0;
            }
            Map<String, RankTree.Node> q = queue(t.hallId(), t.matterId());
            Key key = keyOf(t, keyTime, config);
            if (!RankTree.contains(q.get(t.language()), key)) {
                return 0;
            }
            int ahead = 0;
            for (RankTree.Node root : q.values()) {
                ahead += RankTree.rank(root, key);
            }
            return ahead + 1;
        }
    }

    /** Several sets' tickets in one key order, lazily. */
    static Iterator<RankTree.Node> merged(Collection<RankTree.Node> trees) {
        PriorityQueue<Head> heads = new PriorityQueue<>();
        for (RankTree.Node root : trees) {
            Iterator<RankTree.Node> it = RankTree.iterator(root);
            if (it.hasNext()) {
                heads.add(new Head(it.next(), it));
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public RankTree.Node next() {
                Head h = heads.poll();
                if (h == null) {
                    throw new NoSuchElementException();
                }
                if (h.rest().hasNext()) {
                    heads.add(new Head(h.rest().next(), h.rest()));
                }
                return h.node();
            }
        };
    }

    private record Head(RankTree.Node node, Iterator<RankTree.Node> rest) implements Comparable<Head> {
        @Override
        public int compareTo(Head o) {
            return node.key.compareTo(o.node.key);
        }
    }

    /** Keeps the index in step with the map. */
    private final class Listener
            implements EntryAddedListener<String, TicketRecord>,
                    EntryUpdatedListener<String, TicketRecord>,
                    EntryMergedListener<String, TicketRecord>,
                    EntryRemovedListener<String, TicketRecord>,
                    EntryEvictedListener<String, TicketRecord>,
                    EntryExpiredListener<String, TicketRecord>,
                    MapClearedListener,
                    MapEvictedListener {
        @Override
        public void entryAdded(EntryEvent<String, TicketRecord> e) {
            event(e.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, TicketRecord> e) {
            event(e.getValue());
        }

        @Override
        public void entryMerged(EntryEvent<String, TicketRecord> e) {
            // A merged value is not ordered with this side's versions: take it as the map holds it.
            synchronized (lock) {
                put(e.getValue(), true);
                touched(e.getKey());
            }
        }

        @Override
        public void entryRemoved(EntryEvent<String, TicketRecord> e) {
            removed(e.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, TicketRecord> e) {
            removed(e.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, TicketRecord> e) {
            removed(e.getKey());
        }

        @Override
        public void mapCleared(MapEvent e) {
            markStale();
        }

        @Override
        public void mapEvicted(MapEvent e) {
            markStale();
        }
    }
}
