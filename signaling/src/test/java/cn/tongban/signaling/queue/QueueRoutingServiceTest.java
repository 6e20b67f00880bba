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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Routing through the real pairing engine (a single Hazelcast member): join validation, overflow takes,
 * timed wrap-up, owed outcomes that expire, transfers and priority checks. Halls, clerks and agreements
 * are those of {@link RoutingTest}, with a 60 s wrap-up.
 */
class QueueRoutingServiceTest {
    private static final ReferenceData DATA = ReferenceDataStore.fromYaml(
            RoutingTest.YAML.replace("wrapUpSeconds: 0", "wrapUpSeconds: 60\n  outcomeGraceMinutes: 30"));
    private static HazelcastInstance hz;

    private MutableClock clock;
    private QueueService queue;
    private int conn;

    @BeforeAll
    static void startMember() {
        hz = HazelcastFactory.create(ServerOptions.builder()
                .demo(true)
                .nodeName("routing-test")
                .clusterName("routing-test-" + ProcessHandle.current().pid())
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
        queue = new QueueService(hz, () -> DATA, clock);
    }

    private QueueService.Joined join(String hall, String matter, String language, String group) {
        clock.advance(1000);
        return queue.join(
                new QueueService.JoinRequest(matter, hall, null, "张秀英", "13812345678", language, group, null, 0),
                "applicant-" + (++conn));
    }

    private QueueService.Joined join(String hall, String matter) {
        return join(hall, matter, null, null);
    }

    private void signIn(String clerkId) {
        queue.clerkSignedIn(clerkId, "conn-" + clerkId);
        queue.setStatus(clerkId, "conn-" + clerkId, ClerkStatus.AVAILABLE);
    }

    private QueueService.Taken take(String clerkId, String ticketId) {
        return queue.take(clerkId, "conn-" + clerkId, ticketId);
    }

    private static ErrorCode code(Executable call) {
        return catchThrowableOfType(ProtocolException.class, call::execute).code();
    }

    @Test
    void joinRefusesUnknownLanguagesForgedGroupsAndLanguagesNobodyServes() {
        assertThat(code(() -> join("hall-a", "m", "klingon", null))).isEqualTo(ErrorCode.UNKNOWN_LANGUAGE);
        assertThat(code(() -> join("hall-a", "m", null, "vip"))).isEqualTo(ErrorCode.UNKNOWN_PRIORITY_GROUP);
        // English is a known language, but no clerk for m at hall-a (or its partner hall-b) speaks it.
        assertThat(code(() -> join("hall-a", "m", "english", null))).isEqualTo(ErrorCode.LANGUAGE_NOT_OFFERED);
        // Shanghainese is spoken by a1 at hall-a, but by nobody at hall-c, which has no partner.
        assertThat(join("hall-a", "m", "shanghainese", "elderly").ticket().language())
                .isEqualTo("shanghainese");
        assertThat(code(() -> join("hall-c", "m", "shanghainese", null))).isEqualTo(ErrorCode.LANGUAGE_NOT_OFFERED);
        // Without a language the default is recorded.
        assertThat(join("hall-a", "m").ticket().language()).isEqualTo("mandarin");
        assertThat(queue.view().totalWaiting()).isEqualTo(2);
    }

    @Test
    void aPartnerClerkTakesOverflowOnlyWithAnAgreementAndAboveTheThreshold() {
        signIn("a1");
        signIn("a2");
        signIn("b1");
        signIn("c1");
        QueueService.Joined first = join("hall-a", "m");
        // hall-a has two idle clerks: a new arrival would not wait, under the 10-minute threshold.
        assertThat(queue.view().expectedWaitSeconds("hall-a", "m")).isZero();
        assertThat(code(() -> take("b1", first.ticket().ticketId()))).isEqualTo(ErrorCode.OVERFLOW_CLOSED);
        assertThat(code(() -> take("b1", null))).isEqualTo(ErrorCode.QUEUE_EMPTY);
        // hall-c has no agreement with hall-a.
        assertThat(code(() -> take("c1", first.ticket().ticketId()))).isEqualTo(ErrorCode.NO_AGREEMENT);
        // The failed takes left the clerks available.
        assertThat(queue.presence("b1").orElseThrow().status()).isEqualTo(ClerkStatus.AVAILABLE);

        take("a1", null);
        join("hall-a", "m");
        take("a2", null);
        join("hall-a", "m");
        join("hall-a", "m");
        // Both busy, 2 waiting: a new arrival needs 3 departures at 2 per (600 s service + 60 s wrap-up).
        assertThat(queue.view().expectedWaitSeconds("hall-a", "m")).isEqualTo(990);
        QueueService.Taken helped = take("b1", null);
        assertThat(helped.overflow()).isTrue();
        assertThat(helped.ticket().hallId()).isEqualTo("hall-a");
        assertThat(code(() -> take("c1", null))).isEqualTo(ErrorCode.QUEUE_EMPTY);
    }

    @Test
    void wrapUpIsTimedAndCanBeEndedEarly() {
        signIn("a2");
        join("hall-a", "m");
        join("hall-a", "m");
        QueueService.Taken t = take("a2", null);
        clock.advance(300_000);
        queue.clerkHangup("a2", t.session().sessionId(), Outcome.COMPLETED, null);
        assertThat(queue.presence("a2").orElseThrow().status()).isEqualTo(ClerkStatus.WRAP_UP);
        assertThat(code(() -> take("a2", null))).isEqualTo(ErrorCode.WRONG_STATE);
        clock.advance(59_000);
        assertThat(queue.sweep().wrapUpEnded()).isEmpty();
        clock.advance(2_000);
        // Time is up: the clerk counts as available at once (a take succeeds) and the sweep says so.
        assertThat(queue.view().clerks())
                .extracting(QueueView.ClerkState::status)
                .containsExactly(ClerkStatus.AVAILABLE);
        assertThat(queue.sweep().wrapUpEnded())
                .extracting(ClerkPresence::clerkId)
                .containsExactly("a2");
        assertThat(queue.presence("a2").orElseThrow().status()).isEqualTo(ClerkStatus.AVAILABLE);
        QueueService.Taken second = take("a2", null);
        queue.clerkHangup("a2", second.session().sessionId(), Outcome.COMPLETED, null);
        // Choosing a status ends the wrap-up early; away stays away.
        assertThat(queue.setStatus("a2", "conn-a2", ClerkStatus.AWAY).status()).isEqualTo(ClerkStatus.AWAY);
        clock.advance(120_000);
        assertThat(queue.sweep().wrapUpEnded()).isEmpty();
        assertThat(queue.presence("a2").orElseThrow().status()).isEqualTo(ClerkStatus.AWAY);
        assertThat(queue.serviceSeconds().get("m")).isEqualTo(300.0);
    }

    @Test
    void anOutcomeOwedByAClerkWhoNeverComesBackExpires() {
        signIn("a2");
        QueueService.Joined a = join("hall-a", "m");
        String sid = take("a2", null).session().sessionId();
        queue.applicantHangup(a.ticket().ticketId(), a.ticket().connId(), sid);
        queue.clerkDisconnected("a2", "conn-a2");
        clock.advance(29 * 60_000);
        assertThat(queue.sweep().outcomeExpired()).isEmpty();
        clock.advance(2 * 60_000);
        QueueService.Sweep sweep = queue.sweep();
        assertThat(sweep.outcomeExpired()).extracting(SessionRecord::sessionId).containsExactly(sid);
        assertThat(queue.session(sid).orElseThrow().state()).isEqualTo(SessionState.ABORTED);
        // Signing in again owes nothing any more.
        assertThat(queue.clerkSignedIn("a2", "conn-a2b").presence().status()).isEqualTo(ClerkStatus.AWAY);
    }

    @Test
    void anOutcomeOwedByAClerkWhoIsStillHereDoesNotExpire() {
        signIn("a2");
        QueueService.Joined a = join("hall-a", "m");
        String sid = take("a2", null).session().sessionId();
        queue.applicantHangup(a.ticket().ticketId(), a.ticket().connId(), sid);
        clock.advance(3_600_000);
        assertThat(queue.sweep().outcomeExpired()).isEmpty();
        assertThat(queue.session(sid).orElseThrow().state()).isEqualTo(SessionState.WRAP_UP);
    }

    @Test
    void transferToANamedClerk() {
        signIn("a1");
        join("hall-a", "m", "shanghainese", null);
        String shanghaiSid = take("a1", null).session().sessionId();
        signIn("a2");
        // a2 does not speak Shanghainese.
        assertThat(code(() -> queue.transferToClerk("a1", shanghaiSid, "a2"))).isEqualTo(ErrorCode.NOT_QUALIFIED);
        queue.clerkHangup("a1", shanghaiSid, Outcome.COMPLETED, null);
        queue.setStatus("a1", "conn-a1", ClerkStatus.AVAILABLE);

        QueueService.Joined plain = join("hall-a", "m");
        String sid = take("a1", null).session().sessionId();
        signIn("c1");
        assertThat(code(() -> queue.transferToClerk("a1", sid, "c1"))).isEqualTo(ErrorCode.NO_AGREEMENT);
        assertThat(code(() -> queue.transferToClerk("a1", sid, "b1"))).isEqualTo(ErrorCode.CLERK_UNAVAILABLE);
        assertThat(code(() -> queue.transferToClerk("a1", sid, "nobody"))).isEqualTo(ErrorCode.CLERK_UNAVAILABLE);
        assertThat(code(() -> queue.transferToClerk("a2", sid, "a1"))).isEqualTo(ErrorCode.NOT_IN_SESSION);
        take("a2", join("hall-a", "m").ticket().ticketId());
        assertThat(code(() -> queue.transferToClerk("a1", sid, "a2"))).isEqualTo(ErrorCode.CLERK_UNAVAILABLE);
        // Nothing changed so far.
        assertThat(queue.session(sid).orElseThrow().state()).isEqualTo(SessionState.ACTIVE);

        // To a partner hall's clerk: the agreement covers m, and a deliberate transfer needs no overflow.
        signIn("b1");
        QueueService.Transferred moved = queue.transferToClerk("a1", sid, "b1");
        assertThat(moved.ended().state()).isEqualTo(SessionState.CLOSED);
        assertThat(moved.ended().endReason()).isEqualTo("transferred");
        assertThat(moved.ended().outcome()).isNull();
        assertThat(moved.next().clerkId()).isEqualTo("b1");
        assertThat(moved.next().clerkConnId()).isEqualTo("conn-b1");
        assertThat(moved.next().state()).isEqualTo(SessionState.ACTIVE);
        assertThat(moved.ticket().ticketId()).isEqualTo(plain.ticket().ticketId());
        assertThat(moved.ticket().sessionId()).isEqualTo(moved.next().sessionId());
        assertThat(moved.ticket().clerkId()).isEqualTo("b1");
        assertThat(queue.presence("b1").orElseThrow().status()).isEqualTo(ClerkStatus.BUSY);
        assertThat(queue.presence("a1").orElseThrow().status()).isEqualTo(ClerkStatus.WRAP_UP);
        // The old session is over for good.
        assertThat(code(() -> queue.transferToClerk("a1", sid, "a2"))).isEqualTo(ErrorCode.WRONG_STATE);
        // The applicant's hang-up now ends the new session.
        SessionRecord ended = queue.applicantHangup(
                plain.ticket().ticketId(), plain.ticket().connId(), moved.next().sessionId());
        assertThat(ended.clerkId()).isEqualTo("b1");
    }

    @Test
    void transferBackToTheHeadOfAQueue() {
        signIn("a2");
        join("hall-a", "m");
        QueueService.Joined waiting = join("hall-a", "m");
        String sid = take("a2", null).session().sessionId();
        assertThat(code(() -> queue.transferToQueue("a2", sid, "nowhere"))).isEqualTo(ErrorCode.UNKNOWN_HALL);
        QueueService.Transferred back = queue.transferToQueue("a2", sid, "hall-b");
        assertThat(back.next()).isNull();
        assertThat(back.ticket().status()).isEqualTo(TicketStatus.WAITING);
        assertThat(back.ticket().hallId()).isEqualTo("hall-b");
        assertThat(back.ticket().returned()).isTrue();
        QueueView view = queue.view();
        assertThat(view.place(back.ticket().ticketId()).position()).isEqualTo(1);
        assertThat(view.place(waiting.ticket().ticketId()).position()).isEqualTo(1);
        signIn("b1");
        assertThat(take("b1", null).ticket().ticketId()).isEqualTo(back.ticket().ticketId());
    }

    @Test
    void transferToAHallThatDoesNotOwnTheMatterIsRefused() {
        signIn("a1");
        join("hall-a", "n");
        String sid = take("a1", null).session().sessionId();
        assertThat(code(() -> queue.transferToQueue("a1", sid, "hall-c"))).isEqualTo(ErrorCode.UNKNOWN_MATTER);
        assertThat(queue.session(sid).orElseThrow().state()).isEqualTo(SessionState.ACTIVE);
    }

    @Test
    void theClerkChecksAPriorityClaimOnce() {
        signIn("a2");
        join("hall-a", "m", null, "elderly");
        join("hall-a", "m");
        QueueService.Taken claimed = take("a2", null);
        assertThat(claimed.ticket().priorityGroup()).isEqualTo("elderly");
        TicketRecord checked = queue.checkPriority("a2", claimed.session().sessionId(), false);
        assertThat(checked.priorityVerdict()).isEqualTo("rejected");
        assertThat(code(() -> queue.checkPriority("a2", claimed.session().sessionId(), true)))
                .isEqualTo(ErrorCode.WRONG_STATE);
        queue.clerkHangup("a2", claimed.session().sessionId(), Outcome.COMPLETED, null);
        queue.setStatus("a2", "conn-a2", ClerkStatus.AVAILABLE);
        QueueService.Taken plain = take("a2", null);
        assertThat(code(() -> queue.checkPriority("a2", plain.session().sessionId(), true)))
                .isEqualTo(ErrorCode.WRONG_STATE);
        assertThat(code(() -> queue.checkPriority("b1", plain.session().sessionId(), true)))
                .isEqualTo(ErrorCode.NOT_IN_SESSION);
    }
}
