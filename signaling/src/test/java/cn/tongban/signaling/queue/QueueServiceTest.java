package cn.tongban.signaling.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.testkit.MutableClock;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pairing engine against a real (single-member) Hazelcast. */
class QueueServiceTest {
    private static final String HALL = "test-hall";
    private static final String MATTER = "test-matter";
    private static final String OTHER = "other-matter";
    private static final int CLERKS = 10;

    private static HazelcastInstance hz;
    private static ReferenceData data;

    private MutableClock clock;
    private QueueService queue;

    @BeforeAll
    static void startMember(@TempDir Path dir) throws Exception {
        StringBuilder yaml = new StringBuilder(
                """
                routing: {wrapUpSeconds: 0}
                halls:
                  - {id: test-hall, name: 测试大厅}
                  - {id: far-hall, name: 远方大厅}
                matters:
                  - {id: test-matter, name: 测试事项, ticketPrefix: T, serviceMinutes: 10, owningHalls: [test-hall], materials: []}
                  - {id: other-matter, name: 其他事项, ticketPrefix: O, serviceMinutes: 5, owningHalls: [test-hall, far-hall], materials: []}
                clerks:
                  list:
                    - {id: only-other, name: 其他, hallId: test-hall, matters: [other-matter]}
                    - {id: far, name: 远方, hallId: far-hall, matters: [other-matter]}
                """);
        for (int i = 0; i < CLERKS; i++) {
            yaml.append("    - {id: clerk")
                    .append(i)
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: test-hall, matters: [test-matter, other-matter]}\n");
        }
        Files.writeString(dir.resolve("refdata.yaml"), yaml);
        data = ReferenceDataStore.open(dir, true).current();
        hz = HazelcastFactory.create(ServerOptions.builder()
                .demo(true)
                .nodeName("queue-test")
                .clusterName("queue-test-" + ProcessHandle.current().pid())
                .build());
    }

    @AfterAll
    static void stopMember() {
        hz.shutdown();
    }

    @BeforeEach
    void freshState() {
        hz.getDistributedObjects().forEach(DistributedObject::destroy);
        clock = new MutableClock();
        queue = new QueueService(hz, () -> data, clock);
    }

    private QueueService.Joined join(String matter, String conn) {
        clock.advance(1);
        return queue.join(matter, HALL, null, "张秀英", "13812345678", conn);
    }

    private void signIn(String clerkId) {
        queue.clerkSignedIn(clerkId, "conn-" + clerkId);
        queue.setStatus(clerkId, "conn-" + clerkId, ClerkStatus.AVAILABLE);
    }

    @Test
    void servesFifoWithinTheQueueAndNumbersTickets() {
        QueueService.Joined a = join(MATTER, "a");
        QueueService.Joined b = join(MATTER, "b");
        QueueService.Joined c = join(MATTER, "c");
        assertThat(List.of(a.ticket().number(), b.ticket().number(), c.ticket().number()))
                .containsExactly("T001", "T002", "T003");
        signIn("clerk0");
        signIn("clerk1");
        assertThat(queue.take("clerk0", "conn-clerk0", null).ticket().ticketId())
                .isEqualTo(a.ticket().ticketId());
        assertThat(queue.take("clerk1", "conn-clerk1", null).ticket().ticketId())
                .isEqualTo(b.ticket().ticketId());
        QueueView view = queue.view();
        assertThat(view.place(c.ticket().ticketId()).position()).isEqualTo(1);
        assertThat(view.place(a.ticket().ticketId())).isNull();
    }

    @Test
    void clerksOnlyGetTicketsTheyAreQualifiedFor() {
        QueueService.Joined t = join(MATTER, "a");
        signIn("only-other");
        ProtocolException none =
                catchThrowableOfType(ProtocolException.class, () -> queue.take("only-other", "conn-only-other", null));
        assertThat(none.code()).isEqualTo(ErrorCode.QUEUE_EMPTY);
        ProtocolException named = catchThrowableOfType(
                ProtocolException.class,
                () -> queue.take("only-other", "conn-only-other", t.ticket().ticketId()));
        assertThat(named.code()).isEqualTo(ErrorCode.NOT_QUALIFIED);
        // The failed takes left the clerk available and the ticket waiting.
        assertThat(queue.presence("only-other").orElseThrow().status()).isEqualTo(ClerkStatus.AVAILABLE);
        assertThat(queue.ticket(t.ticket().ticketId()).orElseThrow().status()).isEqualTo(TicketStatus.WAITING);
        // A clerk of another hall does not see tickets of this hall, even for a matter both halls own.
        join(OTHER, "b");
        signIn("far");
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.take("far", "conn-far", null))
                        .code())
                .isEqualTo(ErrorCode.QUEUE_EMPTY);
    }

    @Test
    void awayOrBusyClerksCannotTake() {
        join(MATTER, "a");
        join(MATTER, "b");
        queue.clerkSignedIn("clerk0", "conn-clerk0");
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.take("clerk0", "conn-clerk0", null))
                        .code())
                .isEqualTo(ErrorCode.WRONG_STATE);
        queue.setStatus("clerk0", "conn-clerk0", ClerkStatus.AVAILABLE);
        queue.take("clerk0", "conn-clerk0", null);
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.take("clerk0", "conn-clerk0", null))
                        .code())
                .isEqualTo(ErrorCode.WRONG_STATE);
        // A stale connection of the clerk cannot act for them.
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.take("clerk0", "old-conn", null))
                        .code())
                .isEqualTo(ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void concurrentTakesNeverGiveATicketToTwoClerks() throws Exception {
        int tickets = 120;
        Set<String> issued = new HashSet<>();
        for (int i = 0; i < tickets; i++) {
            issued.add(join(MATTER, "applicant-" + i).ticket().ticketId());
        }
        for (int i = 0; i < CLERKS; i++) {
            signIn("clerk" + i);
        }
        ConcurrentLinkedQueue<String> taken = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLERKS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < CLERKS; i++) {
            String clerk = "clerk" + i;
            futures.add(pool.submit(() -> {
                go.await();
                while (true) {
                    QueueService.Taken t;
                    try {
                        t = queue.take(clerk, "conn-" + clerk, null);
                    } catch (ProtocolException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_EMPTY);
                        return null;
                    }
                    taken.add(t.ticket().ticketId());
                    queue.clerkHangup(clerk, t.session().sessionId(), Outcome.COMPLETED, null);
                }
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(taken).doesNotHaveDuplicates().hasSize(tickets);
        assertThat(new HashSet<>(taken)).isEqualTo(issued);
    }

    @Test
    void racingForOneNamedTicketHasExactlyOneWinner() throws Exception {
        String ticketId = join(MATTER, "a").ticket().ticketId();
        for (int i = 0; i < CLERKS; i++) {
            signIn("clerk" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLERKS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ErrorCode>> results = new ArrayList<>();
        for (int i = 0; i < CLERKS; i++) {
            String clerk = "clerk" + i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    queue.take(clerk, "conn-" + clerk, ticketId);
                    return null;
                } catch (ProtocolException e) {
                    return e.code();
                }
            }));
        }
        go.countDown();
        List<ErrorCode> codes = new ArrayList<>();
        for (Future<ErrorCode> f : results) {
            codes.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(codes.stream().filter(c -> c == null).count()).isEqualTo(1);
        assertThat(codes.stream().filter(c -> c != null)).allMatch(c -> c == ErrorCode.TICKET_TAKEN);
        // Every loser is free again.
        long available = 0;
        for (int i = 0; i < CLERKS; i++) {
            if (queue.presence("clerk" + i).orElseThrow().status() == ClerkStatus.AVAILABLE) {
                available++;
            }
        }
        assertThat(available).isEqualTo(CLERKS - 1);
    }

    @Test
    void aLostClerkSendsTheApplicantBackToTheHeadOfTheQueue() {
        QueueService.Joined a = join(MATTER, "a");
        QueueService.Joined b = join(MATTER, "b");
        signIn("clerk0");
        QueueService.Taken taken = queue.take("clerk0", "conn-clerk0", null);
        assertThat(taken.ticket().ticketId()).isEqualTo(a.ticket().ticketId());
        QueueService.Joined c = join(MATTER, "c");

        QueueService.ClerkLost lost =
                queue.clerkDisconnected("clerk0", "conn-clerk0").orElseThrow();
        assertThat(lost.session().state()).isEqualTo(SessionState.ABORTED);
        assertThat(lost.ticket().returned()).isTrue();
        assertThat(queue.presence("clerk0")).isEmpty();

        QueueView view = queue.view();
        assertThat(view.place(a.ticket().ticketId()).position()).isEqualTo(1);
        assertThat(view.place(b.ticket().ticketId()).position()).isEqualTo(2);
        assertThat(view.place(c.ticket().ticketId()).position()).isEqualTo(3);
        signIn("clerk1");
        assertThat(queue.take("clerk1", "conn-clerk1", null).ticket().ticketId())
                .isEqualTo(a.ticket().ticketId());
    }

    @Test
    void disconnectedApplicantsKeepTheirPlaceButAreSkippedThenExpire() {
        QueueService.Joined a = join(MATTER, "a");
        QueueService.Joined b = join(MATTER, "b");
        queue.applicantDisconnected(a.ticket().ticketId(), "a");
        assertThat(queue.view().place(a.ticket().ticketId()).position()).isEqualTo(1);
        signIn("clerk0");
        assertThat(queue.take("clerk0", "conn-clerk0", null).ticket().ticketId())
                .isEqualTo(b.ticket().ticketId());

        clock.advance(QueueService.RESUME_GRACE_MS + 1);
        QueueService.Sweep sweep = queue.sweep();
        assertThat(sweep.expiredWaiting())
                .extracting(TicketRecord::ticketId)
                .containsExactly(a.ticket().ticketId());
        assertThat(queue.ticket(a.ticket().ticketId()).orElseThrow().status()).isEqualTo(TicketStatus.EXPIRED);
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.resume(a.resumeToken(), "a2"))
                        .code())
                .isEqualTo(ErrorCode.RESUME_INVALID);
    }

    @Test
    void resumeRotatesTheTokenAndRefusesReplayAndForgery() {
        QueueService.Joined a = join(MATTER, "a");
        queue.applicantDisconnected(a.ticket().ticketId(), "a");
        clock.advance(30_000);
        QueueService.Resumed r = queue.resume(a.resumeToken(), "a2");
        assertThat(r.ticket().connId()).isEqualTo("a2");
        assertThat(r.ticket().disconnectedAt()).isZero();
        assertThat(r.resumeToken()).isNotEqualTo(a.resumeToken());
        assertThat(r.supersededConnId()).isNull();
        // The old token is spent; a made-up one never worked.
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.resume(a.resumeToken(), "a3"))
                        .code())
                .isEqualTo(ErrorCode.RESUME_INVALID);
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.resume("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "a3"))
                        .code())
                .isEqualTo(ErrorCode.RESUME_INVALID);
        // Resuming from a second tab while the first is still connected supersedes the first.
        QueueService.Resumed again = queue.resume(r.resumeToken(), "a3");
        assertThat(again.supersededConnId()).isEqualTo("a2");
    }

    @Test
    void anApplicantLostMidSessionPutsTheClerkInWrapUpAfterTheGracePeriod() {
        QueueService.Joined a = join(MATTER, "a");
        signIn("clerk0");
        QueueService.Taken t = queue.take("clerk0", "conn-clerk0", null);
        queue.applicantDisconnected(a.ticket().ticketId(), "a");
        clock.advance(QueueService.RESUME_GRACE_MS / 2);
        assertThat(queue.sweep().applicantLost()).isEmpty();
        // Coming back within the grace period restores the session.
        QueueService.Resumed r = queue.resume(a.resumeToken(), "a2");
        assertThat(r.session().sessionId()).isEqualTo(t.session().sessionId());

        queue.applicantDisconnected(a.ticket().ticketId(), "a2");
        clock.advance(QueueService.RESUME_GRACE_MS + 1);
        QueueService.Sweep sweep = queue.sweep();
        assertThat(sweep.applicantLost()).extracting(SessionRecord::state).containsExactly(SessionState.WRAP_UP);
        assertThat(queue.presence("clerk0").orElseThrow().status()).isEqualTo(ClerkStatus.WRAP_UP);
        SessionRecord closed = queue.recordOutcome("clerk0", t.session().sessionId(), Outcome.ABSENT, null);
        assertThat(closed.state()).isEqualTo(SessionState.CLOSED);
        assertThat(queue.presence("clerk0").orElseThrow().status()).isEqualTo(ClerkStatus.AVAILABLE);
    }

    @Test
    void aClerkLostDuringWrapUpStillOwesTheOutcomeAfterSigningInAgain() {
        QueueService.Joined a = join(MATTER, "a");
        signIn("clerk0");
        String sid = queue.take("clerk0", "conn-clerk0", null).session().sessionId();
        queue.applicantHangup(a.ticket().ticketId(), "a", sid);
        QueueService.ClerkLost lost =
                queue.clerkDisconnected("clerk0", "conn-clerk0").orElseThrow();
        assertThat(lost.ticket()).isNull();
        assertThat(queue.session(sid).orElseThrow().state()).isEqualTo(SessionState.WRAP_UP);

        QueueService.SignedIn back = queue.clerkSignedIn("clerk0", "conn-clerk0-b");
        assertThat(back.presence().status()).isEqualTo(ClerkStatus.WRAP_UP);
        assertThat(back.presence().sessionId()).isEqualTo(sid);
        // Not available for a new ticket until the outcome is recorded.
        join(MATTER, "b");
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.take("clerk0", "conn-clerk0-b", null))
                        .code())
                .isEqualTo(ErrorCode.WRONG_STATE);
        assertThat(queue.recordOutcome("clerk0", sid, Outcome.FOLLOW_UP, null).state())
                .isEqualTo(SessionState.CLOSED);
        assertThat(queue.presence("clerk0").orElseThrow().status()).isEqualTo(ClerkStatus.AWAY);
    }

    @Test
    void hangupsMoveBothSidesToTheRightState() {
        QueueService.Joined a = join(MATTER, "a");
        signIn("clerk0");
        QueueService.Taken t = queue.take("clerk0", "conn-clerk0", null);
        String sid = t.session().sessionId();
        // The outcome cannot be recorded while the session is still running.
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.recordOutcome("clerk0", sid, Outcome.COMPLETED, null))
                        .code())
                .isEqualTo(ErrorCode.WRONG_STATE);
        // Another applicant connection cannot hang up this session.
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.applicantHangup(a.ticket().ticketId(), "x", sid))
                        .code())
                .isEqualTo(ErrorCode.NOT_IN_SESSION);
        SessionRecord s = queue.applicantHangup(a.ticket().ticketId(), "a", sid);
        assertThat(s.state()).isEqualTo(SessionState.WRAP_UP);
        assertThat(queue.ticket(a.ticket().ticketId()).orElseThrow().status()).isEqualTo(TicketStatus.DONE);
        assertThat(queue.presence("clerk0").orElseThrow().status()).isEqualTo(ClerkStatus.WRAP_UP);
        clock.advance(600_000);
        queue.recordOutcome("clerk0", sid, Outcome.COMPLETED, "ok");
        assertThat(queue.presence("clerk0").orElseThrow().status()).isEqualTo(ClerkStatus.AVAILABLE);
        assertThat(queue.serviceSeconds()).containsKey(MATTER);
        // Another clerk's outcome for this session is refused.
        signIn("clerk1");
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.clerkHangup("clerk1", sid, Outcome.COMPLETED, null))
                        .code())
                .isEqualTo(ErrorCode.NOT_IN_SESSION);
    }

    @Test
    void aSessionsVersionStartsAtOneAndGrowsWithEveryChange() {
        QueueService.Joined a = join(MATTER, "a");
        signIn("clerk0");
        signIn("clerk1");
        QueueService.Taken t = queue.take("clerk0", "conn-clerk0", null);
        String sid = t.session().sessionId();
        assertThat(t.session().version()).isEqualTo(1);
        assertThat(queue.session(sid).orElseThrow().version()).isEqualTo(1);
        SessionRecord wrapUp = queue.applicantHangup(a.ticket().ticketId(), "a", sid);
        assertThat(wrapUp.version()).isEqualTo(2);
        SessionRecord closed = queue.recordOutcome("clerk0", sid, Outcome.COMPLETED, null);
        assertThat(closed.version()).isEqualTo(3);
        assertThat(queue.session(sid).orElseThrow()).isEqualTo(closed);

        // A transfer closes one session (one more change) and starts another at 1.
        join(MATTER, "b");
        clock.advance(1);
        queue.setStatus("clerk0", "conn-clerk0", ClerkStatus.AVAILABLE);
        String second = queue.take("clerk0", "conn-clerk0", null).session().sessionId();
        QueueService.Transferred moved = queue.transferToClerk("clerk0", second, "clerk1");
        assertThat(moved.ended().version()).isEqualTo(2);
        assertThat(moved.next().version()).isEqualTo(1);
    }

    @Test
    void estimatesWaitFromClerksOnDutyAndServiceTime() {
        QueueService.Joined a = join(MATTER, "a");
        QueueService.Joined b = join(MATTER, "b");
        QueueService.Joined c = join(MATTER, "c");
        assertThat(queue.view().place(a.ticket().ticketId()).etaSeconds()).isNull();
        signIn("clerk0");
        signIn("clerk1");
        QueueView view = queue.view();
        // 10-minute matter, 2 clerks, both idle: max(0, p - 2) * 600 / 2. The clerks also serve
        // other-matter, which has no tickets, so they count fully here.
        assertThat(view.place(a.ticket().ticketId()).etaSeconds()).isZero();
        assertThat(view.place(b.ticket().ticketId()).etaSeconds()).isZero();
        assertThat(view.place(c.ticket().ticketId()).etaSeconds()).isEqualTo(300);
        queue.setStatus("clerk1", "conn-clerk1", ClerkStatus.AWAY);
        // One idle clerk: max(0, p - 1) * 600 / 1.
        assertThat(queue.view().place(c.ticket().ticketId()).etaSeconds()).isEqualTo(1200);
        queue.setStatus("clerk1", "conn-clerk1", ClerkStatus.AVAILABLE);
        queue.take("clerk0", "conn-clerk0", null);
        queue.take("clerk1", "conn-clerk1", null);
        // Both busy: c needs one departure at rate 2 / 600 s.
        assertThat(queue.view().place(c.ticket().ticketId()).etaSeconds()).isEqualTo(300);
        // A ticket for another matter the same clerks serve shares their capacity: (0 + 1) / (1 + 1) each.
        QueueService.Joined o = join(OTHER, "d");
        assertThat(queue.view().place(o.ticket().ticketId()).etaSeconds()).isEqualTo(300);
    }

    @Test
    void leavingCancelsOnlyAWaitingTicketOfThisConnection() {
        QueueService.Joined a = join(MATTER, "a");
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.leave(a.ticket().ticketId(), "other"))
                        .code())
                .isEqualTo(ErrorCode.WRONG_STATE);
        assertThat(queue.leave(a.ticket().ticketId(), "a").status()).isEqualTo(TicketStatus.CANCELLED);
        assertThat(queue.view().totalWaiting()).isZero();
        assertThat(catchThrowableOfType(ProtocolException.class, () -> queue.resume(a.resumeToken(), "a"))
                        .code())
                .isEqualTo(ErrorCode.RESUME_INVALID);
    }

    @Test
    void joinValidatesTheCatalogue() {
        assertThat(catchThrowableOfType(
                                ProtocolException.class, () -> queue.join("nope", HALL, null, "张三", "13812345678", "x"))
                        .code())
                .isEqualTo(ErrorCode.UNKNOWN_MATTER);
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.join(MATTER, "nope", null, "张三", "13812345678", "x"))
                        .code())
                .isEqualTo(ErrorCode.UNKNOWN_HALL);
        assertThat(catchThrowableOfType(
                                ProtocolException.class,
                                () -> queue.join(MATTER, "far-hall", null, "张三", "13812345678", "x"))
                        .code())
                .isEqualTo(ErrorCode.UNKNOWN_MATTER);
    }
}
