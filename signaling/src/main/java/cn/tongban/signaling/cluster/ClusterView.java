package cn.tongban.signaling.cluster;

import cn.tongban.signaling.schema.Generation;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtection;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a node knows about the cluster it is part of: its own tag, the tags of the members alive now,
 * the URLs clients can reach them at, and whether this node sits on the side of a split that may change
 * live state.
 *
 * <p>Connection ids carry the tag of the node holding the connection ({@code c-<tag>-<uuid>}), so any
 * member can tell which tickets and clerks were held through a node that has left the cluster.
 */
public final class ClusterView {
    /** The schema generation from which members acknowledge messages to their connections and know {@code Rehome}. */
    private static final int ACKNOWLEDGING = 2;

    /** Advertised client URLs by node tag; a replicated map, readable on every member at any time. */
    static final String NODES_MAP = "tongban-nodes";

    private final HazelcastInstance hz;
    private final String localTag;
    private final ReplicatedMap<String, String> urls;
    private volatile String ownUrl;

    public ClusterView(HazelcastInstance hz) {
        this.hz = hz;
        this.localTag = hz.getCluster().getLocalMember().getAttribute(HazelcastFactory.NODE_ATTRIBUTE);
        this.urls = hz.getReplicatedMap(NODES_MAP);
    }

    /** This node's tag. */
    public String localTag() {
        return localTag;
    }

    /** A new connection id on this node. */
    public String newConnectionId() {
        return "c-" + localTag + "-" + java.util.UUID.randomUUID();
    }

    /** The tag in a connection id, or null for an id without one. */
    public static String tagOf(String connId) {
        if (connId == null || !connId.startsWith("c-")) {
            return null;
        }
        int dash = connId.indexOf('-', 2);
        return dash < 0 ? null : connId.substring(2, dash);
    }

    /** The tags of the members in this node's current member list. */
    public Set<String> liveTags() {
        Set<String> tags = new HashSet<>();
        for (Member m : hz.getCluster().getMembers()) {
            String tag = m.getAttribute(HazelcastFactory.NODE_ATTRIBUTE);
            if (tag != null) {
                tags.add(tag);
            }
        }
        return tags;
    }

    /**
     * How the member tagged {@code tag} takes messages to its connections: {@link Delivery#GONE} when no
     * member has the tag (it left), {@link Delivery#ACKNOWLEDGED} when it acknowledges them (schema generation
     * 2 or later), else {@link Delivery#UNACKNOWLEDGED} (a member of an earlier build).
     */
    public Delivery delivery(String tag) {
        for (Member m : hz.getCluster().getMembers()) {
            if (tag.equals(m.getAttribute(HazelcastFactory.NODE_ATTRIBUTE))) {
                return Generation.of(m) >= ACKNOWLEDGING ? Delivery.ACKNOWLEDGED : Delivery.UNACKNOWLEDGED;
            }
        }
        return Delivery.GONE;
    }

    /**
     * Whether every member runs a build of schema generation 2 or later, which knows the media roster's
     * {@code Rehome} (bridge failover) and acknowledges messages to its connections: those may be used only
     * once no member of an earlier build is left (docs/cluster.md, rule 7).
     */
    public boolean everyMemberCurrent() {
        return Generation.everyMember(hz, ACKNOWLEDGING);
    }

    /** See {@link #delivery}. */
    public enum Delivery {
        ACKNOWLEDGED,
        UNACKNOWLEDGED,
        GONE
    }

    /** Whether the connection lives on a node that is still a member (ids without a tag count as live). */
    public static boolean isLive(String connId, Set<String> liveTags) {
        String tag = tagOf(connId);
        return tag == null || liveTags.contains(tag);
    }

    /** Publishes the URL clients reach this node at ({@code http(s)://host:port}). */
    public void advertise(String baseUrl) {
        this.ownUrl = baseUrl;
        urls.put(localTag, baseUrl);
    }

    /** Publishes this node's URL again if the cluster lost it (the majority forgets a node cut off from it). */
    void ensureAdvertised() {
        String url = ownUrl;
        if (url != null && !url.equals(urls.get(localTag))) {
            urls.put(localTag, url);
        }
    }

    /**
     * WebSocket URLs of the live nodes, this node's first: where a client goes when its node fails.
     * Nodes behind one load-balanced name advertise the same URL, which then appears once.
     */
    public List<String> servers() {
        Set<String> live = liveTags();
        Set<String> out = new LinkedHashSet<>();
        String own = urls.get(localTag);
        if (own != null) {
            out.add(webSocketUrl(own));
        }
        List<String> others = new ArrayList<>();
        urls.forEach((tag, url) -> {
            if (!tag.equals(localTag) && live.contains(tag)) {
                others.add(webSocketUrl(url));
            }
        });
        others.sort(null);
        out.addAll(others);
        return List.copyOf(out);
    }

    /** Forgets the URLs of nodes that left (their tags never come back). */
    public void forgetDeparted() {
        Set<String> live = liveTags();
        for (String tag : new ArrayList<>(urls.keySet())) {
            if (!live.contains(tag)) {
                urls.remove(tag);
            }
        }
    }

    /**
     * Whether this node may change live state: true without split-brain protection, else while its
     * member list holds at least the quorum.
     */
    public boolean hasQuorum() {
        try {
            SplitBrainProtection q =
                    hz.getSplitBrainProtectionService().getSplitBrainProtection(HazelcastFactory.QUORUM);
            return q.hasMinimumSize();
        } catch (IllegalArgumentException noProtection) {
            return true;
        }
    }

    /** A cluster-wide map (Hazelcast; guarded by the quorum when its name starts with {@code tongban.}). */
    public <K, V> java.util.concurrent.ConcurrentMap<K, V> map(String name) {
        return hz.getMap(name);
    }

    /** For {@code /health}: members, servers and whether this node holds its quorum. */
    public io.vertx.core.json.JsonObject health() {
        return new io.vertx.core.json.JsonObject()
                .put("members", hz.getCluster().getMembers().size())
                .put("hasQuorum", hasQuorum())
                .put("servers", new io.vertx.core.json.JsonArray(servers()));
    }

    /**
     * Runs {@code action} whenever {@link #servers()} may have changed: a member joined or left, or a node's
     * URL was published or forgotten (on a Hazelcast event thread: keep it short).
     */
    public void onServersChange(Runnable action) {
        onMembershipChange(action);
        urls.addEntryListener(new com.hazelcast.core.EntryAdapter<String, String>() {
            @Override
            public void onEntryEvent(com.hazelcast.core.EntryEvent<String, String> event) {
                action.run();
            }
        });
    }

    /** Runs {@code action} whenever a member joins or leaves (on a Hazelcast event thread: hand work off). */
    public void onMembershipChange(Runnable action) {
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                action.run();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                action.run();
            }
        });
    }

    static String webSocketUrl(String baseUrl) {
        URI u = URI.create(baseUrl);
        String scheme = "https".equalsIgnoreCase(u.getScheme()) ? "wss" : "ws";
        String path =
                u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/") ? "" : u.getPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + u.getRawAuthority() + path + "/ws?v=1";
    }
}
