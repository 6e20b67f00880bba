package cn.tongban.signaling.cluster;

import cn.tongban.testkit.Await;
import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.List;

/**
 * Waits until a freshly formed (or healed) cluster has settled: every member sees all the others and no
 * partition is migrating or without its backup (Hazelcast's "cluster safe").
 *
 * <p>Why tests need it: right after a member joins, partitions migrate to it, and a map operation can then
 * take seconds (in a soak run a clerk's {@code take} sat more than 10 s in {@code executeOnKey} with every
 * Hazelcast thread idle, on a two-member cluster formed 0.3 s before). That is the product's behaviour
 * during a join (issue #17), not what a test of, say, files shared between nodes is about.
 */
public final class Settled {
    private Settled() {}

    public static void cluster(int members, List<HazelcastInstance> all) {
        Await.until(members + " members, partitions migrated and backed up", Duration.ofSeconds(60), () -> all.stream()
                .allMatch(m -> m.getCluster().getMembers().size() == members
                        && m.getPartitionService().isClusterSafe()));
    }
}
