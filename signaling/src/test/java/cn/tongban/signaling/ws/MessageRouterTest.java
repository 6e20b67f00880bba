package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The router without a socket: registration, the start-time completeness check, access, dispatch. */
class MessageRouterTest {

    /** A connection as a handler sees it, recording what it was sent. */
    static final class FakeClient implements Client {
        final List<ServerMessage> sent = new ArrayList<>();
        Role role;
        String clerkId;
        String ticketId;

        FakeClient(Role role) {
            this.role = role;
        }

        @Override
        public String connId() {
            return "c-test-1";
        }

        @Override
        public Role role() {
            return role;
        }

        @Override
        public String clerkId() {
            return clerkId;
        }

        @Override
        public String ticketId() {
            return ticketId;
        }

        @Override
        public void send(ServerMessage message) {
            sent.add(message);
        }

        @Override
        public void becomeApplicant(String ticket) {
            role = Role.APPLICANT;
            ticketId = ticket;
        }

        @Override
        public void becomeClerk(String clerk) {
            role = Role.CLERK;
            clerkId = clerk;
        }

        @Override
        public void becomeSupervisor() {
            role = Role.SUPERVISOR;
        }

        @Override
        public void dropTicket() {
            ticketId = null;
        }
    }

    private static MessageRouter withEveryTypeBut(Class<?> missing) {
        MessageRouter r = new MessageRouter();
        for (Class<?> t : MessageRouter.concreteTypes(ClientMessage.class)) {
            if (t != missing) {
                register(r, t);
            }
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static <M extends ClientMessage> void register(MessageRouter r, Class<?> t) {
        r.on((Class<M>) t, Access.ANYONE, (from, m) -> {});
    }

    @Test
    void everyConcreteTypeOfTheProtocolIsFound() {
        Set<Class<?>> types = MessageRouter.concreteTypes(ClientMessage.class);
        // Through the sealed sub-interfaces too (declaration, application, desk messages).
        assertThat(types)
                .contains(
                        ClientMessage.Join.class,
                        ClientMessage.DeclOpen.class,
                        ClientMessage.SignComplete.class,
                        ClientMessage.HandoffResend.class)
                .hasSize(ClientMessage.class
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class)
                        .value()
                        .length);
        assertThat(types).allMatch(Class::isRecord);
    }

    @Test
    void aServerWithAMessageTypeNobodyHandlesRefusesToStart() {
        withEveryTypeBut(null).verifyComplete();
        assertThatThrownBy(
                        () -> withEveryTypeBut(ClientMessage.SignComplete.class).verifyComplete())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sign_complete");
    }

    @Test
    void twoHandlersForOneTypeAreRefused() {
        MessageRouter r = new MessageRouter();
        r.on(ClientMessage.Ping.class, Access.ANYONE, (from, m) -> {});
        assertThatThrownBy(() -> r.on(ClientMessage.Ping.class, Access.ANYONE, (from, m) -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ping");
        assertThatThrownBy(() -> r.on(ClientMessage.DeclarationMessage.class, Access.PARTY, (from, m) -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dispatchChecksTheSenderThenRunsTheHandler() {
        MessageRouter r = new MessageRouter();
        SignalingHandler.register(r);
        r.on(ClientMessage.Leave.class, Access.APPLICANT, (from, m) -> from.dropTicket());
        FakeClient anonymous = new FakeClient(null);
        r.dispatch(anonymous, new ClientMessage.Ping("p1"));
        assertThat(anonymous.sent).containsExactly(new ServerMessage.Pong("p1"));

        FakeClient clerk = new FakeClient(Role.CLERK);
        assertThatThrownBy(() -> r.dispatch(clerk, new ClientMessage.Leave("l")))
                .isInstanceOfSatisfying(
                        ProtocolException.class,
                        e -> assertThat(e.code().code()).isEqualTo("FORBIDDEN_FOR_ROLE"));
        assertThat(clerk.sent).isEmpty();
    }

    /** Who may send what: the error each role gets, or null where the message goes to its handler. */
    @Test
    void accessTable() {
        Role[] roles = {null, Role.APPLICANT, Role.CLERK, Role.SUPERVISOR};
        // Columns: not signed in, applicant, clerk, supervisor.
        assertAccess(Access.ANYONE, roles, null, null, null, null);
        assertAccess(Access.APPLICANT, roles, null, null, "FORBIDDEN_FOR_ROLE", "FORBIDDEN_FOR_ROLE");
        assertAccess(Access.CLERK, roles, "UNAUTHENTICATED", "FORBIDDEN_FOR_ROLE", null, "FORBIDDEN_FOR_ROLE");
        assertAccess(Access.CLERK_SIGN_IN, roles, null, "FORBIDDEN_FOR_ROLE", null, "FORBIDDEN_FOR_ROLE");
        assertAccess(Access.PARTY, roles, "NOT_IN_SESSION", null, null, "FORBIDDEN_FOR_ROLE");
        assertAccess(Access.SUPERVISOR, roles, null, "FORBIDDEN_FOR_ROLE", "FORBIDDEN_FOR_ROLE", null);
    }

    private static void assertAccess(Access access, Role[] roles, String... expected) {
        for (int i = 0; i < roles.length; i++) {
            String got;
            try {
                access.check(roles[i], "x");
                got = null;
            } catch (ProtocolException e) {
                got = e.code().code();
            }
            assertThat(got)
                    .as(access + " from " + roles[i] + " " + Arrays.toString(expected))
                    .isEqualTo(expected[i]);
        }
    }
}
