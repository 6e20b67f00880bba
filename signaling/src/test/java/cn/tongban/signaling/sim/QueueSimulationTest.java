package cn.tongban.signaling.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.config.ServerOptions;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The queue simulation's claims (docs/queue-simulation.md): the pairing engine serves the pooled
 * single-skill case as an M/M/c queue (Erlang C within 5%, no clerk idle while a qualified ticket
 * waits), overflow shortens the overloaded hall's p95 wait, the wait estimate beats the old formula, and
 * the fast in-memory runs decide exactly as the real Hazelcast-backed {@code QueueService} does.
 */
class QueueSimulationTest {
    private static HazelcastInstance hz;

    @BeforeAll
    static void startMember() {
        hz = HazelcastFactory.create(ServerOptions.builder()
                .demo(true)
                .nodeName("sim")
                .clusterName("sim-" + ProcessHandle.current().pid())
                .build());
    }

    @AfterAll
    static void stopMember() {
        hz.shutdown();
    }

    @Test
    void theInMemoryRunsDecideExactlyAsTheClusterEngine() {
        for (QueueSimulation.Scenario sc : new QueueSimulation.Scenario[] {
            Scenarios.pooled(5, 0.85, 10, 3, Scenarios.SEED), Scenarios.overflow(10, 1, Scenarios.SEED)
        }) {
            QueueSimulation.Result cluster = QueueSimulation.onCluster(sc, hz);
            QueueSimulation.Result memory = QueueSimulation.inMemory(sc);
            System.out.printf(
                    "%s: %d tickets, cluster %.1f s, memory %.2f s%n",
                    sc.name(), cluster.tickets, cluster.wallSeconds, memory.wallSeconds);
            assertThat(cluster.tickets).isGreaterThan(200);
            assertThat(cluster.all.waits).isEqualTo(memory.all.waits);
            assertThat(cluster.all.etaErrors).isEqualTo(memory.all.etaErrors);
            assertThat(cluster.all.overflowTakes).isEqualTo(memory.all.overflowTakes);
            assertThat(cluster.idleWhileWaiting).isZero();
        }
    }

    @Test
    void pooledSingleSkillAgreesWithErlangC() {
        int c = 5;
        double rho = 0.8;
        double service = 10;
        QueueSimulation.Result r = QueueSimulation.inMemory(Scenarios.pooled(c, rho, service, 4000, Scenarios.SEED));
        ErlangC ec = new ErlangC(c, rho * c / service, 1 / service);
        QueueSimulation.QueueResult q = r.all;
        System.out.printf(
                "pooled c=%d ρ=%.2f: %d tickets in %.1f s; mean %.1f s (Erlang C %.1f), p95 %.0f s (%.0f),"
                        + " P(wait) %.3f (%.3f); ETA MAE %.0f s, bias %+.0f s, old formula MAE %.0f s%n",
                c,
                rho,
                r.tickets,
                r.wallSeconds,
                q.meanWait(),
                ec.meanWait() * 60,
                q.p95Wait(),
                ec.waitQuantile(0.95) * 60,
                q.probabilityOfWaiting(),
                ec.probabilityOfWaiting(),
                q.etaMae(),
                q.etaBias(),
                q.oldEtaMae());
        assertThat(r.tickets).isGreaterThan(700_000);
        assertThat(r.idleWhileWaiting).as("a clerk idle while a ticket waited").isZero();
        assertThat(q.meanWait() / (ec.meanWait() * 60)).isCloseTo(1, within(0.05));
        assertThat(q.p95Wait() / (ec.waitQuantile(0.95) * 60)).isCloseTo(1, within(0.05));
        assertThat(q.probabilityOfWaiting()).isCloseTo(ec.probabilityOfWaiting(), within(0.02));
        assertThat(q.etaMae()).isLessThan(q.oldEtaMae());
    }

    @Test
    void overflowShortensTheOverloadedHallsWaitAtASmallCostToThePartner() {
        QueueSimulation.Result alone = QueueSimulation.inMemory(Scenarios.overflow(null, 100, Scenarios.SEED));
        QueueSimulation.Result shared = QueueSimulation.inMemory(Scenarios.overflow(10, 100, Scenarios.SEED));
        QueueSimulation.QueueResult wujinAlone = alone.queue("wujin", "property");
        QueueSimulation.QueueResult wujinShared = shared.queue("wujin", "property");
        QueueSimulation.QueueResult qingpuAlone = alone.queue("qingpu", "property");
        QueueSimulation.QueueResult qingpuShared = shared.queue("qingpu", "property");
        System.out.printf(
                "overflow: Wujin p95 %.0f -> %.0f s, Qingpu p95 %.0f -> %.0f s, %d of %d Wujin tickets helped%n",
                wujinAlone.p95Wait(),
                wujinShared.p95Wait(),
                qingpuAlone.p95Wait(),
                qingpuShared.p95Wait(),
                wujinShared.overflowTakes,
                wujinShared.waits.size());
        assertThat(alone.all.overflowTakes).isZero();
        assertThat(wujinShared.overflowTakes).isPositive();
        assertThat(wujinShared.p95Wait()).isLessThan(wujinAlone.p95Wait() * 0.6);
        // Qingpu helps only with spare capacity (own tickets first), so its applicants barely notice.
        assertThat(qingpuShared.p95Wait()).isLessThan(qingpuAlone.p95Wait() * 1.1);
        assertThat(qingpuShared.p95Wait()).isLessThan(wujinShared.p95Wait());
        assertThat(alone.idleWhileWaiting).isZero();
        assertThat(shared.idleWhileWaiting).isZero();
    }

    @Test
    void multiSkillClerksAreNeverIdleBesideTheirOwnWork() {
        QueueSimulation.Result r = QueueSimulation.inMemory(Scenarios.multiSkill(100, Scenarios.SEED));
        System.out.printf(
                "multi-skill: property mean %.0f s p95 %.0f s, business mean %.0f s p95 %.0f s, ETA MAE %.0f s%n",
                r.queue("wujin", "property").meanWait(),
                r.queue("wujin", "property").p95Wait(),
                r.queue("wujin", "business").meanWait(),
                r.queue("wujin", "business").p95Wait(),
                r.all.etaMae());
        assertThat(r.idleWhileWaiting).isZero();
        assertThat(r.tickets).isGreaterThan(15_000);
    }
}
