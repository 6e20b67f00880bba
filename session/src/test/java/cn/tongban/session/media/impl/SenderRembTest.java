package cn.tongban.session.media.impl;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.Role;
import cn.tongban.session.media.dtls.DtlsCertificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the bridge tells each sender in its REMB: the least its congested receivers allow it, each receiver's
 * estimate shared among its senders in proportion to what it gets from them, between the floor and the
 * ceiling. Two senders (applicant, helper) and a supervisor who receives both.
 */
class SenderRembTest {
    private static final long S = 1_000_000_000L;
    private static final long CEILING = 4_000_000;
    private final ExecutorService dtls = Executors.newSingleThreadExecutor();
    private final DtlsCertificate cert = DtlsCertificate.generate("remb-test");
    private final Conference c = new Conference("s-remb", new CountingMetrics(), cert.fingerprint());

    @AfterEach
    void stop() {
        dtls.shutdownNow();
    }

    @Test
    void aCongestedReceiverSlowsEachOfItsSendersInProportionAndAStaleOneNoLonger() {
        Endpoint applicant = endpoint("applicant", Role.APPLICANT);
        Endpoint helper = endpoint("helper", Role.HELPER);
        Endpoint supervisor = endpoint("supervisor", Role.SUPERVISOR);
        answer(applicant, 0xA);
        answer(helper, 0xB);
        // Before anyone reports: the ceiling, as with the old fixed REMB.
        assertThat(c.rembFor(applicant, CEILING)).isEqualTo(CEILING);

        // The applicant's camera is forwarded at 1.2 Mbit/s, the helper's at 0.4 Mbit/s.
        long t = S;
        c.updateEstimates(t);
        for (int i = 0; i < 3; i++) {
            applicant.uploads.get(0xAL).meter().add(150_000);
            helper.uploads.get(0xBL).meter().add(50_000);
            t += S;
            c.updateEstimates(t);
        }
        // A supervisor with room to spare (1.5x what it gets) holds nobody down.
        supervisor.receiverEstimate.onRemb(2_400_000, t);
        c.updateEstimates(t);
        assertThat(c.rembFor(applicant, CEILING)).isEqualTo(CEILING);

        // Congested at 800 kbit/s: the applicant may have 3/4 of it, the helper 1/4.
        supervisor.receiverEstimate.onRemb(800_000, t);
        supervisor.receiverEstimate.onRemb(800_000, t);
        c.updateEstimates(t);
        long forApplicant = c.rembFor(applicant, CEILING);
        long forHelper = c.rembFor(helper, CEILING);
        assertThat(forApplicant).isBetween(590_000L, 610_000L);
        assertThat(forHelper).isBetween(190_000L, 210_000L);
        // Congested at 400 kbit/s: the helper's quarter is below the floor, which holds.
        supervisor.receiverEstimate.onRemb(400_000, t);
        supervisor.receiverEstimate.onRemb(400_000, t);
        c.updateEstimates(t);
        assertThat(c.rembFor(helper, CEILING)).isEqualTo(Conference.MIN_REMB_BITRATE);
        // The applicant receives the helper and reports nothing: the helper's limit is the supervisor's.
        assertThat(c.rembFor(supervisor, CEILING)).isEqualTo(CEILING);

        // The supervisor falls silent (left, or cut off): after a few seconds it no longer counts.
        t += ReceiverEstimate.STALE_NANOS + 1;
        c.updateEstimates(t);
        assertThat(c.rembFor(applicant, CEILING)).isEqualTo(CEILING);
    }

    private Endpoint endpoint(String id, Role role) {
        return InMemoryConference.endpoint(
                c, id, role, new InMemoryConference.Wire(false), cert, dtls, new CountingMetrics());
    }

    private void answer(Endpoint e, long cameraSsrc) {
        InMemoryConference.answer(c, e, cert, cameraSsrc);
    }
}
