package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.schema.CompactType;
import cn.tongban.testkit.Await;
import cn.tongban.testkit.Ports;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade: members of the previous build and of this build share one cluster, then the previous
 * build's members are replaced one by one, and no ticket is lost or unreadable on the way.
 *
 * <p>The previous build is this one with an older {@code tongban.Ticket}: the ticket of the original
 * protocol, before language, priority claims, appointments, the clerk's verdict and the version were added
 * ({@link #PREVIOUS_TICKET}). Everything else both builds share, the named entry processors included. Both
 * drive the same {@link QueueService} (tickets issued, taken, ended through entry processors on whichever
 * member owns the ticket), so the test fails if this build read a field it added without a default (the
 * previous build's tickets have none), if a member of either build could not read the other's tickets or
 * run a processor sent by the other, or if the replaced members took tickets with them.
 */
class RollingUpgradeTest {
    /** {@code tongban.Ticket} as the previous build writes and reads it: the original protocol's fields. */
    static final CompactType<TicketRecord> PREVIOUS_TICKET = CompactType.of(
            "tongban.Ticket",
            TicketRecord.class,
            (w, t) -> {
                w.writeString("ticketId", t.ticketId());
                w.writeString("number", t.number());
                w.writeString("matterId", t.matterId());
                w.writeString("hallId", t.hallId());
                w.writeString("partnerHallId", t.partnerHallId());
                w.writeString("name", t.name());
                w.writeString("mobile", t.mobile());
                w.writeInt64("seq", t.seq());
                w.writeInt64("issuedAt", t.issuedAt());
                w.writeString("status", t.status().name());
                w.writeBoolean("returned", t.returned());
                w.writeString("connId", t.connId());
                w.writeInt64("disconnectedAt", t.disconnectedAt());
                w.writeString("resumeHash", t.resumeHash());
                w.writeString("sessionId", t.sessionId());
                w.writeString("clerkId", t.clerkId());
                w.writeInt64("endedAt", t.endedAt());
            },
            r -> new TicketRecord(
                    r.string("ticketId"),
                    r.string("number"),
                    r.string("matterId"),
                    r.string("hallId"),
                    r.string("partnerHallId"),
                    r.string("name"),
                    r.string("mobile"),
                    r.int64("seq", 0),
                    r.int64("issuedAt", 0),
                    r.enumeration("status", TicketStatus.class),
                    r.bool("returned", false),
                    r.string("connId"),
                    r.int64("disconnectedAt", 0),
                    r.string("resumeHash"),
                    r.string("sessionId"),
                    r.string("clerkId"),
                    r.int64("endedAt", 0),
                    // What this build does not know of: what a reader of the newer schema finds absent.
                    null,
                    null,
                    null,
                    0,
                    null,
                    1));

    private static final String HALL = "test-hall";
    private static final String MATTER = "test-matter";
    private static final int CLERKS = 8;

    private final List<HazelcastInstance> members = new ArrayList<>();
    private int[] ports;
    private String cluster;
    private ReferenceData data;

    @BeforeEach
    void setUp(@TempDir Path dir) throws Exception {
        StringBuilder yaml = new StringBuilder(
                """
                routing: {wrapUpSeconds: 0}
                halls:
                  - {id: test-hall, name: 测试大厅}
                matters:
                  - {id: test-matter, name: 测试事项, ticketPrefix: T, serviceMinutes: 10, owningHalls: [test-hall], materials: []}
                clerks:
                  list:
                """);
        for (int i = 0; i < CLERKS; i++) {
            yaml.append("    - {id: clerk")
                    .append(i)
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: test-hall, matters: [test-matter]}\n");
        }
        Files.writeString(dir.resolve("refdata.yaml"), yaml);
        data = ReferenceDataStore.open(dir, true).current();
        ports = Ports.reserve(4);
        cluster = "upgrade-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void tearDown() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    /** A member of the previous build (older {@code tongban.Ticket}) or of this one, on port {@code i}. */
    private HazelcastInstance start(int i, boolean previous) {
        ServerOptions.Builder options = ServerOptions.builder()
                .demo(true)
                .nodeName((previous ? "previous-" : "current-") + i)
                .clusterName(cluster)
                .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(1).withHazelcast(ports[i], null));
        for (int port : ports) {
            options.clusterMember("127.0.0.1:" + port);
        }
        ClusterSchema schema = previous ? ClusterSchema.current().replacing(PREVIOUS_TICKET) : ClusterSchema.current();
        HazelcastInstance hz = HazelcastFactory.create(options.build(), schema);
        members.add(hz);
        int expected = (int) members.stream()
                .filter(m -> m.getLifecycleService().isRunning())
                .count();
        Await.until(
                "the cluster has " + expected + " members",
                Duration.ofSeconds(60),
                () -> hz.getCluster().getMembers().size() == expected);
        return hz;
    }

    private QueueService queue(HazelcastInstance hz) {
        return new QueueService(hz, () -> data, Clock.systemUTC());
    }

    private static Member owner(HazelcastInstance hz, String ticketId) {
        return hz.getPartitionService().getPartition(ticketId).getOwner();
    }

    private static void awaitSafe(HazelcastInstance hz) {
        Await.until(
                "the cluster is safe (every backup in place)", Duration.ofSeconds(60), () -> hz.getPartitionService()
                        .isClusterSafe());
    }

    @Test
    void membersOfThePreviousAndThisBuildShareTheClusterAndThePreviousAreReplaced() {
        HazelcastInstance previous1 = start(0, true);
        HazelcastInstance previous2 = start(1, true);
        QueueService onPrevious = queue(previous1);
        List<String> issuedBefore = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            issuedBefore.add(onPrevious
                    .join(MATTER, HALL, null, "老" + i, "13812345678", "conn-old-" + i)
                    .ticket()
                    .ticketId());
        }

        // This build's member joins: it reads the previous build's tickets, with defaults for what they lack.
        HazelcastInstance current1 = start(2, false);
        QueueService onCurrent = queue(current1);
        awaitSafe(current1);
        for (String id : issuedBefore) {
            TicketRecord t = onCurrent.ticket(id).orElseThrow();
            assertThat(t.name()).startsWith("老");
            assertThat(t.status()).isEqualTo(TicketStatus.WAITING);
            assertThat(t.number()).startsWith("T");
            assertThat(t.language()).isNull();
            assertThat(t.version()).isEqualTo(1);
        }

        // Tickets issued through this build carry its new fields; the previous build reads the fields it knows.
        Map<String, Member> owners = new HashMap<>();
        List<String> issuedByCurrent = new ArrayList<>();
        for (int i = 0; issuedByCurrent.size() < 60 && !everyMemberOwnsThree(owners, current1); i++) {
            QueueService.Joined j = onCurrent.join(MATTER, HALL, null, "新" + i, "13912345678", "conn-new-" + i);
            assertThat(j.ticket().language()).isNotNull();
            issuedByCurrent.add(j.ticket().ticketId());
            owners.put(j.ticket().ticketId(), owner(current1, j.ticket().ticketId()));
        }
        assertThat(everyMemberOwnsThree(owners, current1))
                .as("tickets on every member's partitions")
                .isTrue();
        for (String id : issuedByCurrent) {
            TicketRecord seenByPrevious = onPrevious.ticket(id).orElseThrow();
            TicketRecord seenByCurrent = onCurrent.ticket(id).orElseThrow();
            assertThat(seenByPrevious.name()).isEqualTo(seenByCurrent.name()).startsWith("新");
            assertThat(seenByPrevious.number()).isEqualTo(seenByCurrent.number());
            assertThat(seenByPrevious.resumeHash()).isEqualTo(seenByCurrent.resumeHash());
            assertThat(seenByCurrent.language()).isNotNull();
            assertThat(seenByPrevious.language()).isNull();
        }

        // Entry processors sent by either build run on owners of either build: clerks signed in through
        // each build take tickets owned by each member (reserve, claim, session start), then end them.
        Member previous1Member = previous1.getCluster().getLocalMember();
        Member previous2Member = previous2.getCluster().getLocalMember();
        Member current1Member = current1.getCluster().getLocalMember();
        int clerk = 0;
        List<String> taken = new ArrayList<>();
        for (Member m : List.of(previous1Member, previous2Member, current1Member)) {
            List<String> ownedByM = issuedByCurrent.stream()
                    .filter(id -> owners.get(id).equals(m))
                    .toList();
            boolean ownerIsCurrent = m.equals(current1Member);
            for (int round = 0; round < 2; round++) {
                QueueService through = round == 0 ? onPrevious : onCurrent;
                QueueService other = round == 0 ? onCurrent : onPrevious;
                String ticketId = ownedByM.get(round);
                String clerkId = "clerk" + clerk++;
                String conn = "conn-" + clerkId;
                through.clerkSignedIn(clerkId, conn);
                through.setStatus(clerkId, conn, ClerkStatus.AVAILABLE);
                QueueService.Taken t = through.take(clerkId, conn, ticketId);
                assertThat(t.ticket().ticketId()).isEqualTo(ticketId);
                assertThat(t.ticket().status()).isEqualTo(TicketStatus.IN_SESSION);
                assertThat(other.ticket(ticketId).orElseThrow().status()).isEqualTo(TicketStatus.IN_SESSION);
                // A change made on this build's member keeps the version counting; one made on the previous
                // build's member writes the previous schema, which has no version (docs/cluster.md: a new
                // field must be one whose default is acceptable while older members still change entries).
                assertThat(onCurrent.ticket(ticketId).orElseThrow().version()).isEqualTo(ownerIsCurrent ? 2 : 1);
                SessionRecord ended = other.clerkHangup(clerkId, t.session().sessionId(), Outcome.COMPLETED, null);
                assertThat(ended.state()).isEqualTo(SessionState.CLOSED);
                assertThat(ended.version()).isEqualTo(2);
                assertThat(onPrevious.ticket(ticketId).orElseThrow().status()).isEqualTo(TicketStatus.DONE);
                assertThat(onCurrent.ticket(ticketId).orElseThrow().status()).isEqualTo(TicketStatus.DONE);
                taken.add(ticketId);
            }
        }

        // Why the server never uses replace(key, old, new): it compares serialized bytes, so it fails on an
        // entry another build's member wrote, even when nothing changed.
        IMap<String, TicketRecord> ticketsOnCurrent = current1.getMap("tongban.tickets");
        String oldOne = issuedBefore.get(0);
        TicketRecord read = ticketsOnCurrent.get(oldOne);
        assertThat(ticketsOnCurrent.replace(oldOne, read, read)).isFalse();
        String newOne = issuedByCurrent.stream()
                .filter(id -> !taken.contains(id))
                .findFirst()
                .orElseThrow();
        TicketRecord readNew = ticketsOnCurrent.get(newOne);
        assertThat(ticketsOnCurrent.replace(newOne, readNew, readNew)).isTrue();

        // The upgrade: the previous build's members are replaced by this build's, one at a time. One leaves
        // as an operator stops it (its partitions move first), the other dies (its backups take over).
        Map<String, TicketStatus> expected = new HashMap<>();
        List<String> all = new ArrayList<>(issuedBefore);
        all.addAll(issuedByCurrent);
        for (String id : all) {
            expected.put(id, onCurrent.ticket(id).orElseThrow().status());
        }
        previous1.shutdown();
        HazelcastInstance current2 = start(3, false);
        awaitSafe(current2);
        previous2.getLifecycleService().terminate();
        Await.until(
                "two members left",
                Duration.ofSeconds(60),
                () -> current1.getCluster().getMembers().size() == 2);
        for (QueueService q : List.of(onCurrent, queue(current2))) {
            for (Map.Entry<String, TicketStatus> e : expected.entrySet()) {
                assertThat(q.ticket(e.getKey()))
                        .as("ticket %s after the upgrade", e.getKey())
                        .hasValueSatisfying(t -> assertThat(t.status()).isEqualTo(e.getValue()));
            }
        }
        // Tickets the previous build wrote are still served by this build's members alone.
        String last = "clerk" + clerk;
        onCurrent.clerkSignedIn(last, "conn-last");
        onCurrent.setStatus(last, "conn-last", ClerkStatus.AVAILABLE);
        QueueService.Taken served = onCurrent.take(last, "conn-last", oldOne);
        assertThat(served.ticket().name()).isEqualTo("老0");
        assertThat(served.ticket().version()).isEqualTo(2);
    }

    /**
     * Whether the previous build's two members and this build's first own at least three tickets each (two
     * to take, one left waiting).
     */
    private boolean everyMemberOwnsThree(Map<String, Member> owners, HazelcastInstance any) {
        return any.getCluster().getMembers().stream()
                .allMatch(m -> owners.values().stream().filter(m::equals).count() >= 3);
    }
}
