package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.Role;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.media.MediaSession;
import cn.tongban.signaling.protocol.ServerMessage;
import com.hazelcast.map.IMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes: a session's media lives on the bridge of the node where its clerk took the
 * ticket, and participants connected to the other node reach it over the event bus (answers, joins) and
 * get its offers (with that node's UDP port).
 */
@ExtendWith(VertxExtension.class)
class BridgeClusterTest {
    private static TwoNodes nodes;
    private static TongbanServer nodeA;
    private static TongbanServer nodeB;

    @BeforeAll
    static void start(@TempDir Path dirA, @TempDir Path dirB, @TempDir Path dbDir) throws Exception {
        nodes = TwoNodes.start("bridge-cluster", dirA, dirB, dbDir);
        nodeA = nodes.a;
        nodeB = nodes.b;
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    private static WsTestClient clerk(Vertx vertx, TongbanServer node, String user, boolean available)
            throws Exception {
        return TwoNodes.clerk(vertx, node, user, available);
    }

    private static String answer(ServerMessage.Offer o) {
        StringBuilder sb = new StringBuilder("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
        sb.append("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ")
                .append(String.join(":", java.util.Collections.nCopies(32, "CD")))
                .append("\r\na=setup:active\r\n");
        String kind = null;
        for (String line : o.sdp().split("\r\n")) {
            if (line.startsWith("m=")) {
                kind = line.substring(2, line.indexOf(' '));
            } else if (line.startsWith("a=mid:")) {
                String mid = line.substring(6);
                sb.append("m=")
                        .append(kind)
                        .append(" 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:")
                        .append(mid)
                        .append("\r\n");
                if (mid.equals(o.uploads().get("camera"))) {
                    sb.append("a=sendonly\r\na=ssrc:4242 cname:x\r\n");
                } else {
                    sb.append(o.uploads().containsValue(mid) ? "a=inactive\r\n" : "a=recvonly\r\n");
                }
            }
        }
        return new JsonObject()
                .put("type", "answer")
                .put("sessionId", o.sessionId())
                .put("version", o.version())
                .put("sdp", sb.toString())
                .encode();
    }

    @Test
    void participantsOnAnotherNodeUseTheBridgeOfTheClerksNode(Vertx vertx) throws Exception {
        int bridgeA = nodeA.media().bridge().port();
        try (WsTestClient clerk = clerk(vertx, nodeA, "wujin01", true);
                WsTestClient supervisor = clerk(vertx, nodeB, "supervisor01", false);
                WsTestClient app = WsTestClient.connect(vertx, nodeB.port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
            app.expect(ServerMessage.Ticket.class);
            clerk.expect(ServerMessage.Queue.class, q -> q.total() == 1);
            clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();

            // The applicant (node B) is offered node A's bridge.
            ServerMessage.Offer appOffer = app.expect(ServerMessage.Offer.class);
            assertThat(appOffer.sdp()).contains(" " + bridgeA + " typ host");
            ServerMessage.Offer clerkOffer = clerk.expect(ServerMessage.Offer.class);

            // Its answer, sent to node B, reaches node A's bridge: the clerk is offered its camera.
            app.send(answer(appOffer));
            assertThat(clerk.expect(ServerMessage.Offer.class, o -> o.version() > clerkOffer.version())
                            .sdp())
                    .contains("a=ssrc:4242 msid:applicant-1 applicant-1-camera");

            // A supervisor on node B sees the session and joins it on node A's bridge.
            supervisor.send("{\"type\":\"list_sessions\",\"id\":\"l\"}");
            assertThat(supervisor.expect(ServerMessage.Sessions.class).sessions())
                    .extracting(ServerMessage.SessionSummary::sessionId)
                    .contains(sid);
            supervisor.send(
                    "{\"type\":\"join_session\",\"id\":\"j\",\"sessionId\":\"" + sid + "\",\"role\":\"supervisor\"}");
            assertThat(supervisor.expect(ServerMessage.Paired.class).role()).isEqualTo("supervisor");
            ServerMessage.Offer so = supervisor.expect(ServerMessage.Offer.class);
            assertThat(so.sdp())
                    .contains(" " + bridgeA + " typ host")
                    .contains("a=ssrc:4242 msid:applicant-1 applicant-1-camera");
            assertThat(nodeA.media().bridge().metrics().snapshot()).isNotEmpty();

            // Another node drops the supervisor from the session's roster (as a node moving the media of a
            // session whose bridge died does). Node B's note that this connection joined must not outlive
            // that: the supervisor joins again instead of being told to leave a session they are not in.
            IMap<String, MediaSession> roster = nodeA.hazelcast().getMap("tongban.media");
            MediaSession ms = roster.get(sid);
            roster.put(
                    sid,
                    new MediaSession(
                            ms.sessionId(),
                            ms.ticketId(),
                            ms.number(),
                            ms.matterId(),
                            ms.hallId(),
                            ms.partnerHallId(),
                            ms.clerkId(),
                            ms.node(),
                            ms.recorded(),
                            ms.screen(),
                            ms.startedAt(),
                            ms.participants().stream()
                                    .filter(p -> p.role() != Role.SUPERVISOR)
                                    .toList(),
                            ms.invited()));
            supervisor.send(
                    "{\"type\":\"join_session\",\"id\":\"j2\",\"sessionId\":\"" + sid + "\",\"role\":\"supervisor\"}");
            assertThat(supervisor
                            .expect(ServerMessage.Paired.class, p -> "j2".equals(p.re()))
                            .role())
                    .isEqualTo("supervisor");

            clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            assertThat(supervisor.expect(ServerMessage.Ended.class).sessionId()).isEqualTo(sid);
        }
    }
}
