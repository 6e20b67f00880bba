package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.protocol.SessionOutcome;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The WebSocket protocol end to end against a real server (Hazelcast member, clustered Vert.x). */
@ExtendWith(VertxExtension.class)
class SignalingWebSocketTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String WUJIN = "cz-wujin-bdc";
    private static final String PROPERTY = "property-certificate";

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "it",
            // The relay of the peer-to-peer mode; bridge mode: BridgeSignalingTest.
            // A clerk's lost connection keeps the session 2 s here (60 s by default), so the tests of both
            // outcomes — the clerk comes back, the clerk does not — run quickly.
            b -> b.mediaMode(MediaMode.P2P)
                    .cluster(cn.tongban.signaling.config.ServerOptions.Cluster.DEFAULT.withClerkGrace(
                            java.time.Duration.ofSeconds(2))),
            dataDir -> {
                // An extra clerk that only the lock-out test uses, so locking it disturbs no other test.
                try (var in = SignalingWebSocketTest.class.getResourceAsStream("/tongban/refdata.yaml")) {
                    String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    java.nio.file.Files.writeString(
                            dataDir.resolve("refdata.yaml"),
                            yaml + "    - id: locktest\n      name: 测试员\n      hallId: ah-wuhu-zwfw\n"
                                    + "      matters: [business-startup]\n");
                }
            });

    static HttpResponse<String> post(String path, String body) throws Exception {
        return IT.post(path, body);
    }

    static String login(String user) throws Exception {
        return IT.login(user);
    }

    static WsTestClient clerk(Vertx vertx, String user) throws Exception {
        return IT.clerk(vertx, user, true);
    }

    static WsTestClient applicant(Vertx vertx, String matter, String hall, String name) throws Exception {
        WsTestClient a = IT.applicant(vertx, matter, hall, name, "");
        ServerMessage.Ticket t = a.expect(ServerMessage.Ticket.class);
        assertThat(t.state()).isEqualTo(ServerMessage.TicketState.WAITING);
        assertThat(t.resumeToken()).isNotBlank();
        return a;
    }

    @Test
    void aWholeConsultation(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "wujin01");
                WsTestClient app = WsTestClient.connect(vertx, IT.server().port())) {
            app.send(
                    "{\"type\":\"join\",\"id\":\"j1\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                            + "\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
            ServerMessage.Ticket ticket = app.expect(ServerMessage.Ticket.class);
            assertThat(ticket.re()).isEqualTo("j1");
            assertThat(ticket.number()).startsWith("B");
            assertThat(ticket.position()).isEqualTo(1);
            // The clerk is available: no wait (docs/protocol.md, ticket.etaSeconds).
            assertThat(ticket.etaSeconds()).isNotNull().isZero();

            ServerMessage.Queue q = clerk.expect(ServerMessage.Queue.class, m -> m.tickets().stream()
                    .anyMatch(e -> e.ticketId().equals(ticket.ticketId())));
            ServerMessage.QueueEntry entry = q.tickets().stream()
                    .filter(e -> e.ticketId().equals(ticket.ticketId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(entry.applicant()).isEqualTo("张**");

            clerk.send("{\"type\":\"take\",\"id\":\"t1\",\"ticketId\":\"" + ticket.ticketId() + "\"}");
            ServerMessage.Paired cp = clerk.expect(ServerMessage.Paired.class);
            assertThat(cp.re()).isEqualTo("t1");
            assertThat(cp.offerer()).isTrue();
            assertThat(cp.peer().name()).isEqualTo("张秀英");
            assertThat(cp.peer().mobile()).isEqualTo("138****5678");
            ServerMessage.Paired ap = app.expect(ServerMessage.Paired.class);
            assertThat(ap.sessionId()).isEqualTo(cp.sessionId());
            assertThat(ap.offerer()).isFalse();
            assertThat(ap.peer().name()).isEqualTo("王丽");
            assertThat(ap.peer().hallName()).isEqualTo("常州市武进区不动产登记交易中心");
            assertThat(app.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.IN_SESSION))
                    .isNotNull();
            assertThat(clerk.expect(ServerMessage.Clerk.class).status()).isEqualTo(ServerMessage.ClerkStatus.BUSY);
            String sid = cp.sessionId();

            clerk.send("{\"type\":\"sdp\",\"sessionId\":\"" + sid
                    + "\",\"description\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}}");
            assertThat(app.expect(ServerMessage.Sdp.class).description().type()).isEqualTo("offer");
            app.send("{\"type\":\"sdp\",\"sessionId\":\"" + sid
                    + "\",\"description\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 2 2 IN IP4 127.0.0.1\\r\\n\"}}");
            assertThat(clerk.expect(ServerMessage.Sdp.class).description().type())
                    .isEqualTo("answer");
            app.send("{\"type\":\"ice\",\"sessionId\":\"" + sid
                    + "\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 "
                    + "127.0.0.1 5000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
            assertThat(clerk.expect(ServerMessage.Ice.class).candidate().sdpMid())
                    .isEqualTo("0");
            app.send("{\"type\":\"screen\",\"sessionId\":\"" + sid + "\",\"active\":true}");
            ServerMessage.Screen shared = clerk.expect(ServerMessage.Screen.class);
            assertThat(shared.active()).isTrue();
            assertThat(shared.source()).isEqualTo(ScreenSource.SCREEN);

            // The document camera: the clerk may only ask; the applicant alone turns it on and off.
            clerk.send(
                    "{\"type\":\"document_camera_request\",\"sessionId\":\"" + sid + "\",\"requirement\":\"deedTax\"}");
            assertThat(app.expect(ServerMessage.DocumentCameraRequest.class).requirement())
                    .isEqualTo("deedTax");
            clerk.send("{\"type\":\"screen\",\"id\":\"cs\",\"sessionId\":\"" + sid
                    + "\",\"active\":true,\"source\":\"document-camera\"}");
            assertThat(clerk.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            app.send("{\"type\":\"document_camera_request\",\"id\":\"ar\",\"sessionId\":\"" + sid + "\"}");
            assertThat(app.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            app.send("{\"type\":\"screen\",\"sessionId\":\"" + sid
                    + "\",\"active\":true,\"source\":\"document-camera\"}");
            assertThat(clerk.expect(ServerMessage.Screen.class).source()).isEqualTo(ScreenSource.DOCUMENT_CAMERA);
            app.send("{\"type\":\"screen\",\"sessionId\":\"" + sid
                    + "\",\"active\":false,\"source\":\"document-camera\"}");
            ServerMessage.Screen off = clerk.expect(ServerMessage.Screen.class);
            assertThat(off.active()).isFalse();
            assertThat(off.source()).isNull();

            clerk.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"请出示您的身份证\"}");
            ServerMessage.Chat toApp = app.expect(ServerMessage.Chat.class);
            assertThat(toApp.from()).isEqualTo("clerk");
            assertThat(toApp.name()).isEqualTo("王丽");
            assertThat(toApp.text()).isEqualTo("请出示您的身份证");
            assertThat(clerk.expect(ServerMessage.Chat.class).text()).isEqualTo("请出示您的身份证");
            app.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"好的\"}");
            assertThat(clerk.expect(ServerMessage.Chat.class).from()).isEqualTo("applicant");

            app.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Ended appEnded = app.expect(ServerMessage.Ended.class);
            assertThat(appEnded.outcomeRequired()).isFalse();
            assertThat(app.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.DONE))
                    .isNotNull();
            ServerMessage.Ended clerkEnded = clerk.expect(ServerMessage.Ended.class);
            assertThat(clerkEnded.by()).isEqualTo("applicant");
            assertThat(clerkEnded.outcomeRequired()).isTrue();
            assertThat(clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.WRAP_UP))
                    .isNotNull();
            // The session is over: relaying into it is refused.
            app.send("{\"type\":\"chat\",\"id\":\"late\",\"sessionId\":\"" + sid + "\",\"text\":\"还在吗\"}");
            assertThat(app.error().code()).isEqualTo("NOT_IN_SESSION");

            clerk.send("{\"type\":\"outcome\",\"id\":\"o\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            // Outcome recorded: the timed wrap-up (60 s in the built-in reference data) follows.
            ServerMessage.Clerk wrapping = clerk.expect(ServerMessage.Clerk.class, c -> "o".equals(c.re()));
            assertThat(wrapping.status()).isEqualTo(ServerMessage.ClerkStatus.WRAP_UP);
            assertThat(wrapping.wrapUpUntil()).isGreaterThan(System.currentTimeMillis() + 30_000);

            // The applicant, still on the page, learns how the matter was closed.
            assertThat(app.expect(ServerMessage.Ticket.class, t -> t.outcome() != null)
                            .outcome())
                    .isEqualTo(SessionOutcome.COMPLETED);
            // Candidates still in flight after the end are dropped quietly: no error comes back.
            app.send("{\"type\":\"ice\",\"sessionId\":\"" + sid + "\",\"candidate\":{\"candidate\":\"\"}}");
            app.send("{\"type\":\"ping\",\"id\":\"after-ice\"}");
            assertThat(app.expect(ServerMessage.Pong.class).re()).isEqualTo("after-ice");
            assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Error);

            // The session left an intact audit trail and a case record, without the applicant's personal data.
            List<AuditEvent> trail = IT.server().records().journal().forSession(sid);
            assertThat(trail)
                    .extracting(AuditEvent::action)
                    .containsSubsequence(
                            "session.paired",
                            "screen.started",
                            "document_camera.requested",
                            "screen.started",
                            "screen.stopped",
                            "session.ended",
                            "session.closed");
            assertThat(trail.stream().filter(e -> e.action().startsWith("screen.")))
                    .extracting(AuditEvent::details)
                    .containsExactly(
                            "{\"source\":\"screen\"}",
                            "{\"source\":\"document-camera\"}",
                            "{\"source\":\"document-camera\"}");
            assertThat(trail)
                    .allMatch(e -> !e.details().contains("张秀英") && !e.details().contains("13812345678"));
            assertThat(AuditChain.verify(
                            IT.server().records().journal().keying(),
                            IT.server().records().journal().read(0, 10_000)))
                    .isEmpty();
            assertThat(IT.server().records().cases().recent(WUJIN, 100))
                    .anyMatch(c -> c.sessionId().equals(sid) && "COMPLETED".equals(c.outcome()));
        }
    }

    @Test
    void clerkHangupWithOutcomeEndsForBoth(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "qingpu01");
                WsTestClient app = applicant(vertx, "housing-fund-transfer", "sh-qingpu-xzfw", "李雷")) {
            clerk.send("{\"type\":\"take\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);
            clerk.send("{\"type\":\"hangup\",\"id\":\"h1\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Error e = clerk.error();
            assertThat(e.code()).isEqualTo("INVALID_FIELD");
            assertThat(e.message()).startsWith("outcome");
            clerk.send("{\"type\":\"hangup\",\"id\":\"h2\",\"sessionId\":\"" + sid + "\",\"outcome\":\"follow_up\"}");
            assertThat(clerk.expect(ServerMessage.Ended.class).re()).isEqualTo("h2");
            assertThat(clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.WRAP_UP)
                            .wrapUpUntil())
                    .isNotNull();
            // Choosing a status ends the wrap-up early.
            clerk.send("{\"type\":\"status\",\"id\":\"ready\",\"status\":\"available\"}");
            assertThat(clerk.expect(ServerMessage.Clerk.class, c -> "ready".equals(c.re()))
                            .status())
                    .isEqualTo(ServerMessage.ClerkStatus.AVAILABLE);
            ServerMessage.Ended told = app.expect(ServerMessage.Ended.class);
            assertThat(told.by()).isEqualTo("clerk");
            assertThat(told.outcome()).isEqualTo(SessionOutcome.FOLLOW_UP);
            assertThat(app.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.DONE))
                    .isNotNull();
        }
    }

    @Test
    void badInputGetsStableCodesAndDisturbsNoOne(Vertx vertx) throws Exception {
        try (WsTestClient app = applicant(vertx, "business-startup", "zj-jiaxing-zwfw", "王五");
                WsTestClient other = applicant(vertx, "business-startup", "zj-jiaxing-zwfw", "赵六")) {
            app.send("this is not json");
            assertThat(app.error().code()).isEqualTo("BAD_JSON");
            app.send("{\"type\":\"teleport\",\"id\":\"x1\"}");
            ServerMessage.Error unknown = app.error();
            assertThat(unknown.code()).isEqualTo("UNKNOWN_TYPE");
            assertThat(unknown.re()).isEqualTo("x1");
            app.send(
                    "{\"type\":\"chat\",\"id\":\"big\",\"sessionId\":\"s-1\",\"text\":\"" + "x".repeat(70_000) + "\"}");
            assertThat(app.error().code()).isEqualTo("FRAME_TOO_LARGE");
            app.sendBinary(new byte[] {1, 2, 3});
            assertThat(app.error().code()).isEqualTo("BAD_JSON");
            app.send(
                    "{\"type\":\"join\",\"id\":\"j2\",\"matterId\":\"business-startup\",\"hallId\":\"zj-jiaxing-zwfw\","
                            + "\"name\":\"王五\",\"mobile\":\"13812345678\"}");
            ServerMessage.Error twice = app.error();
            assertThat(twice.code()).isEqualTo("WRONG_STATE");
            assertThat(twice.about()).isEqualTo("join");
            app.send("{\"type\":\"take\",\"id\":\"t\"}");
            assertThat(app.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            app.send(
                    "{\"type\":\"sdp\",\"sessionId\":\"s-00000000\",\"description\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
            assertThat(app.error().code()).isEqualTo("NOT_IN_SESSION");

            // Still connected, still in the queue, ahead of the other applicant.
            app.send("{\"type\":\"ping\",\"id\":\"p\"}");
            assertThat(app.expect(ServerMessage.Pong.class).re()).isEqualTo("p");
            try (WsTestClient clerk = clerk(vertx, "jiaxing01")) {
                clerk.send("{\"type\":\"take\"}");
                ServerMessage.Paired p = clerk.expect(ServerMessage.Paired.class);
                assertThat(p.peer().name()).isEqualTo("王五");
                // The other applicant moved up to first place.
                assertThat(other.expect(ServerMessage.Ticket.class, t -> Integer.valueOf(1)
                                .equals(t.position())))
                        .isNotNull();
                // A different applicant cannot inject into this session.
                other.send("{\"type\":\"chat\",\"id\":\"c\",\"sessionId\":\"" + p.sessionId() + "\",\"text\":\"hi\"}");
                assertThat(other.error().code()).isEqualTo("NOT_IN_SESSION");
                clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + p.sessionId() + "\",\"outcome\":\"completed\"}");
                clerk.expect(ServerMessage.Ended.class);
            }
        }
    }

    @Test
    void clerkMessagesNeedSignInAndApplicantMessagesAreNotForClerks(Vertx vertx) throws Exception {
        try (WsTestClient anon = WsTestClient.connect(vertx, IT.server().port());
                WsTestClient clerk = clerk(vertx, "wuhu01")) {
            anon.send("{\"type\":\"take\"}");
            assertThat(anon.error().code()).isEqualTo("UNAUTHENTICATED");
            anon.send("{\"type\":\"status\",\"status\":\"available\"}");
            assertThat(anon.error().code()).isEqualTo("UNAUTHENTICATED");
            anon.send("{\"type\":\"auth\",\"token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3dWh1MDEifQ.forged-signature\"}");
            assertThat(anon.error().code()).isEqualTo("AUTH_FAILED");
            clerk.send("{\"type\":\"join\",\"matterId\":\"business-startup\",\"hallId\":\"ah-wuhu-zwfw\","
                    + "\"name\":\"王五\",\"mobile\":\"13812345678\"}");
            assertThat(clerk.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            clerk.send("{\"type\":\"take\",\"ticketId\":\"t-doesnotexist\"}");
            assertThat(clerk.error().code()).isEqualTo("NO_SUCH_TICKET");
            clerk.send("{\"type\":\"status\",\"status\":\"on-the-moon\"}");
            assertThat(clerk.error().code()).isEqualTo("INVALID_FIELD");

            // Every refusal reaches the journal once, at the transport, whichever handler refused it: the
            // forged token (anonymous), the clerk's applicant message, the wrong-shape status. A ticket that
            // does not exist is no refusal.
            List<AuditEvent> refused = Await.value(
                    "the four refusals journaled",
                    Duration.ofSeconds(30),
                    () -> IT.server().records().journal().read(0, 100_000),
                    events -> events.stream().anyMatch(e -> isRefusal(e, "clerk:wuhu01", "status", "INVALID_FIELD"))
                            && events.stream().anyMatch(e -> isRefusal(e, "anonymous", "auth", "AUTH_FAILED"))
                            && events.stream().anyMatch(e -> isRefusal(e, "anonymous", "take", "UNAUTHENTICATED"))
                            && events.stream()
                                    .anyMatch(e -> isRefusal(e, "clerk:wuhu01", "join", "FORBIDDEN_FOR_ROLE")));
            assertThat(refused).noneMatch(e -> isRefusal(e, "clerk:wuhu01", "take", "NO_SUCH_TICKET"));
            // Nothing the client typed is journaled: not the forged token, not the bogus status.
            assertThat(refused).noneMatch(e -> e.details().contains("forged-signature"));
            assertThat(refused).noneMatch(e -> e.details().contains("on-the-moon"));
        }
    }

    private static boolean isRefusal(AuditEvent e, String actor, String attempt, String code) {
        JsonObject d = new JsonObject(e.details());
        return e.action().equals("request.refused")
                && e.actor().equals(actor)
                && attempt.equals(d.getString("attempt"))
                && code.equals(d.getString("code"));
    }

    @Test
    void floodsAreRateLimited(Vertx vertx) throws Exception {
        try (WsTestClient c = WsTestClient.connect(vertx, IT.server().port())) {
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                c.send("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
            }
            assertThat(c.error().code()).isEqualTo("RATE_LIMITED");
            Thread.sleep(1200);
            c.send("{\"type\":\"ping\",\"id\":\"after\"}");
            // Every one of the 200 was handled before "after" was: count the answers they got.
            long pongs = 0;
            while (!"after".equals(c.expect(ServerMessage.Pong.class).re())) {
                pongs++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // The burst, plus at most what the bucket refilled meanwhile (on a loaded machine the 200 trickle
            // in, so the bound grows with the time taken, never past what the rate allows).
            assertThat(pongs)
                    .isGreaterThanOrEqualTo(SignalingHandler.BURST)
                    .isLessThanOrEqualTo(
                            SignalingHandler.BURST + (long) Math.ceil(seconds * SignalingHandler.MESSAGES_PER_SECOND))
                    .isLessThan(200);
        }
    }

    /**
     * Connects to a URI the server answers and closes at once. Vert.x's client sets the handlers given
     * before connecting on the new socket after the handshake; when the server's close has already arrived
     * by then, that throws ("WebSocket is closed") and the connection is lost to the test — a race in the
     * client, not the server's behaviour, so the test tries again.
     */
    private static WsTestClient connectToBeClosed(Vertx vertx, String uri) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return WsTestClient.connect(vertx, IT.server().port(), uri);
            } catch (IllegalStateException raced) {
                if (attempt == 10) {
                    throw raced;
                }
            }
        }
    }

    @Test
    void unsupportedVersionAndHugeFramesCloseTheConnection(Vertx vertx) throws Exception {
        try (WsTestClient v2 = connectToBeClosed(vertx, "/ws?v=2")) {
            assertThat(v2.error().code()).isEqualTo("UNSUPPORTED_VERSION");
            assertThat(v2.awaitClosed(5)).isTrue();
            assertThat(v2.closeCode).isEqualTo((short) 1002);
        }
        try (WsTestClient huge = WsTestClient.connect(vertx, IT.server().port())) {
            huge.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(1_200_000) + "\"}");
            assertThat(huge.awaitClosed(5)).isTrue();
        }
    }

    @Test
    void anApplicantResumesAfterADropWithTheSamePlaceAndSession(Vertx vertx) throws Exception {
        String token;
        String number;
        try (WsTestClient first = WsTestClient.connect(vertx, IT.server().port())) {
            first.send("{\"type\":\"join\",\"matterId\":\"social-insurance-transfer\",\"hallId\":\"nj-gulou-zwfw\","
                    + "\"name\":\"钱七\",\"mobile\":\"13912345678\"}");
            ServerMessage.Ticket t = first.expect(ServerMessage.Ticket.class);
            token = t.resumeToken();
            number = t.number();
        }
        WsTestClient second = WsTestClient.connect(vertx, IT.server().port());
        second.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + token + "\"}");
        ServerMessage.Ticket resumed = second.expect(ServerMessage.Ticket.class);
        assertThat(resumed.number()).isEqualTo(number);
        assertThat(resumed.state()).isEqualTo(ServerMessage.TicketState.WAITING);
        assertThat(resumed.position()).isEqualTo(1);
        assertThat(resumed.resumeToken()).isNotEqualTo(token);
        // The spent token is refused.
        try (WsTestClient replay = WsTestClient.connect(vertx, IT.server().port())) {
            replay.send("{\"type\":\"resume\",\"resumeToken\":\"" + token + "\"}");
            assertThat(replay.error().code()).isEqualTo("RESUME_INVALID");
        }

        try (WsTestClient clerk = clerk(vertx, "gulou01")) {
            clerk.send("{\"type\":\"take\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            second.expect(ServerMessage.Paired.class);
            clerk.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"请准备好身份证\"}");
            assertThat(second.expect(ServerMessage.Chat.class).seq()).isEqualTo(1);
            second.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"好的\"}");
            assertThat(clerk.expect(ServerMessage.Chat.class, c -> c.text().equals("好的"))
                            .seq())
                    .isEqualTo(2);
            second.close();
            assertThat(clerk.expect(ServerMessage.Peer.class).state()).isEqualTo("disconnected");

            try (WsTestClient third = WsTestClient.connect(vertx, IT.server().port())) {
                third.send("{\"type\":\"resume\",\"resumeToken\":\"" + resumed.resumeToken() + "\"}");
                assertThat(third.expect(ServerMessage.Ticket.class).state())
                        .isEqualTo(ServerMessage.TicketState.IN_SESSION);
                ServerMessage.Paired again = third.expect(ServerMessage.Paired.class);
                assertThat(again.sessionId()).isEqualTo(sid);
                assertThat(again.resumed()).isTrue();
                // The conversation so far comes again (a reloaded page shows it), numbered as before.
                ServerMessage.Chat l1 = third.expect(ServerMessage.Chat.class);
                ServerMessage.Chat l2 = third.expect(ServerMessage.Chat.class);
                assertThat(List.of(l1.seq(), l2.seq())).containsExactly(1L, 2L);
                assertThat(List.of(l1.text(), l2.text())).containsExactly("请准备好身份证", "好的");
                assertThat(List.of(l1.from(), l2.from())).containsExactly("clerk", "applicant");
                assertThat(clerk.expect(ServerMessage.Peer.class).state()).isEqualTo("reconnected");
                ServerMessage.Paired clerkAgain = clerk.expect(ServerMessage.Paired.class);
                assertThat(clerkAgain.resumed()).isTrue();
                assertThat(clerkAgain.offerer()).isTrue();
                // Relay works on the new connection.
                third.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"我回来了\"}");
                ServerMessage.Chat back =
                        clerk.expect(ServerMessage.Chat.class, c -> c.text().equals("我回来了"));
                assertThat(back.seq()).isEqualTo(3);
                clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                third.expect(ServerMessage.Ended.class);
                // Dropped with the session (right after the hang-up is answered).
                Await.until(
                        "the chat dropped with the session",
                        Duration.ofSeconds(10),
                        () -> !IT.server().hazelcast().getMap("tongban.chat").containsKey(sid));
            }
        }
    }

    @Test
    void aClerkSigningInAgainTakesTheLiveSessionOver(Vertx vertx) throws Exception {
        try (WsTestClient app = WsTestClient.connect(vertx, IT.server().port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"吴十\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
            String token = login("wujin01");
            WsTestClient first = WsTestClient.connect(vertx, IT.server().port());
            first.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            first.expect(ServerMessage.Clerk.class);
            first.send("{\"type\":\"status\",\"status\":\"available\"}");
            first.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
            first.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = first.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);

            // The same clerk signs in on another connection (a reload, or a reconnect after a node failed).
            try (WsTestClient second = WsTestClient.connect(vertx, IT.server().port())) {
                second.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                assertThat(second.expect(ServerMessage.Clerk.class).status()).isEqualTo(ServerMessage.ClerkStatus.BUSY);
                ServerMessage.Paired again = second.expect(ServerMessage.Paired.class);
                assertThat(again.sessionId()).isEqualTo(sid);
                assertThat(again.resumed()).isTrue();
                assertThat(again.offerer()).isTrue();
                assertThat(first.error().code()).isEqualTo("SUPERSEDED");
                assertThat(first.awaitClosed(10)).isTrue();
                assertThat(app.expect(ServerMessage.Peer.class).state()).isEqualTo("reconnected");
                assertThat(app.expect(ServerMessage.Paired.class, p -> p.resumed())
                                .sessionId())
                        .isEqualTo(sid);
                // The session was not aborted: no clerk_lost, and relaying works both ways on the new connection.
                second.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"我换了台电脑\"}");
                assertThat(app.expect(ServerMessage.Chat.class).text()).isEqualTo("我换了台电脑");
                app.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"好的\"}");
                assertThat(second.expect(ServerMessage.Chat.class, c -> c.from().equals("applicant"))
                                .text())
                        .isEqualTo("好的");
                assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Ended);
                second.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                assertThat(app.expect(ServerMessage.Ended.class).reason()).isEqualTo("hangup");
            }
        }
    }

    @Test
    void aClerkWhoseConnectionDroppedComesBackToTheSameSession(Vertx vertx) throws Exception {
        try (WsTestClient app = WsTestClient.connect(vertx, IT.server().port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"郑十一\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
            String token = login("wujin01");
            WsTestClient first = WsTestClient.connect(vertx, IT.server().port());
            first.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            first.expect(ServerMessage.Clerk.class);
            first.send("{\"type\":\"status\",\"status\":\"available\"}");
            first.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
            first.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = first.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);
            first.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"请稍等\"}");
            app.expect(ServerMessage.Chat.class);

            // The clerk's network drops (the connection closes before any new sign-in) ...
            first.close();
            assertThat(app.expect(ServerMessage.Peer.class).state()).isEqualTo("disconnected");
            // ... and is back within the grace: the same session continues, with its chat.
            try (WsTestClient second = WsTestClient.connect(vertx, IT.server().port())) {
                second.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                assertThat(second.expect(ServerMessage.Clerk.class).status()).isEqualTo(ServerMessage.ClerkStatus.BUSY);
                ServerMessage.Paired again = second.expect(ServerMessage.Paired.class);
                assertThat(again.sessionId()).isEqualTo(sid);
                assertThat(again.resumed()).isTrue();
                assertThat(second.expect(ServerMessage.Chat.class).text()).isEqualTo("请稍等");
                assertThat(app.expect(ServerMessage.Peer.class).state()).isEqualTo("reconnected");
                // Well past the grace of the dropped connection: nothing ends the session.
                Thread.sleep(3000);
                assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Ended);
                app.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"好的\"}");
                assertThat(second.expect(ServerMessage.Chat.class, c -> c.from().equals("applicant"))
                                .text())
                        .isEqualTo("好的");
                second.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                assertThat(app.expect(ServerMessage.Ended.class).reason()).isEqualTo("hangup");
            }
        }
    }

    @Test
    void aClerkLostMidSessionReturnsTheApplicantToTheHead(Vertx vertx) throws Exception {
        try (WsTestClient app = applicant(vertx, "property-certificate", WUJIN, "孙八");
                WsTestClient later = applicant(vertx, "property-certificate", WUJIN, "周九")) {
            WsTestClient clerk = clerk(vertx, "wujin02");
            clerk.send("{\"type\":\"take\"}");
            ServerMessage.Paired p = clerk.expect(ServerMessage.Paired.class);
            assertThat(p.peer().name()).isEqualTo("孙八");
            app.expect(ServerMessage.Paired.class);
            clerk.close();
            // The session waits for the clerk's grace first: the applicant is told the clerk is away.
            assertThat(app.expect(ServerMessage.Peer.class).state()).isEqualTo("disconnected");
            assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Ended);
            ServerMessage.Ended ended = app.expect(ServerMessage.Ended.class);
            assertThat(ended.reason()).isEqualTo("clerk_lost");
            ServerMessage.Ticket back =
                    app.expect(ServerMessage.Ticket.class, t -> t.state() == ServerMessage.TicketState.WAITING);
            assertThat(back.position()).isEqualTo(1);
            // Once: the periodic update does not repeat the place it was just told. Run one now (forced, as
            // every five seconds), then let a ping answer after whatever it sent.
            IT.server().signaling().broadcast(true);
            app.barrier();
            assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Ticket);
            try (WsTestClient next = clerk(vertx, "wujin01")) {
                ServerMessage.Queue q = next.expect(ServerMessage.Queue.class, m -> m.total() >= 2);
                assertThat(q.tickets().get(0).returned()).isTrue();
                next.send("{\"type\":\"take\"}");
                ServerMessage.Paired p2 = next.expect(ServerMessage.Paired.class);
                assertThat(p2.peer().name()).isEqualTo("孙八");
                assertThat(later.drain())
                        .as("周九, who waited behind, is not taken before the returned applicant")
                        .noneMatch(m -> m instanceof ServerMessage.Paired);
                next.send("{\"type\":\"hangup\",\"sessionId\":\"" + p2.sessionId() + "\",\"outcome\":\"completed\"}");
                next.expect(ServerMessage.Ended.class);
            }
        }
    }

    @Test
    void loginRejectsBadInputAndThrottlesRepeatedFailures() throws Exception {
        assertThat(post("/api/login", "not json").statusCode()).isEqualTo(400);
        assertThat(new JsonObject(post("/api/login", "not json").body())
                        .getJsonObject("error")
                        .getString("code"))
                .isEqualTo("BAD_JSON");
        assertThat(post("/api/login", "{\"username\":\"wujin01\"}").statusCode())
                .isEqualTo(400);
        // Three free attempts and a fourth are checked; then each further one waits twice as long as the one
        // before, so within a few attempts one comes before its wait is over and is refused unchecked.
        List<Integer> codes = new ArrayList<>();
        HttpResponse<String> throttled = null;
        for (int i = 0; i < 12 && throttled == null; i++) {
            HttpResponse<String> r = post("/api/login", "{\"username\":\"locktest\",\"password\":\"wrong\"}");
            codes.add(r.statusCode());
            if (r.statusCode() == 429) {
                throttled = r;
            }
        }
        assertThat(codes.subList(0, 4)).containsOnly(401);
        assertThat(throttled).as("a throttled attempt among " + codes).isNotNull();
        JsonObject error = new JsonObject(throttled.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("LOGIN_THROTTLED");
        assertThat(error.getLong("retryAfter")).isPositive();
        assertThat(throttled.headers().firstValue("retry-after")).isPresent();
    }

    @Test
    void healthMetricsAndCatalog() throws Exception {
        HttpResponse<String> health = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("UP");
        assertThat(new JsonObject(health.body()).getString("version")).isEqualTo(TongbanServer.version());
        HttpResponse<String> metrics = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/metrics"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("tongban_ws_connections").contains("vertx_http_server");
        HttpResponse<String> catalog = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/api/catalog"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject c = new JsonObject(catalog.body());
        assertThat(c.getJsonArray("halls")).hasSize(5);
        assertThat(c.getJsonArray("matters").getJsonObject(0).getString("name")).isEqualTo("不动产登记—产权证办理");
        // What to bring: not the application form that the session itself generates and has signed.
        assertThat(c.getJsonArray("matters").getJsonObject(0).getJsonArray("materials"))
                .isEqualTo(new JsonArray().add("申请人身份证").add("购房合同").add("契税完税凭证"));
    }

    @Test
    void servesThePkisCertificatesCrlsAndTimestamps() throws Exception {
        String base = "http://127.0.0.1:" + IT.server().port() + "/pki";
        HttpResponse<byte[]> root = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/ca/root.cer")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().firstValue("content-type")).hasValue("application/pkix-cert");
        java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
        java.security.cert.X509Certificate rootCert = (java.security.cert.X509Certificate)
                cf.generateCertificate(new java.io.ByteArrayInputStream(root.body()));
        rootCert.verify(rootCert.getPublicKey());

        // Every hall of the reference data has its own CA and CRL, signed under the federation root.
        HttpResponse<byte[]> hallCa = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/ca/" + WUJIN + ".cer"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        java.security.cert.X509Certificate hallCert = (java.security.cert.X509Certificate)
                cf.generateCertificate(new java.io.ByteArrayInputStream(hallCa.body()));
        hallCert.verify(rootCert.getPublicKey());
        HttpResponse<byte[]> crl = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/crl/" + WUJIN + ".crl"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(crl.statusCode()).isEqualTo(200);
        java.security.cert.X509CRL x509crl =
                (java.security.cert.X509CRL) cf.generateCRL(new java.io.ByteArrayInputStream(crl.body()));
        x509crl.verify(hallCert.getPublicKey());
        for (String nowhere : List.of("/crl/nowhere.crl", "/ca/nowhere.cer", "/ocsp", "/nothing")) {
            HttpResponse<String> none = HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + nowhere)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).as(nowhere).isEqualTo(404);
            assertThat(new JsonObject(none.body()).getJsonObject("error").getString("code"))
                    .isEqualTo("NOT_FOUND");
        }

        // RFC 3161: a time-stamp request for a digest gets a granted, verifiable token.
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest("申请书".getBytes());
        org.bouncycastle.tsp.TimeStampRequestGenerator gen = new org.bouncycastle.tsp.TimeStampRequestGenerator();
        gen.setCertReq(true);
        org.bouncycastle.tsp.TimeStampRequest req =
                gen.generate(org.bouncycastle.tsp.TSPAlgorithms.SHA256, digest, java.math.BigInteger.valueOf(42));
        HttpResponse<byte[]> tsa = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/tsa"))
                        .header("content-type", "application/timestamp-query")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(req.getEncoded()))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(tsa.statusCode()).isEqualTo(200);
        org.bouncycastle.tsp.TimeStampResponse resp = new org.bouncycastle.tsp.TimeStampResponse(tsa.body());
        resp.validate(req);
        assertThat(resp.getTimeStampToken().getTimeStampInfo().getMessageImprintDigest())
                .isEqualTo(digest);

        // Garbage and unknown paths are refused without harm.
        HttpResponse<byte[]> junk = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/tsa"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        // RFC 3161 answers a malformed query with a rejection inside a normal response.
        if (junk.statusCode() == 200) {
            assertThat(new org.bouncycastle.tsp.TimeStampResponse(junk.body()).getStatus())
                    .isEqualTo(org.bouncycastle.asn1.cmp.PKIStatus.REJECTION);
        } else {
            assertThat(junk.statusCode()).isBetween(400, 499);
        }
        HttpResponse<byte[]> nothing = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/ca/../../etc/passwd"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(nothing.statusCode()).isBetween(400, 499);
    }
}
