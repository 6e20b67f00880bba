package cn.tongban.signaling.queue;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.testkit.Await;
import cn.tongban.testkit.MutableClock;
import cn.tongban.testkit.Ports;
import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two members, each with its own index: after joins, takes, leaves, clerks lost (back to the head) and
 * disconnects made on both, each member's index converges to the order a full read of the map gives, and a
 * rebuild from the map gives the same again. Takes on both members never pair a ticket twice.
 */
class QueueIndexClusterTest {
    private static final ReferenceData DATA = ReferenceDataStore.fromYaml(
            """
            routing:
              wrapUpSeconds: 0
              priorityGroups:
                - {id: elderly, name: 70岁以上老人, bonusSeconds: 600}
            halls:
              - {id: hall-a, name: 甲大厅}
            matters:
              - {id: m, name: 事项M, ticketPrefix: M, serviceMinutes: 10, owningHalls: [hall-a]}
              - {id: n, name: 事项N, ticketPrefix: N, serviceMinutes: 10, owningHalls: [hall-a]}
            clerks:
              list:
                - {id: c0, name: 零, hallId: hall-a, matters: [m, n]}
                - {id: c1, name: 一, hallId: hall-a, matters: [m, n]}
                - {id: c2, name: 二, hallId: hall-a, matters: [m]}
                - {id: c3, name: 三, hallId: hall-a, matters: [n]}
            """);

    private final List<HazelcastInstance> members = new ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    @Test
    void everyMembersIndexConvergesToTheMap() {
        int[] ports = Ports.reserve(2);
        String cluster = "index-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        for (int i = 0; i < 2; i++) {
            ServerOptions.Builder options = ServerOptions.builder()
                    .demo(true)
                    .nodeName("index-" + i)
                    .clusterName(cluster)
                    .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(1).withHazelcast(ports[i], null));
            for (int port : ports) {
                options.clusterMember("127.0.0.1:" + port);
            }
            members.add(HazelcastFactory.create(options.build()));
        }
        Await.until(
                "two members",
                Duration.ofSeconds(60),
                () -> members.get(0).getCluster().getMembers().size() == 2);
        MutableClock clock = new MutableClock();
        List<QueueService> nodes = List.of(
                new QueueService(members.get(0), () -> DATA, clock),
                new QueueService(members.get(1), () -> DATA, clock));
        List<String> clerks = List.of("c0", "c1", "c2", "c3");
        for (int i = 0; i < clerks.size(); i++) {
            nodes.get(i % 2).clerkSignedIn(clerks.get(i), "conn-" + clerks.get(i));
        }
        Random random = new Random(17);
        Map<String, String> conns = new java.util.HashMap<>();
        Set<String> paired = new HashSet<>();
        for (int step = 0; step < 400; step++) {
            clock.advance(random.nextInt(2000));
            QueueService node = nodes.get(random.nextInt(2));
            int op = random.nextInt(10);
            if (op < 5) {
                String conn = "a" + step;
                QueueService.Joined j = node.join(
                        new QueueService.JoinRequest(
                                random.nextBoolean() ? "m" : "n",
                                "hall-a",
                                null,
                                "张三",
                                "13812345678",
                                null,
                                random.nextInt(4) == 0 ? "elderly" : null,
                                null,
                                0),
                        conn);
                conns.put(j.ticket().ticketId(), conn);
            } else if (op < 7) {
                int c = random.nextInt(clerks.size());
                QueueService home = nodes.get(c % 2);
                String clerk = clerks.get(c);
                try {
                    home.setStatus(clerk, "conn-" + clerk, ClerkStatus.AVAILABLE);
                    QueueService.Taken taken = home.take(clerk, "conn-" + clerk, null);
                    assertThat(paired.add(taken.ticket().ticketId()))
                            .as("paired once")
                            .isTrue();
                    if (random.nextBoolean()) {
                        // The clerk is lost: the ticket goes back to the head of its queue.
                        home.clerkDisconnected(clerk, "conn-" + clerk);
                        paired.remove(taken.ticket().ticketId());
                        home.clerkSignedIn(clerk, "conn-" + clerk);
                    } else {
                        home.clerkHangup(
                                clerk, taken.session().sessionId(), cn.tongban.session.model.Outcome.COMPLETED, null);
                    }
                } catch (ProtocolException e) {
                    // Queue empty for this clerk, or the clerk is not available: nothing changed.
                }
            } else if (op < 8 && !conns.isEmpty()) {
                List<String> ids = new ArrayList<>(conns.keySet());
                String id = ids.get(random.nextInt(ids.size()));
                try {
                    node.leave(id, conns.remove(id));
                } catch (ProtocolException e) {
                    // Not waiting any more.
                }
            } else if (!conns.isEmpty()) {
                List<String> ids = new ArrayList<>(conns.keySet());
                String id = ids.get(random.nextInt(ids.size()));
                node.applicantDisconnected(id, conns.get(id));
            }
        }
        for (QueueService node : nodes) {
            Await.until("the index of a member converges", Duration.ofSeconds(30), () -> sameAsTheMap(node));
        }
        nodes.get(1).index().markStale();
        assertThat(sameAsTheMap(nodes.get(1))).isTrue();
        assertThat(nodes.get(0).view().totalWaiting()).isGreaterThan(10);
    }

    private static boolean sameAsTheMap(QueueService node) {
        QueueView fromIndex = node.view();
        QueueView fromMap = QueueView.of(node.ticketMap().values(), List.of(), Map.of(), DATA, fromIndex.now());
        List<String> expected =
                fromMap.waiting().stream().map(TicketRecord::ticketId).toList();
        List<String> actual =
                fromIndex.waiting().stream().map(TicketRecord::ticketId).toList();
        if (!expected.equals(actual)) {
            return false;
        }
        for (String id : expected) {
            if (fromIndex.place(id).position() != fromMap.place(id).position()
                    || !fromIndex.waitingTicket(id).equals(fromMap.waitingTicket(id))) {
                return false;
            }
        }
        return true;
    }
}
