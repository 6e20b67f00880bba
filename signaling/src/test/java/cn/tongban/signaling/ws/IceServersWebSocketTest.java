package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.ice.TurnCredentials;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TURN credentials go only to connections that hold a ticket or an account (docs/protocol.md, {@code
 * ice_servers}): {@code hello} carries STUN alone, a connection that failed to sign in gets nothing, and
 * a long session gets a new set before the old one expires.
 */
@ExtendWith(VertxExtension.class)
class IceServersWebSocketTest {
    private static final String SECRET = "ice-servers-test-secret-0123456789";
    private static final ServerMessage.IceServer STUN =
            new ServerMessage.IceServer(List.of("stun:stun.example.gov.cn:3478"), null, null);
    private static final List<String> TURN_URLS =
            List.of("turn:turn.example.gov.cn:3478", "turns:turn.example.gov.cn:443?transport=tcp");
    /** Short, so that the refresh at half of it happens within a test; the CLI's minimum is a minute. */
    private static final Duration TTL = Duration.ofSeconds(4);

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "ice-it", b -> b.ice(new IceOptions(List.of(STUN), new IceOptions.Turn(TURN_URLS, SECRET, TTL), true)));

    @Test
    void helloCarriesStunOnlyAndAnonymousConnectionsGetNoTurn(Vertx vertx) throws Exception {
        try (WsTestClient c = WsTestClient.connect(vertx, IT.port(), "/ws?v=1")) {
            ServerMessage.Hello hello = c.expect(ServerMessage.Hello.class);
            assertThat(hello.iceServers()).containsExactly(STUN);
            assertThat(hello.iceTransportPolicy()).isEqualTo("relay");
            // Signing in with a forged token, or as a clerk on the supervisors' board, earns nothing.
            c.send("{\"type\":\"auth\",\"id\":\"a\",\"token\":\"not-a-token\"}");
            assertThat(c.error().code()).isEqualTo("AUTH_FAILED");
            c.send("{\"type\":\"watch\",\"id\":\"w\",\"token\":\"" + IT.login("wujin02") + "\"}");
            assertThat(c.error()).isNotNull();
            IT.server().signaling().refreshIceServers();
            c.barrier();
            assertThat(c.drain()).noneMatch(m -> m instanceof ServerMessage.IceServers);
        }
    }

    @Test
    void aTicketEarnsTurnCredentialsAfterItsAnswerAndResumeEarnsNewOnes(Vertx vertx) throws Exception {
        String resumeToken;
        ServerMessage.IceServers first;
        long before = System.currentTimeMillis();
        try (WsTestClient app = IT.applicant(vertx, "property-certificate", "cz-wujin-bdc", "张秀英", "")) {
            ServerMessage.Ticket ticket = app.expect(ServerMessage.Ticket.class);
            resumeToken = ticket.resumeToken();
            first = app.expect(ServerMessage.IceServers.class);
            checkCredentials(first, before);
        }
        try (WsTestClient quitter = IT.applicant(vertx, "property-certificate", "cz-wujin-bdc", "李四", "")) {
            quitter.expect(ServerMessage.Ticket.class);
            ServerMessage.IceServers own = quitter.expect(ServerMessage.IceServers.class);
            quitter.send("{\"type\":\"leave\",\"id\":\"l\"}");
            assertThat(quitter.expect(ServerMessage.Ticket.class, t -> "l".equals(t.re()))
                            .state())
                    .isEqualTo(ServerMessage.TicketState.CANCELLED);
            quitter.drain(); // anything sent before the ticket was given up
            // Past half its lifetime the set is due, but a connection without a ticket gets none.
            Await.until(
                    "half the credentials' lifetime",
                    TTL,
                    () -> System.currentTimeMillis() >= own.expiresAt() - TTL.toMillis() / 2);
            IT.server().signaling().refreshIceServers();
            quitter.barrier();
            assertThat(quitter.drain()).noneMatch(m -> m instanceof ServerMessage.IceServers);
        }
        try (WsTestClient again = IT.connect(vertx)) {
            again.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + resumeToken + "\"}");
            assertThat(again.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re())))
                    .isNotNull();
            ServerMessage.IceServers renewed = again.expect(ServerMessage.IceServers.class);
            checkCredentials(renewed, first.expiresAt() - TTL.toMillis());
            assertThat(turnOf(renewed).username()).isNotEqualTo(turnOf(first).username());
        }
    }

    @Test
    void aResumedSessionGetsItsCredentialsBeforeItsPaired(Vertx vertx) throws Exception {
        try (WsTestClient clerk = IT.clerk(vertx, "wujin01", true);
                WsTestClient app = IT.applicant(vertx, "property-certificate", "cz-wujin-bdc", "王五", "")) {
            ServerMessage.Ticket ticket = app.expect(ServerMessage.Ticket.class);
            clerk.send("{\"type\":\"take\",\"id\":\"t\",\"ticketId\":\"" + ticket.ticketId() + "\"}");
            clerk.expect(ServerMessage.Paired.class, p -> "t".equals(p.re()));
            app.expect(ServerMessage.Paired.class);
            // A reloaded page resumes on a new connection: its new peer connection is built on "paired", and
            // with relay-only candidates it needs TURN credentials by then.
            try (WsTestClient reloaded = IT.connect(vertx)) {
                reloaded.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + ticket.resumeToken() + "\"}");
                reloaded.barrier();
                List<ServerMessage> got = reloaded.drain(); // in arrival order
                int ice = indexOf(got, ServerMessage.IceServers.class);
                int paired = indexOf(got, ServerMessage.Paired.class);
                assertThat(paired).as("%s", got).isNotNegative();
                assertThat(ice).as("%s", got).isNotNegative().isLessThan(paired);
            }
        }
    }

    private static int indexOf(List<ServerMessage> messages, Class<?> type) {
        for (int i = 0; i < messages.size(); i++) {
            if (type.isInstance(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void clerksGetTurnCredentialsAndNewOnesBeforeTheOldExpire(Vertx vertx) throws Exception {
        long before = System.currentTimeMillis();
        try (WsTestClient clerk = IT.clerk(vertx, "wujin01", false)) {
            ServerMessage.IceServers first = clerk.expect(ServerMessage.IceServers.class);
            checkCredentials(first, before);
            long issued = first.expiresAt() - TTL.toMillis();
            // Not yet half spent: the node's renewal (a 5 s timer, run here by the test) leaves the set alone.
            if (System.currentTimeMillis() < issued + TTL.toMillis() / 2 - 500) {
                IT.server().signaling().refreshIceServers();
                clerk.barrier();
                assertThat(clerk.drain()).noneMatch(m -> m instanceof ServerMessage.IceServers);
            }
            // Past half its lifetime, the renewal sends a new set, long before the old one expires.
            Await.until(
                    "half the credentials' lifetime",
                    TTL,
                    () -> System.currentTimeMillis() >= issued + TTL.toMillis() / 2);
            IT.server().signaling().refreshIceServers();
            ServerMessage.IceServers next =
                    clerk.expect(ServerMessage.IceServers.class, m -> m.expiresAt() > first.expiresAt());
            checkCredentials(next, issued + TTL.toMillis() / 2);
        }
    }

    /** STUN first, then one TURN entry whose credentials coturn would accept until {@code expiresAt}. */
    private static void checkCredentials(ServerMessage.IceServers m, long notIssuedBefore) {
        assertThat(m.iceServers()).hasSize(2);
        assertThat(m.iceServers().get(0)).isEqualTo(STUN);
        ServerMessage.IceServer turn = turnOf(m);
        assertThat(turn.urls()).isEqualTo(TURN_URLS);
        assertThat(turn.username()).matches("\\d+:[A-Za-z0-9_-]{16}");
        long expiry =
                Long.parseLong(turn.username().substring(0, turn.username().indexOf(':')));
        assertThat(expiry).isEqualTo(m.expiresAt() / 1000);
        assertThat(m.expiresAt())
                .isBetween(notIssuedBefore + TTL.toMillis(), System.currentTimeMillis() + TTL.toMillis());
        assertThat(turn.credential()).isEqualTo(TurnCredentials.credential(SECRET, turn.username()));
    }

    private static ServerMessage.IceServer turnOf(ServerMessage.IceServers m) {
        return m.iceServers().get(1);
    }
}
