package cn.tongban.signaling.application;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.cluster.Settled;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.testkit.Ports;
import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster map of prepared signatures on two real Hazelcast members (the server's configuration): a
 * preparation made through one member is there on the other; completions of one session on two members
 * run one after the other; and a member that dies while it completes leaves the preparation, unlocked, for
 * the survivor.
 */
class PendingSignaturesTest {
    private final List<HazelcastInstance> members = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        String cluster = "pending-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        int[] ports = {Ports.reserve(), Ports.reserve()};
        for (int i = 0; i < 2; i++) {
            members.add(HazelcastFactory.create(ServerOptions.builder()
                    .demo(true)
                    .dataDir(dir)
                    .nodeName("node-" + i)
                    .clusterName(cluster)
                    .clusterMember("127.0.0.1:" + ports[0])
                    .clusterMember("127.0.0.1:" + ports[1])
                    .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(1).withHazelcast(ports[i], null))
                    .build()));
        }
        Settled.cluster(2, members);
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    @Test
    void completionsOfOneSessionOnTwoMembersRunOneAfterTheOther() throws Exception {
        PendingSignatures a = new PendingSignatures(members.get(0), 600_000);
        PendingSignatures b = new PendingSignatures(members.get(1), 600_000);
        a.prepared("s-1", prepared());
        assertThat(b.<PendingSignatures.Entry>exclusive("s-1", e -> e)).isInstanceOf(PendingSignatures.Prepared.class);

        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<PendingSignatures.Entry> first = CompletableFuture.supplyAsync(
                () -> a.exclusive("s-1", e -> {
                    inside.countDown();
                    await(release);
                    a.completed("s-1", new PendingSignatures.Completed("TB-1", "01", "ab"));
                    return e;
                }),
                threads);
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<PendingSignatures.Entry> second =
                CompletableFuture.supplyAsync(() -> b.<PendingSignatures.Entry>exclusive("s-1", e -> e), threads);
        // The second waits for the first (it cannot finish while the first holds the session).
        assertThat(second).isNotDone();
        Thread.sleep(300);
        assertThat(second).isNotDone();
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(PendingSignatures.Prepared.class);
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(new PendingSignatures.Completed("TB-1", "01", "ab"));
    }

    @Test
    void aMemberThatDiesWhileCompletingLeavesThePreparationToTheOther() throws Exception {
        PendingSignatures a = new PendingSignatures(members.get(0), 600_000);
        PendingSignatures b = new PendingSignatures(members.get(1), 600_000);
        // Keys on both members' partitions: whichever owns the entry, the other holds its backup.
        List<String> sessions = List.of("s-1", "s-2", "s-3", "s-4", "s-5", "s-6");
        for (String s : sessions) {
            b.prepared(s, prepared());
        }
        CountDownLatch inside = new CountDownLatch(sessions.size());
        List<CompletableFuture<?>> dying = new ArrayList<>();
        for (String s : sessions) {
            dying.add(CompletableFuture.runAsync(
                    () -> a.exclusive(s, e -> {
                        inside.countDown();
                        await(new CountDownLatch(1)); // never completes: its member dies
                        return null;
                    }),
                    threads));
        }
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        members.get(0).getLifecycleService().terminate();
        for (String s : sessions) {
            PendingSignatures.Entry e = b.<PendingSignatures.Entry>exclusive(s, x -> x);
            assertThat(e).as(s).isInstanceOf(PendingSignatures.Prepared.class);
            assertThat(((PendingSignatures.Prepared) e).encoded()).containsExactly(1, 2, 3);
        }
        threads.shutdownNow(); // the dead member's threads give up
        for (CompletableFuture<?> f : dying) {
            assertThat(f).failsWithin(30, TimeUnit.SECONDS);
        }
    }

    private static PendingSignatures.Prepared prepared() {
        return new PendingSignatures.Prepared(
                new byte[] {1, 2, 3}, "TB-1", "form", "01", System.currentTimeMillis() + 600_000);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
