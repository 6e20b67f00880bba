package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.protocol.ServerMessage.TicketState;
import org.junit.jupiter.api.Test;

class PushFilterTest {
    private static ServerMessage.Ticket ticket(
            String id, TicketState state, Integer position, String re, String token, long version) {
        return new ServerMessage.Ticket(
                id, "B001", "m", "h", state, position, 60, token, null, re, null, null, null, version);
    }

    @Test
    void aPushOvertakenByALaterChangeIsDropped() {
        PushFilter f = new PushFilter();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 2, "j", "tok", 1))).isTrue();
        assertThat(f.admit(ticket("t1", TicketState.IN_SESSION, null, null, null, 2)))
                .isTrue();
        // The clerk was lost: back to the head (version 3) ...
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 1, null, null, 3))).isTrue();
        // ... and the in-session push computed before it arrives late: dropped, even as an answer.
        assertThat(f.admit(ticket("t1", TicketState.IN_SESSION, null, null, null, 2)))
                .isFalse();
        assertThat(f.admit(ticket("t1", TicketState.IN_SESSION, null, "x", null, 2)))
                .isFalse();
    }

    @Test
    void theSamePlaceIsToldOnceButAnswersAlwaysGo() {
        PushFilter f = new PushFilter();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 3, null, null, 1))).isTrue();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 3, null, null, 1))).isFalse();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 2, null, null, 1))).isTrue();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 2, "r", "tok", 1))).isTrue();
    }

    @Test
    void versionsArePerTicket() {
        PushFilter f = new PushFilter();
        assertThat(f.admit(ticket("t1", TicketState.CANCELLED, null, "l", null, 5)))
                .isTrue();
        // A new ticket on the same connection starts at version 1 again.
        assertThat(f.admit(ticket("t2", TicketState.WAITING, 1, "j", "tok", 1))).isTrue();
        assertThat(f.admit(ticket("t1", TicketState.WAITING, 4, null, null, 4))).isFalse();
    }

    @Test
    void aPairedOvertakenByTheEndOfItsSessionIsDropped() {
        PushFilter f = new PushFilter();
        assertThat(f.admit(paired("s-1", 1))).isTrue();
        assertThat(f.admit(ended("s-1", 3L))).isTrue();
        // The resume's paired was built from the session before the hang-up: dropped.
        assertThat(f.admit(paired("s-1", 2))).isFalse();
        // Another session (a transfer) is told; so are messages without a version (a helper's view).
        assertThat(f.admit(paired("s-2", 1))).isTrue();
        assertThat(f.admit(ended("s-1", null))).isTrue();
    }

    private static ServerMessage.Paired paired(String sid, long version) {
        return new ServerMessage.Paired(
                sid, "applicant", false, true, null, "t1", "B001", "m", "h", null, null, version);
    }

    private static ServerMessage.Ended ended(String sid, Long version) {
        return new ServerMessage.Ended(sid, "clerk", "hangup", false, null, null, version);
    }
}
