package cn.tongban.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.testkit.Ports;
import com.hazelcast.core.HazelcastInstance;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The login lock-out counts failures across the cluster: two real Hazelcast members, one map. */
class LoginThrottleTest {

    @Test
    void failuresOnTwoNodesAddUpToOneLock() throws Exception {
        int[] ports = {Ports.reserve(), Ports.reserve()};
        String cluster = "throttle-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<HazelcastInstance> members = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                members.add(HazelcastFactory.create(ServerOptions.builder()
                        .nodeName("n" + i)
                        .clusterName(cluster)
                        .clusterMember("127.0.0.1:" + ports[0])
                        .clusterMember("127.0.0.1:" + ports[1])
                        .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(1).withHazelcast(ports[i], null))
                        .build()));
            }
            assertThat(members.get(1).getCluster().getMembers()).hasSize(2);
            LoginThrottle a = new LoginThrottle(members.get(0).getMap("tongban.login-failures"), Clock.systemUTC());
            LoginThrottle b = new LoginThrottle(members.get(1).getMap("tongban.login-failures"), Clock.systemUTC());

            // Two failures on one node, two on the other: not locked yet.
            a.recordFailure("gulou01");
            a.recordFailure("gulou01");
            b.recordFailure("gulou01");
            b.recordFailure("gulou01");
            assertThat(a.isLocked("gulou01")).isFalse();
            // The fifth, on either node, locks the account on both.
            b.recordFailure("gulou01");
            assertThat(a.isLocked("gulou01")).isTrue();
            assertThat(b.isLocked("gulou01")).isTrue();
            assertThat(a.isLocked("wujin01")).isFalse();

            // Concurrent failures from both nodes are all counted (compare-and-set, no lost update).
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                LoginThrottle t = i % 2 == 0 ? a : b;
                fs.add(pool.submit(() -> t.recordFailure("race")));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(a.isLocked("race")).isFalse();
            b.recordFailure("race");
            assertThat(a.isLocked("race")).isTrue();

            a.recordSuccess("gulou01");
            assertThat(b.isLocked("gulou01")).isFalse();
        } finally {
            members.forEach(HazelcastInstance::shutdown);
        }
    }
}
