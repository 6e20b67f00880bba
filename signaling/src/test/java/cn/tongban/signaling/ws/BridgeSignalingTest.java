package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.media.RecordingArchive;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bridge mode (the default) over the WebSocket against a real server and its real media bridge: offers,
 * answers and their bad forms, helpers and supervisors with every refusal, the recording notice and its
 * audit trail. No browser here: answers are written by hand (web/e2e has the browsers).
 */
@ExtendWith(VertxExtension.class)
class BridgeSignalingTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String FINGERPRINT = String.join(":", java.util.Collections.nCopies(32, "AB"));

    @RegisterExtension
    static final TestServer IT = TestServer.create("bridge-it", b -> b, dataDir -> {
        // A second supervisor of Wujin, so that a fifth person can try to join.
        try (var in = BridgeSignalingTest.class.getResourceAsStream("/tongban/refdata.yaml")) {
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Files.writeString(
                    dataDir.resolve("refdata.yaml"),
                    yaml.replace("supervisors: [supervisor01]", "supervisors: [supervisor01, wujin08]")
                            + "    - id: wujin08\n      name: 孙主管\n      hallId: cz-wujin-bdc\n"
                            + "      matters: []\n"
                            // A clerk of its own for the test whose recording cannot be audited.
                            + "    - id: wujin09\n      name: 钱办事\n      hallId: cz-wujin-bdc\n"
                            + "      matters: [property-certificate]\n"
                            // And one for the media restart.
                            + "    - id: wujin10\n      name: 李重连\n      hallId: cz-wujin-bdc\n"
                            + "      matters: [property-certificate]\n"
                            // And one for the second video across a resume.
                            + "    - id: wujin11\n      name: 周共享\n      hallId: cz-wujin-bdc\n"
                            + "      matters: [property-certificate]\n");
        }
    });

    private static String login(String user) throws Exception {
        return IT.login(user);
    }

    private static WsTestClient clerk(Vertx vertx, String user, boolean available) throws Exception {
        return IT.clerk(vertx, user, available);
    }

    private static WsTestClient applicant(Vertx vertx, String matter, String partnerHall) throws Exception {
        WsTestClient a = WsTestClient.connect(vertx, IT.server().port());
        a.send("{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"" + matter + "\",\"hallId\":\"cz-wujin-bdc\","
                + "\"name\":\"张秀英\",\"mobile\":\"13812345678\""
                + (partnerHall == null ? "" : ",\"partnerHallId\":\"" + partnerHall + "\"") + "}");
        assertThat(a.expect(ServerMessage.Ticket.class).state()).isEqualTo(ServerMessage.TicketState.WAITING);
        return a;
    }

    /**
     * An answer as a browser would write it: ICE credentials, a fingerprint, DTLS client; the upload
     * m-lines send with the given SSRCs (0: not sending), every other m-line receives.
     */
    private static String answer(ServerMessage.Offer offer, long audioSsrc, long cameraSsrc, String direction) {
        StringBuilder sb = new StringBuilder("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
        sb.append("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n");
        sb.append("a=fingerprint:sha-256 ").append(FINGERPRINT).append("\r\na=setup:active\r\n");
        String kind = null;
        for (String line : offer.sdp().split("\r\n")) {
            if (line.startsWith("m=")) {
                kind = line.substring(2, line.indexOf(' '));
            } else if (line.startsWith("a=mid:")) {
                String mid = line.substring(6);
                sb.append("m=")
                        .append(kind)
                        .append(" 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:")
                        .append(mid)
                        .append("\r\n");
                if (mid.equals(offer.uploads().get("audio")) && audioSsrc != 0) {
                    sb.append("a=sendonly\r\na=ssrc:").append(audioSsrc).append(" cname:x\r\n");
                } else if (mid.equals(offer.uploads().get("camera")) && cameraSsrc != 0) {
                    sb.append("a=sendonly\r\na=ssrc:").append(cameraSsrc).append(" cname:x\r\n");
                } else if (offer.uploads().containsValue(mid)) {
                    sb.append("a=inactive\r\n");
                } else {
                    sb.append("a=").append(direction).append("\r\n");
                    if (!direction.equals("recvonly")) {
                        sb.append("a=ssrc:")
                                .append(777_000 + mid.hashCode() % 1000)
                                .append(" cname:x\r\n");
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String answerMessage(ServerMessage.Offer o, String sdp, String id) {
        return new JsonObject()
                .put("type", "answer")
                .put("id", id)
                .put("sessionId", o.sessionId())
                .put("version", o.version())
                .put("sdp", sdp)
                .encode();
    }

    /** Sends a ping and returns the messages that arrived before its pong (nothing else may have failed). */
    private static List<ServerMessage> upToPong(WsTestClient c) throws InterruptedException {
        c.send("{\"type\":\"ping\",\"id\":\"p\"}");
        c.expect(ServerMessage.Pong.class);
        return c.drain();
    }

    private static List<AuditEvent> audit(String sessionId) {
        return IT.server().records().journal().forSession(sessionId);
    }

    @Test
    void theServerOffersEveryoneAndRecordsWhatThePolicySays(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "wujin02", true)) {
            String token;
            String sid;
            ServerMessage.Offer clerk2;
            try (WsTestClient app = WsTestClient.connect(vertx, IT.server().port())) {
                app.send(
                        "{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                                + "\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
                token = app.expect(ServerMessage.Ticket.class).resumeToken();
                clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
                ServerMessage.Paired cp = clerk.expect(ServerMessage.Paired.class);
                assertThat(cp.offerer()).isFalse();
                assertThat(cp.recording()).isTrue();
                ServerMessage.Paired ap = app.expect(ServerMessage.Paired.class);
                assertThat(ap.offerer()).isFalse();
                assertThat(ap.recording()).isTrue();
                sid = cp.sessionId();

                ServerMessage.Offer clerkOffer = clerk.expect(ServerMessage.Offer.class);
                ServerMessage.Offer appOffer = app.expect(ServerMessage.Offer.class);
                // Versions: the endpoint's epoch times a million plus the bridge's offer version.
                assertThat(appOffer.version()).isEqualTo(1_000_001);
                assertThat(appOffer.uploads()).containsOnlyKeys("audio", "camera", "screen");
                assertThat(appOffer.sdp()).contains("a=ice-lite").contains(" typ host");
                assertThat(app.expect(ServerMessage.Recording.class).active()).isTrue();
                ServerMessage.Participants people = app.expect(ServerMessage.Participants.class);
                assertThat(people.participants())
                        .extracting(ServerMessage.Participant::role)
                        .containsExactly("clerk", "applicant");
                assertThat(people.participants().get(1).name()).isEqualTo("张**");
                assertThat(people.you()).isEqualTo(people.participants().get(1).participantId());
                assertThat(people.invited()).isNull();

                // The p2p relay is closed in bridge mode.
                app.send("{\"type\":\"sdp\",\"id\":\"s\",\"sessionId\":\"" + sid
                        + "\",\"description\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}");
                assertThat(app.error().code()).isEqualTo("WRONG_STATE");
                app.send("{\"type\":\"ice\",\"sessionId\":\"" + sid + "\",\"candidate\":{\"candidate\":\"x\"}}");
                assertThat(app.error().code()).isEqualTo("WRONG_STATE");

                // Bad answers: an offer never sent, unusable SDP, someone else's session.
                ServerMessage.Offer future =
                        new ServerMessage.Offer(sid, appOffer.version() + 5, appOffer.sdp(), appOffer.uploads());
                app.send(answerMessage(future, answer(appOffer, 101, 102, "recvonly"), "f"));
                ServerMessage.Error e = app.error();
                assertThat(e.code()).isEqualTo("WRONG_STATE");
                assertThat(e.re()).isEqualTo("f");
                app.send(answerMessage(appOffer, "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n", "b"));
                assertThat(app.error().code()).isEqualTo("BAD_SDP");
                ServerMessage.Offer other = new ServerMessage.Offer("s-0000", 1, appOffer.sdp(), appOffer.uploads());
                app.send(answerMessage(other, answer(appOffer, 101, 102, "recvonly"), "o"));
                assertThat(app.error().code()).isEqualTo("NOT_IN_SESSION");

                // A good answer: the clerk gets a new offer with the applicant's tracks.
                app.send(answerMessage(appOffer, answer(appOffer, 101, 102, "recvonly"), "g"));
                clerk2 = clerk.expect(ServerMessage.Offer.class, o -> o.version() == 1_000_002);
                String applicantId = people.you();
                assertThat(clerk2.sdp())
                        .contains("a=ssrc:101 msid:" + applicantId + " " + applicantId + "-audio")
                        .contains("a=ssrc:102 msid:" + applicantId + " " + applicantId + "-camera");
                assertThat(upToPong(app)).noneMatch(m -> m instanceof ServerMessage.Error);
                // The clerk answering its first offer after the second one went out is stale: ignored quietly.
                clerk.send(answerMessage(clerkOffer, answer(clerkOffer, 201, 202, "recvonly"), "stale"));
                assertThat(upToPong(clerk)).noneMatch(m -> m instanceof ServerMessage.Error);
                clerk.send(answerMessage(clerk2, answer(clerk2, 201, 202, "recvonly"), "c2"));
                assertThat(upToPong(clerk)).noneMatch(m -> m instanceof ServerMessage.Error);
                ServerMessage.Offer app2 = app.expect(ServerMessage.Offer.class, o -> o.version() == 1_000_002);
                assertThat(app2.sdp()).contains("a=ssrc:202 msid:");
            }

            // The applicant reloads (its first page's connection ended with the try above): both pages get new
            // endpoints (epoch 2); the old ones are gone.
            clerk.expect(ServerMessage.Peer.class, p -> p.state().equals("disconnected"));
            try (WsTestClient resumed = WsTestClient.connect(vertx, IT.server().port())) {
                resumed.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + token + "\"}");
                assertThat(resumed.expect(ServerMessage.Paired.class).resumed()).isTrue();
                ServerMessage.Offer app3 = resumed.expect(ServerMessage.Offer.class);
                assertThat(app3.version()).isEqualTo(2_000_001);
                assertThat(clerk.expect(ServerMessage.Paired.class).resumed()).isTrue();
                ServerMessage.Offer clerk3 = clerk.expect(ServerMessage.Offer.class, o -> o.version() > 2_000_000);
                assertThat(resumed.expect(ServerMessage.Participants.class).participants())
                        .extracting(ServerMessage.Participant::participantId)
                        .containsExactly("clerk-wujin02-2", "applicant-2");
                // The first page's disconnect, handled late (a resume can overtake it: another thread, or node),
                // frees nothing of the resumed page: its new endpoint stays. (A soak run once lost a resumed
                // applicant's media when the late disconnect removed whichever endpoint was the applicant's.)
                IT.server().media().applicantDisconnected(sid, "the-first-pages-connection");
                assertThat(IT.server()
                                .media()
                                .bridge()
                                .currentOffer(sid, "applicant-2")
                                .participantId())
                        .isEqualTo("applicant-2");
                // An answer to the replaced endpoint's offer is stale: ignored quietly.
                clerk.send(answerMessage(clerk2, answer(clerk2, 201, 202, "recvonly"), "old"));
                assertThat(upToPong(clerk)).noneMatch(m -> m instanceof ServerMessage.Error);
                resumed.send(answerMessage(app3, answer(app3, 111, 112, "recvonly"), "a3"));
                assertThat(upToPong(resumed)).noneMatch(m -> m instanceof ServerMessage.Error);
                assertThat(clerk.expect(ServerMessage.Offer.class, o -> o.version() > clerk3.version())
                                .sdp())
                        .contains("a=ssrc:112 msid:applicant-2 applicant-2-camera");

                // Hang-up: the recording stops and is archived (no media flowed, so it has no files).
                clerk.send(
                        "{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                clerk.expect(ServerMessage.Ended.class);
                RecordingStore store = new RecordingStore(dataSource());
                RecordingStore.Recording recording = Await.value(
                                "the recording archived",
                                Duration.ofSeconds(30),
                                () -> store.find(sid),
                                Optional::isPresent)
                        .orElseThrow();
                // One segment: the session never left its bridge.
                RecordingStore.Segment rec = recording.segments().get(0);
                assertThat(recording.segments()).hasSize(1);
                assertThat(rec.recovered()).isFalse();
                assertThat(rec.files()).isZero();
                assertThat(rec.manifestSha256()).hasSize(64);
                assertThat(Path.of(rec.directory()).getFileName().toString()).isEqualTo(rec.segmentId());
                assertThat(Path.of(rec.directory()).resolve(RecordingArchive.ARCHIVED))
                        .exists();
                List<String> actions =
                        audit(sid).stream().map(AuditEvent::action).toList();
                assertThat(actions)
                        .contains("participant.joined", "recording.started", "recording.stopped", "session.closed");
                assertThat(audit(sid).stream()
                                .filter(a -> a.action().equals("recording.stopped"))
                                .findFirst()
                                .orElseThrow()
                                .details())
                        .contains(rec.manifestSha256(), "\"segment\":\"" + rec.segmentId() + "\"");
                assertThat(audit(sid).stream()
                                .filter(a -> a.action().equals("recording.started"))
                                .findFirst()
                                .orElseThrow()
                                .details())
                        .contains("\"segment\":\"" + rec.segmentId() + "\"", "\"node\":");

                // A late answer for the ended session is dropped without an error.
                resumed.send(answerMessage(app3, answer(app3, 101, 102, "recvonly"), "late"));
                assertThat(upToPong(resumed)).noneMatch(m -> m instanceof ServerMessage.Error);
            }
        }
    }

    /**
     * A recording happens only if it is recorded in the audit journal: with the journal refusing {@code
     * recording.started}, the session goes on unrecorded, nobody is told it is being recorded, nothing is
     * left on disk, and the failure is audited.
     */
    /**
     * A page whose media connection failed asks for a new one ({@code media_restart}): it alone gets a new
     * endpoint (a new epoch, a new participant id, an offer for a new peer connection); the other party keeps
     * its connection and gets one renegotiation, without the failed endpoint's tracks. Someone not in the
     * session is refused.
     */
    @Test
    void aParticipantWhoseMediaFailedGetsANewEndpointAlone(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "wujin10", true);
                WsTestClient app = WsTestClient.connect(vertx, IT.server().port());
                WsTestClient stranger = WsTestClient.connect(vertx, IT.server().port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"韩十五\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);
            ServerMessage.Offer clerkOffer = clerk.expect(ServerMessage.Offer.class);
            ServerMessage.Offer appOffer = app.expect(ServerMessage.Offer.class);
            String before = app.expect(ServerMessage.Participants.class).you();
            app.send(answerMessage(appOffer, answer(appOffer, 301, 302, "recvonly"), "a1"));
            ServerMessage.Offer withApplicant =
                    clerk.expect(ServerMessage.Offer.class, o -> o.version() > clerkOffer.version());
            assertThat(withApplicant.sdp()).contains("a=ssrc:302 msid:" + before);
            clerk.send(answerMessage(withApplicant, answer(withApplicant, 401, 402, "recvonly"), "c1"));
            assertThat(upToPong(clerk)).noneMatch(m -> m instanceof ServerMessage.Error);

            app.send("{\"type\":\"media_restart\",\"id\":\"r\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Offer fresh = app.expect(ServerMessage.Offer.class, o -> o.version() / 1_000_000 == 2);
            assertThat(fresh.version()).isEqualTo(2_000_001);
            String after = app.expect(
                            ServerMessage.Participants.class, p -> !p.you().equals(before))
                    .you();
            assertThat(after).isNotEqualTo(before);
            // The clerk keeps its endpoint (same epoch) and is offered the session without the failed tracks.
            ServerMessage.Offer renegotiated =
                    clerk.expect(ServerMessage.Offer.class, o -> o.version() > withApplicant.version());
            assertThat(renegotiated.version() / 1_000_000).isEqualTo(withApplicant.version() / 1_000_000);
            assertThat(renegotiated.sdp()).doesNotContain("a=ssrc:302 msid:" + before);
            assertThat(upToPong(app)).noneMatch(m -> m instanceof ServerMessage.Error);

            stranger.send("{\"type\":\"media_restart\",\"id\":\"x\",\"sessionId\":\"" + sid + "\"}");
            assertThat(stranger.error().code()).isEqualTo("NOT_IN_SESSION");

            clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            app.expect(ServerMessage.Ended.class);
        }
    }

    /**
     * A reload ends the applicant's screen share (its new peer connection carries none): after the resume a
     * supervisor who was listening is told it stopped, one joining later is not told it is on, and the stop is
     * audited. The camera state ({@code camera}) reaches the other party and the supervisor; a bad reason, and a
     * supervisor's, are refused.
     */
    @Test
    void aResumeEndsTheSecondVideoAndTheCameraStateReachesEveryone(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "wujin11", true);
                WsTestClient supervisor = clerk(vertx, "supervisor01", false);
                WsTestClient late = clerk(vertx, "wujin08", false)) {
            String token;
            String sid;
            String s;
            try (WsTestClient app = WsTestClient.connect(vertx, IT.server().port())) {
                app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                        + "\"name\":\"吴十六\",\"mobile\":\"13812345678\"}");
                ServerMessage.Ticket ticket = app.expect(ServerMessage.Ticket.class);
                token = ticket.resumeToken();
                clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticket.ticketId() + "\"}");
                sid = clerk.expect(ServerMessage.Paired.class).sessionId();
                s = "\"sessionId\":\"" + sid + "\"";
                app.expect(ServerMessage.Paired.class);
                supervisor.send("{\"type\":\"join_session\",\"id\":\"j\"," + s + ",\"role\":\"supervisor\"}");
                supervisor.expect(ServerMessage.Paired.class);

                // Voice only: the clerk and the supervisor are told, with the reason.
                app.send("{\"type\":\"camera\"," + s + ",\"active\":false,\"reason\":\"no_camera\"}");
                ServerMessage.Camera toClerk = clerk.expect(ServerMessage.Camera.class);
                assertThat(toClerk.active()).isFalse();
                assertThat(toClerk.from()).isEqualTo("applicant");
                assertThat(toClerk.reason()).isEqualTo(cn.tongban.signaling.protocol.CameraReason.NO_CAMERA);
                assertThat(supervisor.expect(ServerMessage.Camera.class).reason())
                        .isEqualTo(cn.tongban.signaling.protocol.CameraReason.NO_CAMERA);
                app.send("{\"type\":\"camera\",\"id\":\"c\"," + s + ",\"active\":false,\"reason\":\"asleep\"}");
                assertThat(app.error()).extracting(e -> e.code() + "/" + e.re()).isEqualTo("INVALID_FIELD/c");
                clerk.send("{\"type\":\"camera\"," + s + ",\"active\":false,\"reason\":\"poor_network\"}");
                ServerMessage.Camera fromClerk = app.expect(ServerMessage.Camera.class);
                assertThat(fromClerk.from()).isEqualTo("clerk");
                assertThat(fromClerk.reason()).isEqualTo(cn.tongban.signaling.protocol.CameraReason.POOR_NETWORK);
                supervisor.send("{\"type\":\"camera\",\"id\":\"k\"," + s + ",\"active\":true}");
                assertThat(supervisor.error().code()).isEqualTo("NOT_IN_SESSION");

                app.send("{\"type\":\"screen\"," + s + ",\"active\":true}");
                assertThat(clerk.expect(ServerMessage.Screen.class).active()).isTrue();
                assertThat(supervisor.expect(ServerMessage.Screen.class).active())
                        .isTrue();
            }
            // The page reloads: its share is gone with it.
            clerk.expect(ServerMessage.Peer.class, p -> p.state().equals("disconnected"));
            try (WsTestClient resumed = WsTestClient.connect(vertx, IT.server().port())) {
                resumed.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + token + "\"}");
                assertThat(resumed.expect(ServerMessage.Paired.class).resumed()).isTrue();
                assertThat(clerk.expect(ServerMessage.Paired.class).resumed()).isTrue();
                ServerMessage.Screen off = supervisor.expect(ServerMessage.Screen.class);
                assertThat(off.active()).isFalse();
                assertThat(off.source()).isNull();

                // A supervisor joining now is not told that a screen is shared (it would see a black panel).
                late.send("{\"type\":\"join_session\",\"id\":\"j2\"," + s + ",\"role\":\"supervisor\"}");
                late.expect(
                        ServerMessage.Participants.class, p -> p.participants().size() == 4);
                assertThat(upToPong(late)).noneMatch(m -> m instanceof ServerMessage.Screen);

                // Sharing again after the resume is told as before.
                resumed.send("{\"type\":\"screen\"," + s + ",\"active\":true}");
                assertThat(clerk.expect(ServerMessage.Screen.class).active()).isTrue();
                assertThat(late.expect(ServerMessage.Screen.class).active()).isTrue();
                clerk.send("{\"type\":\"hangup\",\"id\":\"h\"," + s + ",\"outcome\":\"completed\"}");
                resumed.expect(ServerMessage.Ended.class);
            }
            assertThat(audit(sid))
                    .extracting(AuditEvent::action)
                    .containsSubsequence("screen.started", "ticket.resumed", "screen.started")
                    .filteredOn(a -> a.startsWith("screen."))
                    .containsExactly("screen.started", "screen.stopped", "screen.started");
        }
    }

    @Test
    void aRecordingThatCannotBeAuditedIsNotMade(Vertx vertx) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(
                        IT.server().options().effectiveDbUrl());
                WsTestClient clerk = clerk(vertx, "wujin09", true);
                WsTestClient app = applicant(vertx, "property-certificate", null)) {
            try (var st = db.createStatement();
                    var max = st.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM audit_event")) {
                max.next();
                // Refuses new events of that kind (earlier sessions' ones stay).
                st.execute("ALTER TABLE audit_event ADD CONSTRAINT no_recording CHECK (action <> 'recording.started'"
                        + " OR seq <= " + max.getLong(1) + ")");
            }
            try {
                clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
                String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
                app.expect(ServerMessage.Paired.class);
                Await.until("the failed recording audited", java.time.Duration.ofSeconds(30), () -> IT.actions(sid)
                        .contains("recording.failed"));
                app.barrier();
                clerk.barrier();
                assertThat(app.drain()).noneMatch(m -> m instanceof ServerMessage.Recording r && r.active());
                assertThat(clerk.drain()).noneMatch(m -> m instanceof ServerMessage.Recording r && r.active());
                assertThat(IT.server()
                                .options()
                                .media()
                                .recordingDir(IT.dataDir())
                                .resolve(sid))
                        .doesNotExist();
                assertThat(IT.actions(sid)).doesNotContain("recording.started");
                clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                clerk.expect(ServerMessage.Ended.class);
            } finally {
                try (var st = db.createStatement()) {
                    st.execute("ALTER TABLE audit_event DROP CONSTRAINT no_recording");
                }
            }
        }
    }

    @Test
    void helpersAreInvitedSupervisorsListenAndEveryRefusalHasItsCode(Vertx vertx) throws Exception {
        try (WsTestClient clerk = clerk(vertx, "wujin01", true);
                WsTestClient helper = clerk(vertx, "gulou01", false);
                WsTestClient other = clerk(vertx, "qingpu01", false);
                WsTestClient supervisor = clerk(vertx, "supervisor01", false);
                WsTestClient second = clerk(vertx, "wujin08", false);
                WsTestClient notSupervisor = clerk(vertx, "wujin02", false);
                WsTestClient app = applicant(vertx, "business-startup", "nj-gulou-zwfw")) {
            clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            ServerMessage.Offer appOffer = app.expect(ServerMessage.Offer.class);
            // The applicant sends audio and camera, so later joiners get offers with m-lines.
            app.send(answerMessage(appOffer, answer(appOffer, 301, 302, "recvonly"), "a1"));
            assertThat(upToPong(app)).noneMatch(m -> m instanceof ServerMessage.Error);
            String s = "\"sessionId\":\"" + sid + "\"";

            helper.send("{\"type\":\"join_session\",\"id\":\"j0\"," + s + ",\"role\":\"helper\"}");
            assertThat(helper.error())
                    .extracting(e -> e.code() + "/" + e.reason())
                    .isEqualTo("JOIN_NOT_ALLOWED/not_invited");
            clerk.send("{\"type\":\"invite\",\"id\":\"i0\"," + s + ",\"clerkId\":\"qingpu01\"}");
            assertThat(clerk.error()) // not the applicant's partner hall
                    .extracting(e -> e.code() + "/" + e.reason())
                    .isEqualTo("JOIN_NOT_ALLOWED/not_partner_hall");
            clerk.send("{\"type\":\"invite\",\"id\":\"i1\"," + s + ",\"clerkId\":\"nobody\"}");
            assertThat(clerk.error())
                    .extracting(e -> e.code() + "/" + e.reason())
                    .isEqualTo("JOIN_NOT_ALLOWED/unknown_clerk");
            app.send("{\"type\":\"invite\",\"id\":\"i2\"," + s + ",\"clerkId\":\"gulou01\"}");
            assertThat(app.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            other.send("{\"type\":\"invite\",\"id\":\"i3\"," + s + ",\"clerkId\":\"gulou01\"}");
            assertThat(other.error().code()).isEqualTo("NOT_IN_SESSION");
            helper.send("{\"type\":\"join_session\",\"id\":\"j1\"," + s + ",\"role\":\"owner\"}");
            assertThat(helper.error().code()).isEqualTo("INVALID_FIELD");

            clerk.send("{\"type\":\"invite\",\"id\":\"i4\"," + s + ",\"clerkId\":\"gulou01\"}");
            ServerMessage.Participants invited =
                    clerk.expect(ServerMessage.Participants.class, p -> "i4".equals(p.re()));
            assertThat(invited.invited())
                    .extracting(ServerMessage.Invitee::clerkId)
                    .containsExactly("gulou01");
            ServerMessage.Invitation invitation = helper.expect(ServerMessage.Invitation.class);
            assertThat(invitation.sessionId()).isEqualTo(sid);
            assertThat(invitation.from().name()).isEqualTo("王丽");

            helper.send("{\"type\":\"join_session\",\"id\":\"j2\"," + s + ",\"role\":\"helper\"}");
            ServerMessage.Paired hp = helper.expect(ServerMessage.Paired.class);
            assertThat(hp.role()).isEqualTo("helper");
            assertThat(hp.re()).isEqualTo("j2");
            assertThat(hp.peer().name()).isEqualTo("张**");
            assertThat(hp.peer().mobile()).isNull();
            assertThat(helper.expect(ServerMessage.Offer.class).uploads())
                    .containsOnlyKeys("audio", "camera", "screen");
            helper.send("{\"type\":\"join_session\",\"id\":\"j3\"," + s + ",\"role\":\"helper\"}");
            assertThat(helper.error().code()).isEqualTo("WRONG_STATE");
            helper.send("{\"type\":\"take\",\"id\":\"t2\"}");
            assertThat(helper.error().code()).isEqualTo("WRONG_STATE");

            notSupervisor.send("{\"type\":\"join_session\",\"id\":\"j4\"," + s + ",\"role\":\"supervisor\"}");
            assertThat(notSupervisor.error())
                    .extracting(e -> e.code() + "/" + e.reason())
                    .isEqualTo("JOIN_NOT_ALLOWED/not_supervisor");
            notSupervisor.send("{\"type\":\"list_sessions\",\"id\":\"l0\"}");
            assertThat(notSupervisor.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");

            supervisor.send("{\"type\":\"list_sessions\",\"id\":\"l1\"}");
            ServerMessage.Sessions list = supervisor.expect(ServerMessage.Sessions.class);
            assertThat(list.sessions())
                    .filteredOn(x -> x.sessionId().equals(sid))
                    .singleElement()
                    .satisfies(x -> {
                        assertThat(x.participants()).isEqualTo(3);
                        assertThat(x.clerkName()).isEqualTo("王丽");
                    });
            supervisor.send("{\"type\":\"join_session\",\"id\":\"j5\"," + s + ",\"role\":\"supervisor\"}");
            ServerMessage.Paired sp = supervisor.expect(ServerMessage.Paired.class);
            assertThat(sp.role()).isEqualTo("supervisor");
            assertThat(sp.peer().name()).isEqualTo("张秀英");
            ServerMessage.Offer so = supervisor.expect(ServerMessage.Offer.class);
            assertThat(so.uploads()).isEmpty();
            assertThat(so.sdp()).contains("a=ssrc:302 msid:applicant-1 applicant-1-camera");

            // The applicant is told who is there, the supervisor included.
            ServerMessage.Participants seen = app.expect(
                    ServerMessage.Participants.class, p -> p.participants().size() == 4);
            assertThat(seen.participants())
                    .extracting(ServerMessage.Participant::role, ServerMessage.Participant::name)
                    .contains(
                            org.assertj.core.groups.Tuple.tuple("helper", "李娜"),
                            org.assertj.core.groups.Tuple.tuple("supervisor", "赵志强"));
            assertThat(seen.participants())
                    .filteredOn(p -> p.role().equals("supervisor"))
                    .singleElement()
                    .satisfies(p -> assertThat(p.sends()).isFalse());

            // Full at four; a supervisor may not send media or chat.
            second.send("{\"type\":\"join_session\",\"id\":\"j6\"," + s + ",\"role\":\"supervisor\"}");
            assertThat(second.error().code()).isEqualTo("SESSION_FULL");
            supervisor.send(answerMessage(so, answer(so, 0, 0, "sendrecv"), "x"));
            assertThat(supervisor.error().code()).isEqualTo("MEDIA_NOT_ALLOWED");
            supervisor.send("{\"type\":\"chat\"," + s + ",\"text\":\"hi\"}");
            assertThat(supervisor.error().code()).isEqualTo("MEDIA_NOT_ALLOWED");
            supervisor.send(answerMessage(so, answer(so, 0, 0, "recvonly"), "ok"));
            assertThat(upToPong(supervisor)).noneMatch(m -> m instanceof ServerMessage.Error);

            // Chat reaches everyone; the helper may write too.
            app.send("{\"type\":\"chat\"," + s + ",\"text\":\"您好\"}");
            assertThat(supervisor.expect(ServerMessage.Chat.class).text()).isEqualTo("您好");
            assertThat(helper.expect(ServerMessage.Chat.class).text()).isEqualTo("您好");
            helper.send("{\"type\":\"chat\"," + s + ",\"text\":\"我在鼓楼大厅协助\"}");
            ServerMessage.Chat fromHelper =
                    app.expect(ServerMessage.Chat.class, c -> c.text().equals("我在鼓楼大厅协助"));
            assertThat(fromHelper.from()).isEqualTo("helper");
            assertThat(clerk.expect(ServerMessage.Chat.class, c -> c.from().equals("helper"))
                            .name())
                    .isEqualTo("李娜");

            // The screen flag reaches helpers and supervisors too.
            app.send("{\"type\":\"screen\"," + s + ",\"active\":true,\"source\":\"document-camera\"}");
            ServerMessage.Screen secondVideo = supervisor.expect(ServerMessage.Screen.class);
            assertThat(secondVideo.active()).isTrue();
            assertThat(secondVideo.source()).isEqualTo(ScreenSource.DOCUMENT_CAMERA);

            // The helper leaves; the others see three people.
            helper.send("{\"type\":\"leave_session\",\"id\":\"lv\"," + s + "}");
            ServerMessage.Ended left = helper.expect(ServerMessage.Ended.class);
            assertThat(left.reason()).isEqualTo("left");
            assertThat(left.by()).isEqualTo("helper");
            assertThat(left.re()).isEqualTo("lv");
            app.expect(ServerMessage.Participants.class, p -> p.participants().size() == 3);
            helper.send("{\"type\":\"leave_session\",\"id\":\"lv2\"," + s + "}");
            assertThat(helper.error().code()).isEqualTo("NOT_IN_SESSION");

            // The clerk ends the session: the supervisor is told.
            clerk.send("{\"type\":\"hangup\",\"id\":\"h\"," + s + ",\"outcome\":\"completed\"}");
            ServerMessage.Ended ended = supervisor.expect(ServerMessage.Ended.class);
            assertThat(ended.by()).isEqualTo("clerk");
            assertThat(ended.outcomeRequired()).isFalse();

            Map<String, Long> actions = audit(sid).stream()
                    .collect(java.util.stream.Collectors.groupingBy(
                            AuditEvent::action, java.util.stream.Collectors.counting()));
            assertThat(actions).containsEntry("participant.invited", 1L).containsEntry("participant.joined", 4L);
            assertThat(actions.get("participant.left")).isEqualTo(2L); // the helper, then the supervisor at the end
        }
    }

    @Test
    void helloSaysBridgeAndMetricsShowTheBridge(Vertx vertx) throws Exception {
        try (WsTestClient c = WsTestClient.connect(vertx, IT.server().port(), "/ws?v=1")) {
            assertThat(c.expect(ServerMessage.Hello.class).media()).isEqualTo("bridge");
        }
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/metrics"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body())
                .contains("tongban_media_rtp_forwarded_total")
                .contains("tongban_media_dtls_handshakes_completed_total");
        assertThat(IT.server().media().bridge().port()).isPositive();
    }

    private static javax.sql.DataSource dataSource() {
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL(IT.server().options().effectiveDbUrl());
        return ds;
    }
}
