package cn.tongban.session.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionLifecycleTest {

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource({
        "ACTIVE, APPLICANT_HANGUP, WRAP_UP",
        "ACTIVE, APPLICANT_LOST, WRAP_UP",
        "ACTIVE, CLERK_HANGUP, CLOSED",
        "ACTIVE, CLERK_LOST, ABORTED",
        "WRAP_UP, OUTCOME_RECORDED, CLOSED",
        "WRAP_UP, CLERK_HANGUP, CLOSED",
        "WRAP_UP, CLERK_LOST, WRAP_UP",
        "ACTIVE, TRANSFERRED, CLOSED",
        "WRAP_UP, OUTCOME_EXPIRED, ABORTED",
    })
    void allowedTransitions(SessionState from, SessionEvent event, SessionState to) {
        assertThat(SessionLifecycle.next(from, event)).isEqualTo(to);
        assertThat(SessionLifecycle.allows(from, event)).isTrue();
    }

    @ParameterizedTest(name = "{0} + {1} is refused")
    @CsvSource({
        "ACTIVE, OUTCOME_RECORDED",
        "WRAP_UP, APPLICANT_HANGUP",
        "WRAP_UP, APPLICANT_LOST",
        "CLOSED, APPLICANT_HANGUP",
        "CLOSED, CLERK_HANGUP",
        "CLOSED, OUTCOME_RECORDED",
        "ABORTED, CLERK_LOST",
        "ABORTED, OUTCOME_RECORDED",
        "ACTIVE, OUTCOME_EXPIRED",
        "WRAP_UP, TRANSFERRED",
        "CLOSED, TRANSFERRED",
    })
    void refusedTransitions(SessionState from, SessionEvent event) {
        assertThat(SessionLifecycle.allows(from, event)).isFalse();
        assertThatThrownBy(() -> SessionLifecycle.next(from, event))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(event.name());
    }

    @org.junit.jupiter.api.Test
    void endedStates() {
        assertThat(SessionState.CLOSED.isEnded()).isTrue();
        assertThat(SessionState.ABORTED.isEnded()).isTrue();
        assertThat(SessionState.ACTIVE.isEnded()).isFalse();
        assertThat(SessionState.WRAP_UP.isEnded()).isFalse();
    }
}
