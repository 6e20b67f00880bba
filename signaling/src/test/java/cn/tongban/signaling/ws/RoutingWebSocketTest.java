package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Routing over the real server and WebSocket (built-in reference data: languages, priority groups,
 * agreements, slots, supervisor01): join validation, priority checks, transfers, overflow takes, the
 * supervisor's board and the booking API, with what each writes to the audit journal.
 */
@ExtendWith(VertxExtension.class)
class RoutingWebSocketTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String WUJIN = "cz-wujin-bdc";
    private static final String PROPERTY = "property-certificate";

    @RegisterExtension
    static final TestServer IT = TestServer.create("routing-it", b -> b);

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        return IT.http(method, path, body);
    }

    private static String login(String user) throws Exception {
        return IT.login(user);
    }

    private static WsTestClient clerk(Vertx vertx, String user) throws Exception {
        return IT.clerk(vertx, user, true);
    }

    private static WsTestClient applicant(Vertx vertx, String extra) throws Exception {
        return applicant(vertx, PROPERTY, WUJIN, extra);
    }

    private static WsTestClient applicant(Vertx vertx, String matter, String hall, String extra) throws Exception {
        return IT.applicant(vertx, matter, hall, "张秀英", extra);
    }

    private static List<String> actions(String sessionId) {
        return IT.actions(sessionId);
    }

    private static boolean audited(String action, String detail) {
        return IT.server().records().journal().read(0, 100_000).stream()
                .anyMatch(e -> e.action().equals(action) && e.details().contains(detail));
    }

    @Test
    void joinRefusesUnknownLanguagesForgedGroupsAndLanguagesNobodyServes(Vertx vertx) throws Exception {
        try (WsTestClient a = applicant(vertx, ",\"language\":\"klingon\"")) {
            assertThat(a.error().code()).isEqualTo("UNKNOWN_LANGUAGE");
            a.send("{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                    + "\",\"name\":\"张秀英\",\"mobile\":\"13812345678\",\"priorityGroup\":\"vip\"}");
            assertThat(a.error().code()).isEqualTo("UNKNOWN_PRIORITY_GROUP");
            // English is a language of the catalogue, but no Wujin clerk (nor Qingpu, its partner) speaks it.
            a.send("{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                    + "\",\"name\":\"张秀英\",\"mobile\":\"13812345678\",\"language\":\"english\"}");
            assertThat(a.error().code()).isEqualTo("LANGUAGE_NOT_OFFERED");
            a.send("{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                    + "\",\"name\":\"张秀英\",\"mobile\":\"13812345678\",\"appointmentCode\":\"<script>\"}");
            ServerMessage.Error bad = a.error();
            assertThat(bad.code()).isEqualTo("INVALID_FIELD");
            assertThat(bad.message()).startsWith("appointmentCode");
        }
    }

    @Test
    void thePriorityClaimIsShownToTheClerkCheckedOnceAndAudited(Vertx vertx) throws Exception {
        try (WsTestClient a = applicant(
                        vertx, "business-startup", WUJIN, ",\"language\":\"changzhou\",\"priorityGroup\":\"elderly\"");
                WsTestClient clerk = clerk(vertx, "wujin01")) {
            ServerMessage.Ticket t = a.expect(ServerMessage.Ticket.class);
            assertThat(t.language()).isEqualTo("changzhou");
            assertThat(t.priorityGroup()).isEqualTo("elderly");
            ServerMessage.Queue q = clerk.expect(ServerMessage.Queue.class, m -> m.tickets().stream()
                    .anyMatch(e -> e.ticketId().equals(t.ticketId())));
            assertThat(q.tickets().get(0).priorityGroup()).isEqualTo("elderly");
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + t.ticketId() + "\"}");
            ServerMessage.Paired paired = clerk.expect(ServerMessage.Paired.class);
            assertThat(paired.peer().priorityGroup()).isEqualTo("elderly");
            assertThat(paired.peer().language()).isEqualTo("changzhou");
            clerk.send("{\"type\":\"priority\",\"id\":\"p1\",\"sessionId\":\"" + paired.sessionId()
                    + "\",\"verdict\":\"rejected\"}");
            assertThat(clerk.expect(ServerMessage.Pong.class).re()).isEqualTo("p1");
            clerk.send("{\"type\":\"priority\",\"id\":\"p2\",\"sessionId\":\"" + paired.sessionId()
                    + "\",\"verdict\":\"confirmed\"}");
            assertThat(clerk.error().code()).isEqualTo("WRONG_STATE");
            assertThat(actions(paired.sessionId())).contains("session.paired", "priority.rejected");
            assertThat(audited("priority.claimed", t.ticketId())).isTrue();
            // The applicant may not check claims.
            a.send("{\"type\":\"priority\",\"sessionId\":\"" + paired.sessionId() + "\",\"verdict\":\"confirmed\"}");
            assertThat(a.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
        }
    }

    @Test
    void transferToAnotherClerkThenBackToAQueue(Vertx vertx) throws Exception {
        try (WsTestClient a = applicant(vertx, "");
                WsTestClient first = clerk(vertx, "wujin02");
                WsTestClient second = clerk(vertx, "wujin01")) {
            String ticketId = a.expect(ServerMessage.Ticket.class).ticketId();
            first.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = first.expect(ServerMessage.Paired.class).sessionId();
            a.expect(ServerMessage.Paired.class, p -> p.sessionId().equals(sid));

            first.send(
                    "{\"type\":\"transfer\",\"id\":\"x\",\"sessionId\":\"" + sid + "\",\"toClerkId\":\"jiaxing01\"}");
            assertThat(first.error().code()).isEqualTo("NOT_QUALIFIED");
            first.send("{\"type\":\"transfer\",\"id\":\"x\",\"sessionId\":\"" + sid + "\",\"toClerkId\":\"qingpu01\"}");
            assertThat(first.error().code()).isEqualTo("CLERK_UNAVAILABLE");
            first.send("{\"type\":\"transfer\",\"id\":\"x\",\"sessionId\":\"" + sid + "\"}");
            assertThat(first.error().code()).isEqualTo("INVALID_FIELD");

            first.send("{\"type\":\"transfer\",\"id\":\"t1\",\"sessionId\":\"" + sid + "\",\"toClerkId\":\"wujin01\"}");
            ServerMessage.Ended ended = first.expect(ServerMessage.Ended.class);
            assertThat(ended.re()).isEqualTo("t1");
            assertThat(ended.reason()).isEqualTo("transferred");
            assertThat(ended.outcomeRequired()).isFalse();
            assertThat(a.expect(ServerMessage.Transferred.class).toClerkName()).isEqualTo("王丽");
            String sid2 = a.expect(ServerMessage.Paired.class).sessionId();
            assertThat(sid2).isNotEqualTo(sid);
            assertThat(second.expect(ServerMessage.Paired.class).sessionId()).isEqualTo(sid2);

            second.send("{\"type\":\"transfer\",\"id\":\"t2\",\"sessionId\":\"" + sid2
                    + "\",\"toHallId\":\"sh-qingpu-xzfw\"}");
            assertThat(second.expect(ServerMessage.Ended.class).reason()).isEqualTo("transferred");
            assertThat(a.expect(ServerMessage.Transferred.class).toHallId()).isEqualTo("sh-qingpu-xzfw");
            // (Position pushes of the first wait may still be queued: look for the ticket at its new hall.)
            ServerMessage.Ticket back = a.expect(
                    ServerMessage.Ticket.class,
                    t -> t.state() == ServerMessage.TicketState.WAITING && "sh-qingpu-xzfw".equals(t.hallId()));
            assertThat(back.position()).isEqualTo(1);
            assertThat(actions(sid)).contains("session.transferred");
            assertThat(actions(sid2)).contains("session.transferred");
            a.send("{\"type\":\"leave\"}");
            a.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.CANCELLED);
        }
    }

    @Test
    void aPartnerClerkTakesOverflowOnlyWithAnAgreement(Vertx vertx) throws Exception {
        // No Wujin clerk is on duty: Wujin's expected wait is unbounded, so partners may help.
        try (WsTestClient a = applicant(vertx, "business-startup", WUJIN, "");
                WsTestClient far = clerk(vertx, "jiaxing01");
                WsTestClient partner = clerk(vertx, "gulou01")) {
            String ticketId = a.expect(ServerMessage.Ticket.class).ticketId();
            far.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            assertThat(far.error().code()).isEqualTo("NO_AGREEMENT");
            ServerMessage.Queue q = partner.expect(ServerMessage.Queue.class, m -> m.tickets().stream()
                    .anyMatch(e -> e.ticketId().equals(ticketId)));
            assertThat(q.tickets().stream()
                            .filter(e -> e.ticketId().equals(ticketId))
                            .findFirst()
                            .orElseThrow()
                            .overflow())
                    .isTrue();
            partner.send("{\"type\":\"take\"}");
            ServerMessage.Paired paired = partner.expect(ServerMessage.Paired.class);
            assertThat(paired.ticketId()).isEqualTo(ticketId);
            assertThat(actions(paired.sessionId())).contains("queue.overflow_take");
        }
    }

    @Test
    void theSupervisorWatchesEveryQueueLiveAndOthersMayNot(Vertx vertx) throws Exception {
        try (WsTestClient board = WsTestClient.connect(vertx, IT.server().port());
                WsTestClient notSupervisor =
                        WsTestClient.connect(vertx, IT.server().port())) {
            notSupervisor.send("{\"type\":\"watch\",\"id\":\"w\",\"token\":\"" + login("wujin02") + "\"}");
            assertThat(notSupervisor.error().code()).isEqualTo("NOT_SUPERVISOR");

            board.send("{\"type\":\"watch\",\"id\":\"w\",\"token\":\"" + login("supervisor01") + "\"}");
            ServerMessage.Board first = board.expect(ServerMessage.Board.class);
            assertThat(first.re()).isEqualTo("w");
            assertThat(first.queues())
                    .extracting(q -> q.hallId() + "|" + q.matterId())
                    .contains(WUJIN + "|" + PROPERTY, "nj-gulou-zwfw|social-insurance-transfer");
            board.send("{\"type\":\"take\"}");
            assertThat(board.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            board.send("{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                    + "\",\"name\":\"张三\",\"mobile\":\"13812345678\"}");
            assertThat(board.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");

            try (WsTestClient a = applicant(vertx, "social-insurance-transfer", "nj-gulou-zwfw", "");
                    WsTestClient clerk = clerk(vertx, "gulou01")) {
                a.expect(ServerMessage.Ticket.class);
                // One board shows both: the waiting applicant with an available clerk, and that clerk in
                // the clerks' list. (Boards are pushed when something changed; waiting for a second board
                // after the one that already showed both could wait for ever.)
                ServerMessage.Board seen = board.expect(
                        ServerMessage.Board.class,
                        b -> b.queues().stream()
                                        .anyMatch(q -> q.matterId().equals("social-insurance-transfer")
                                                && q.hallId().equals("nj-gulou-zwfw")
                                                && q.waiting() == 1
                                                && q.available() == 1)
                                && b.clerks().stream()
                                        .anyMatch(c -> c.clerkId().equals("gulou01")
                                                && c.status() == ServerMessage.ClerkStatus.AVAILABLE));
                ServerMessage.BoardQueue gulou = seen.queues().stream()
                        .filter(q -> q.matterId().equals("social-insurance-transfer")
                                && q.hallId().equals("nj-gulou-zwfw"))
                        .findFirst()
                        .orElseThrow();
                assertThat(gulou.expectedWaitSeconds()).isNotNull();
                // A working clerk's connection cannot turn into a board.
                clerk.send("{\"type\":\"watch\",\"token\":\"" + login("supervisor01") + "\"}");
                assertThat(clerk.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
                a.send("{\"type\":\"leave\"}");
                a.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.CANCELLED);
            }
            assertThat(audited("supervisor.watch", "connection")).isTrue();
        }
    }

    @Test
    void bookingASlotAndCheckingInTooEarly(Vertx vertx) throws Exception {
        LocalDate day = LocalDate.now(AppointmentService.CHINA).plusDays(2);
        while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
            day = day.plusDays(1);
        }
        HttpResponse<String> slots =
                http("GET", "/api/slots?hallId=" + WUJIN + "&matterId=" + PROPERTY + "&date=" + day, null);
        assertThat(slots.statusCode()).isEqualTo(200);
        JsonObject nine = new JsonObject(slots.body()).getJsonArray("slots").getJsonObject(0);
        assertThat(nine.getString("time")).isEqualTo("09:00");
        assertThat(nine.getInteger("free")).isEqualTo(2);
        long start = nine.getLong("start");
        String body = "{\"hallId\":\"" + WUJIN + "\",\"matterId\":\"" + PROPERTY + "\",\"start\":" + start
                + ",\"name\":\"张秀英\",\"mobile\":\"13812345678\"}";
        HttpResponse<String> booked = http("POST", "/api/appointments", body);
        assertThat(booked.statusCode()).isEqualTo(201);
        String code = new JsonObject(booked.body()).getString("code");
        assertThat(http("POST", "/api/appointments", body).statusCode()).isEqualTo(201);
        HttpResponse<String> full = http("POST", "/api/appointments", body);
        assertThat(full.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(full.body()).getJsonObject("error").getString("code"))
                .isEqualTo("SLOT_FULL");
        HttpResponse<String> odd =
                http("POST", "/api/appointments", body.replace(String.valueOf(start), String.valueOf(start + 60_000)));
        assertThat(new JsonObject(odd.body()).getJsonObject("error").getString("code"))
                .isEqualTo("NO_SUCH_SLOT");
        long past = ZonedDateTime.of(LocalDate.of(2026, 3, 2), LocalTime.of(9, 0), AppointmentService.CHINA)
                .toInstant()
                .toEpochMilli();
        HttpResponse<String> old =
                http("POST", "/api/appointments", body.replace(String.valueOf(start), String.valueOf(past)));
        assertThat(new JsonObject(old.body()).getJsonObject("error").getString("code"))
                .isEqualTo("SLOT_IN_PAST");
        assertThat(http("POST", "/api/appointments", "[1]").statusCode()).isEqualTo(400);
        assertThat(http("POST", "/api/appointments", body.replace("13812345678", "12345"))
                        .statusCode())
                .isEqualTo(400);
        assertThat(http("GET", "/api/slots?hallId=" + WUJIN + "&matterId=" + PROPERTY + "&date=tomorrow", null)
                        .statusCode())
                .isEqualTo(400);

        try (WsTestClient a = applicant(vertx, ",\"appointmentCode\":\"" + code + "\"")) {
            assertThat(a.error().code()).isEqualTo("APPOINTMENT_NOT_DUE");
            a.send("{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                    + "\",\"name\":\"张秀英\",\"mobile\":\"13812345678\",\"appointmentCode\":\"ABCDEFGH\"}");
            assertThat(a.error().code()).isEqualTo("NO_SUCH_APPOINTMENT");
        }
        assertThat(audited("appointment.booked", String.valueOf(start))).isTrue();
    }
}
