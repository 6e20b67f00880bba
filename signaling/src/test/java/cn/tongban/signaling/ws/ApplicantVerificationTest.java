package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.verify.ProofOfWork;
import cn.tongban.testkit.SmsProvider;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Abuse controls for anonymous actions against a running server that verifies applicants' numbers, with
 * its SMS going through the generic HTTP gateway to a provider endpoint of the test (a real HTTP server on
 * a socket), behind a trusted proxy so that each request comes from the client address its {@code
 * X-Forwarded-For} names: no ticket or booking without the number's own token, one live ticket per number,
 * bounded bookings, an address that asks for many codes solves challenges and is then capped, a failing
 * gateway costs the applicant nothing.
 */
@ExtendWith(VertxExtension.class)
class ApplicantVerificationTest {
    private static final String PROPERTY = "property-certificate";
    private static final String WUJIN = "cz-wujin-bdc";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private static final SmsProvider PROVIDER = new SmsProvider();

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "verify", b -> b.applicants(ServerOptions.Applicants.verified(PROVIDER.url(), "sms-secret")
                            .withAddressLimits(3, 6)
                            .withChallengeBits(8))
                    .edge(new ServerOptions.Edge(List.of("127.0.0.1"), List.of(), 256, 10)));

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
    }

    @Test
    void aTicketNeedsTheNumbersOwnTokenAndOneNumberHoldsOneLiveTicket(Vertx vertx) throws Exception {
        HttpResponse<String> settings = call("GET", "/api/verify", null, "192.0.2.10");
        assertThat(new JsonObject(settings.body()).getBoolean("required")).isTrue();

        String mobile = "13811110001";
        try (WsTestClient a = IT.connect(vertx)) {
            a.send(join(mobile, null));
            assertThat(a.error().code()).isEqualTo("MOBILE_NOT_VERIFIED");
        }

        assertThat(call("POST", "/api/verify/code", "{\"mobile\":\"" + mobile + "\"}", "192.0.2.10")
                        .statusCode())
                .isEqualTo(202);
        SmsProvider.Received received = PROVIDER.lastTo(mobile, WAIT);
        JsonObject sms = new JsonObject(received.body());
        assertThat(sms.getString("template")).isEqualTo("tongban-verification");
        String code = received.code();
        assertThat(code).matches("\\d{6}");
        assertThat(sms.getString("text")).contains(code);
        assertThat(sms.getJsonObject("params").getInteger("minutes")).isEqualTo(5);
        assertThat(received.authorization()).isEqualTo("Bearer sms-secret");

        String wrong = code.equals("000000") ? "000001" : "000000";
        HttpResponse<String> refused = confirm(mobile, wrong, "192.0.2.10");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(error(refused).getString("code")).isEqualTo("VERIFICATION_FAILED");
        assertThat(error(refused).getString("reason")).isEqualTo("wrong");
        HttpResponse<String> confirmed = confirm(mobile, code, "192.0.2.10");
        assertThat(confirmed.statusCode()).isEqualTo(200);
        String token = new JsonObject(confirmed.body()).getString("mobileToken");
        assertThat(confirmed.headers().firstValue("cache-control")).hasValue("no-store");

        try (WsTestClient a = IT.connect(vertx);
                WsTestClient b = IT.connect(vertx)) {
            // The token is the number's: it does not vouch for another one.
            a.send(join("13811110002", token));
            assertThat(a.error().code()).isEqualTo("MOBILE_NOT_VERIFIED");
            a.send(join(mobile, token.substring(0, token.length() - 2) + "xx"));
            assertThat(a.error().code()).isEqualTo("MOBILE_NOT_VERIFIED");
            a.send(join(mobile, token));
            ServerMessage.Ticket ticket = a.expect(ServerMessage.Ticket.class);
            assertThat(ticket.state()).isEqualTo(ServerMessage.TicketState.WAITING);

            // A second ticket for the same number, from another connection, while the first is live.
            b.send(join(mobile, token));
            assertThat(b.error().code()).isEqualTo("MOBILE_HAS_TICKET");
            a.send("{\"type\":\"leave\"}");
            a.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.CANCELLED);
            b.send(join(mobile, token));
            assertThat(b.expect(ServerMessage.Ticket.class).state()).isEqualTo(ServerMessage.TicketState.WAITING);
        }
        List<AuditEvent> events = IT.server().records().journal().read(0, 100_000);
        assertThat(events).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("mobile.verified");
            assertThat(e.actor()).isEqualTo("applicant:138****0001");
        });
        // The wrong code and the token for another number are refusals, journaled at their one choke point.
        assertThat(events)
                .anySatisfy(e -> assertThat(e.details()).contains("POST /api/verify/confirm", "VERIFICATION_FAILED"));
        assertThat(events).anySatisfy(e -> assertThat(e.details()).contains("join", "MOBILE_NOT_VERIFIED"));
        assertThat(events)
                .noneMatch(e -> e.details().contains(mobile) || e.actor().contains(mobile));
    }

    @Test
    void bookingsNeedAVerifiedNumberAndOneNumberHoldsAtMostThree() throws Exception {
        String mobile = "13822220001";
        String token = verify(mobile, "192.0.2.20");
        JsonArray slots = slots();
        String without = booking(slots.getJsonObject(0).getLong("start"), mobile, null);
        HttpResponse<String> anonymous = call("POST", "/api/appointments", without, "192.0.2.20");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(error(anonymous).getString("code")).isEqualTo("MOBILE_NOT_VERIFIED");
        HttpResponse<String> forged = call(
                "POST",
                "/api/appointments",
                booking(slots.getJsonObject(0).getLong("start"), "13822220002", token),
                "192.0.2.20");
        assertThat(error(forged).getString("code")).isEqualTo("MOBILE_NOT_VERIFIED");

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> booked = call(
                    "POST",
                    "/api/appointments",
                    booking(slots.getJsonObject(i).getLong("start"), mobile, token),
                    "192.0.2.20");
            assertThat(booked.statusCode()).as(booked.body()).isEqualTo(201);
        }
        HttpResponse<String> fourth = call(
                "POST",
                "/api/appointments",
                booking(slots.getJsonObject(3).getLong("start"), mobile, token),
                "192.0.2.20");
        assertThat(fourth.statusCode()).isEqualTo(409);
        assertThat(error(fourth).getString("code")).isEqualTo("BOOKING_LIMIT");
        // The refused booking took no place: another number books that slot.
        String other = "13822220003";
        HttpResponse<String> theirs = call(
                "POST",
                "/api/appointments",
                booking(slots.getJsonObject(3).getLong("start"), other, verify(other, "192.0.2.21")),
                "192.0.2.21");
        assertThat(theirs.statusCode()).isEqualTo(201);
    }

    @Test
    void anAddressAskingForManyCodesSolvesAChallengeEachTimeAndIsThenCapped() throws Exception {
        String from = "192.0.2.30";
        for (int i = 1; i <= 3; i++) {
            assertThat(requestCode("1383333000" + i, from, null).statusCode()).isEqualTo(202);
        }
        HttpResponse<String> asked = requestCode("13833330004", from, null);
        assertThat(asked.statusCode()).isEqualTo(429);
        JsonObject err = error(asked);
        assertThat(err.getString("code")).isEqualTo("CHALLENGE_REQUIRED");
        ProofOfWork.Challenge challenge = new ProofOfWork.Challenge(err.getString("challenge"), err.getInteger("bits"));
        assertThat(challenge.bits()).isEqualTo(8);
        String solved =
                ",\"challenge\":\"" + challenge.challenge() + "\",\"nonce\":\"" + ProofOfWork.solve(challenge) + "\"";
        assertThat(requestCode("13833330004", from, solved).statusCode()).isEqualTo(202);
        HttpResponse<String> replayed = requestCode("13833330005", from, solved);
        assertThat(replayed.statusCode()).isEqualTo(403);
        assertThat(error(replayed).getString("code")).isEqualTo("CHALLENGE_INVALID");
        HttpResponse<String> unsolved =
                requestCode("13833330005", from, ",\"challenge\":\"" + challenge.challenge() + "\",\"nonce\":\"x\"");
        assertThat(error(unsolved).getString("code")).isEqualTo("CHALLENGE_INVALID");

        for (int i = 5; i <= 6; i++) {
            JsonObject c = error(requestCode("1383333000" + i, from, null));
            ProofOfWork.Challenge next = new ProofOfWork.Challenge(c.getString("challenge"), c.getInteger("bits"));
            assertThat(requestCode(
                                    "1383333000" + i,
                                    from,
                                    ",\"challenge\":\"" + next.challenge() + "\",\"nonce\":\"" + ProofOfWork.solve(next)
                                            + "\"")
                            .statusCode())
                    .isEqualTo(202);
        }
        HttpResponse<String> capped = requestCode("13833330007", from, null);
        assertThat(capped.statusCode()).isEqualTo(429);
        assertThat(error(capped).getString("code")).isEqualTo("VERIFY_LIMIT");
        assertThat(capped.headers().firstValue("retry-after")).isPresent();
        // Only this address is capped; and a number that just had a code waits its minute.
        assertThat(requestCode("13833330007", "192.0.2.31", null).statusCode()).isEqualTo(202);
        HttpResponse<String> soon = requestCode("13833330007", "192.0.2.32", null);
        assertThat(error(soon).getString("code")).isEqualTo("VERIFY_TOO_SOON");
        assertThat(soon.headers().firstValue("retry-after")).isPresent();
    }

    @Test
    void aGatewayThatFailsIsReportedAndCostsTheApplicantNothing() throws Exception {
        String mobile = "13844440001";
        PROVIDER.down(true);
        try {
            HttpResponse<String> failed = requestCode(mobile, "192.0.2.40", null);
            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(error(failed).getString("code")).isEqualTo("SMS_UNAVAILABLE");
        } finally {
            PROVIDER.down(false);
        }
        assertThat(requestCode(mobile, "192.0.2.40", null).statusCode()).isEqualTo(202);
        assertThat(confirm(mobile, PROVIDER.lastTo(mobile, WAIT).code(), "192.0.2.40")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void malformedVerificationRequestsAreRefusedWithStableCodes() throws Exception {
        assertThat(error(call("POST", "/api/verify/code", "[1]", "192.0.2.50")).getString("code"))
                .isEqualTo("BAD_JSON");
        assertThat(error(call("POST", "/api/verify/code", "{\"mobile\":13800000000}", "192.0.2.50"))
                        .getString("code"))
                .isEqualTo("INVALID_FIELD");
        assertThat(error(call("POST", "/api/verify/code", "{\"mobile\":\"23800000000\"}", "192.0.2.50"))
                        .getString("code"))
                .isEqualTo("INVALID_FIELD");
        assertThat(error(confirm("13855550001", "12ab56", "192.0.2.50")).getString("code"))
                .isEqualTo("INVALID_FIELD");
        assertThat(error(confirm("13855550001", "123456", "192.0.2.50")).getString("reason"))
                .isEqualTo("no_code");
        HttpResponse<String> huge =
                call("POST", "/api/verify/code", "{\"mobile\":\"" + "1".repeat(10_000) + "\"}", "192.0.2.50");
        assertThat(huge.statusCode()).isEqualTo(413);
    }

    // ---------------------------------------------------------------- helpers

    private static String join(String mobile, String token) {
        return "{\"type\":\"join\",\"matterId\":\"" + PROPERTY + "\",\"hallId\":\"" + WUJIN
                + "\",\"name\":\"张秀英\",\"mobile\":\"" + mobile + "\""
                + (token == null ? "" : ",\"mobileToken\":\"" + token + "\"") + "}";
    }

    private static String verify(String mobile, String from) throws Exception {
        assertThat(requestCode(mobile, from, null).statusCode()).isEqualTo(202);
        HttpResponse<String> r = confirm(mobile, PROVIDER.lastTo(mobile, WAIT).code(), from);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("mobileToken");
    }

    private static HttpResponse<String> requestCode(String mobile, String from, String extra) throws Exception {
        return call(
                "POST",
                "/api/verify/code",
                "{\"mobile\":\"" + mobile + "\"" + (extra == null ? "" : extra) + "}",
                from);
    }

    private static HttpResponse<String> confirm(String mobile, String code, String from) throws Exception {
        return call("POST", "/api/verify/confirm", "{\"mobile\":\"" + mobile + "\",\"code\":\"" + code + "\"}", from);
    }

    private static JsonArray slots() throws Exception {
        LocalDate day = LocalDate.now(AppointmentService.CHINA).plusDays(3);
        while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
            day = day.plusDays(1);
        }
        HttpResponse<String> r =
                call("GET", "/api/slots?hallId=" + WUJIN + "&matterId=" + PROPERTY + "&date=" + day, null, "192.0.2.1");
        assertThat(r.statusCode()).isEqualTo(200);
        return new JsonObject(r.body()).getJsonArray("slots");
    }

    private static String booking(long start, String mobile, String token) {
        return "{\"hallId\":\"" + WUJIN + "\",\"matterId\":\"" + PROPERTY + "\",\"start\":" + start
                + ",\"name\":\"张秀英\",\"mobile\":\"" + mobile + "\""
                + (token == null ? "" : ",\"mobileToken\":\"" + token + "\"") + "}";
    }

    private static JsonObject error(HttpResponse<String> r) {
        return new JsonObject(r.body()).getJsonObject("error");
    }

    /** A request as if from {@code client}, through the trusted proxy (loopback). */
    private static HttpResponse<String> call(String method, String path, String body, String client) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                .header("content-type", "application/json")
                .header("x-forwarded-for", client);
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
