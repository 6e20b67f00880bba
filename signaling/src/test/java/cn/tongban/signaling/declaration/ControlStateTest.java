package cn.tongban.signaling.declaration;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.declaration.ControlState.Mode;
import org.junit.jupiter.api.Test;

/** The consent state machine without a cluster. */
class ControlStateTest {
    @Test
    void controlOnlyThroughTheApplicantsGrantAndEndsOnRevoke() {
        ControlState s = ControlState.initial();
        assertThat(s.mode()).isEqualTo(Mode.VIEW);
        assertThat(s.setMode(Mode.CONTROL, 1).refusal()).isEqualTo("CONTROL_NOT_GRANTED");
        assertThat(s.answer(true, 1).refusal()).as("nothing to grant").isEqualTo("WRONG_STATE");

        s = s.setMode(Mode.POINTER, 2).after();
        assertThat(s.mode()).isEqualTo(Mode.POINTER);
        assertThat(s.epoch()).isZero();

        s = s.request("wujin01", 3).after();
        assertThat(s.pendingBy()).isEqualTo("wujin01");
        assertThat(s.mode()).as("asking changes nothing yet").isEqualTo(Mode.POINTER);
        ControlState denied = s.answer(false, 4).after();
        assertThat(denied.mode()).isEqualTo(Mode.POINTER);
        assertThat(denied.pendingBy()).isNull();
        assertThat(denied.answer(true, 5).refused())
                .as("a denied request cannot be granted later")
                .isTrue();

        s = s.answer(true, 6).after();
        assertThat(s.mode()).isEqualTo(Mode.CONTROL);
        assertThat(s.epoch()).isEqualTo(1);
        assertThat(s.request("wujin01", 7).refusal()).isEqualTo("WRONG_STATE");

        ControlState.Result revoked = s.revoke(8);
        assertThat(revoked.after().mode()).isEqualTo(Mode.VIEW);
        assertThat(revoked.after().epoch()).isEqualTo(2);
        assertThat(revoked.after().revoke(9).changed())
                .as("revoking twice is harmless")
                .isFalse();

        ControlState released = s.setMode(Mode.POINTER, 10).after();
        assertThat(released.mode()).isEqualTo(Mode.POINTER);
        assertThat(released.epoch())
                .as("a release ends control like a revocation")
                .isEqualTo(2);

        ControlState pending = ControlState.initial().request("wujin01", 11).after();
        ControlState withdrawn = pending.revoke(12).after();
        assertThat(withdrawn.pendingBy()).isNull();
        assertThat(withdrawn.answer(true, 13).refused()).isTrue();
    }
}
