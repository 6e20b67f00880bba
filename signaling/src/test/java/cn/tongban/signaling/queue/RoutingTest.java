package cn.tongban.signaling.queue;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The routing rule alone: no cluster, no clock but the one passed in. */
class RoutingTest {
    static final String YAML =
            """
            halls:
              - {id: hall-a, name: 甲大厅}
              - {id: hall-b, name: 乙大厅}
              - {id: hall-c, name: 丙大厅}
            languages:
              - {id: mandarin, name: 普通话}
              - {id: shanghainese, name: 上海话}
              - {id: english, name: English}
            routing:
              wrapUpSeconds: 0
              overflowMinutes: {m: 10}
              priorityGroups:
                - {id: elderly, name: 70岁以上老人, bonusSeconds: 600}
                - {id: pregnant, name: 孕妇, bonusSeconds: 600}
            agreements:
              - {halls: [hall-a, hall-b], matters: [m, n]}
            matters:
              - {id: m, name: 事项M, ticketPrefix: M, serviceMinutes: 10, owningHalls: [hall-a, hall-b, hall-c]}
              - {id: n, name: 事项N, ticketPrefix: N, serviceMinutes: 10, owningHalls: [hall-a, hall-b]}
            clerks:
              list:
                - {id: a1, name: 甲一, hallId: hall-a, matters: [m, n], languages: [普通话, shanghainese]}
                - {id: a2, name: 甲二, hallId: hall-a, matters: [m]}
                - {id: b1, name: 乙一, hallId: hall-b, matters: [m, n]}
                - {id: c1, name: 丙一, hallId: hall-c, matters: [m]}
            """;
    static final ReferenceData DATA = ReferenceDataStore.fromYaml(YAML);

    private static final long T0 = 1_795_000_000_000L;
    private static long seq;

    static TicketRecord ticket(
            String hall, String matter, long issuedAt, String language, String group, long appointmentAt) {
        seq++;
        return new TicketRecord(
                "t" + seq,
                "X" + seq,
                matter,
                hall,
                null,
                "张三",
                "13812345678",
                seq,
                issuedAt,
                TicketStatus.WAITING,
                false,
                "conn" + seq,
                0,
                "h" + seq,
                null,
                null,
                0,
                language,
                group,
                appointmentAt > 0 ? "ap" + seq : null,
                appointmentAt,
                null,
                1);
    }

    static TicketRecord ticket(String hall, String matter, long issuedAt) {
        return ticket(hall, matter, issuedAt, "mandarin", null, 0);
    }

    private static ReferenceData.ClerkProfile clerk(String id) {
        return DATA.clerk(id).orElseThrow();
    }

    private static List<String> order(List<TicketRecord> tickets, String clerk, long now, Routing.Load load) {
        return Routing.takeable(tickets, clerk(clerk), now, DATA, load).stream()
                .map(c -> c.ticket().ticketId())
                .toList();
    }

    @Test
    void fifoWithinAGroupAndAHeadStartForPriorityClaims() {
        TicketRecord n1 = ticket("hall-a", "m", T0);
        TicketRecord n2 = ticket("hall-a", "m", T0 + 60_000);
        TicketRecord old = ticket("hall-a", "m", T0 + 120_000, "mandarin", "elderly", 0);
        TicketRecord n3 = ticket("hall-a", "m", T0 + 900_000);
        TicketRecord preg = ticket("hall-a", "m", T0 + 950_000, "mandarin", "pregnant", 0);
        long now = T0 + 1_000_000;
        // elderly arrived at +120 s with 600 s head start: counts as -480 s, ahead of both earlier tickets.
        // pregnant at +950 s counts as +350 s: behind n1 (0) and n2 (60 s), ahead of n3 (900 s).
        assertThat(order(List.of(n3, preg, n1, old, n2), "a2", now, Routing.Load.NONE))
                .containsExactly(old.ticketId(), n1.ticketId(), n2.ticketId(), preg.ticketId(), n3.ticketId());
    }

    @Test
    void returnedTicketsThenDueAppointmentsGoToTheHead() {
        TicketRecord early = ticket("hall-a", "m", T0);
        TicketRecord elderly = ticket("hall-a", "m", T0, "mandarin", "elderly", 0);
        TicketRecord appt = ticket("hall-a", "m", T0 + 300_000, "mandarin", null, T0 + 600_000);
        TicketRecord back = ticket("hall-a", "m", T0 + 400_000).backToHead();
        // Before the slot begins the appointment holder waits like anyone else.
        assertThat(order(List.of(early, elderly, appt, back), "a2", T0 + 500_000, Routing.Load.NONE))
                .containsExactly(back.ticketId(), elderly.ticketId(), early.ticketId(), appt.ticketId());
        // At the slot time the holder goes to the head (after tickets sent back by a lost clerk).
        assertThat(order(List.of(early, elderly, appt, back), "a2", T0 + 600_000, Routing.Load.NONE))
                .containsExactly(back.ticketId(), appt.ticketId(), elderly.ticketId(), early.ticketId());
    }

    @Test
    void nobodyStarvesUnderAStreamOfPriorityClaims() {
        // One clerk, service every 60 s, and a priority ticket arriving every 30 s forever: more priority
        // work than the clerk can do. An ordinary ticket must still be served, and within its bound: it can
        // be overtaken only by priority tickets that arrived less than bonus (600 s) after it.
        List<TicketRecord> waiting = new ArrayList<>();
        TicketRecord ordinary = ticket("hall-a", "m", T0 + 1);
        waiting.add(ordinary);
        long now = T0;
        long nextPriority = T0;
        int served = 0;
        while (true) {
            while (nextPriority <= now) {
                waiting.add(ticket("hall-a", "m", nextPriority, "mandarin", "elderly", 0));
                nextPriority += 30_000;
            }
            TicketRecord next = Routing.next(waiting, clerk("a2"), now, DATA, Routing.Load.NONE)
                    .orElseThrow()
                    .ticket();
            waiting.remove(next);
            served++;
            if (next == ordinary) {
                break;
            }
            now += 60_000;
            assertThat(now - T0).as("the ordinary ticket is still waiting").isLessThan(3_600_000);
        }
        // Exactly the 21 priority tickets issued in [T0, T0 + 600 s] go first (effective arrival before
        // T0 + 1 ms); every later one lines up behind the ordinary ticket, which is the 22nd served.
        assertThat(served).isEqualTo(22);
    }

    @Test
    void partnerClerksTakeOverflowOnlyAboveTheThresholdAndWithAnAgreement() {
        TicketRecord mine = ticket("hall-b", "m", T0 + 50_000);
        TicketRecord a = ticket("hall-a", "m", T0);
        TicketRecord c = ticket("hall-c", "m", T0);
        Routing.Load calm = (h, m) -> 300; // 5 min < 10 min threshold
        Routing.Load busy = (h, m) -> h.equals("hall-a") || h.equals("hall-c") ? 1200 : 0;
        ReferenceData.ClerkProfile b1 = clerk("b1");
        assertThat(Routing.eligibility(b1, a, DATA, calm)).isEqualTo(Routing.Eligibility.OVERFLOW_CLOSED);
        assertThat(Routing.eligibility(b1, a, DATA, busy)).isEqualTo(Routing.Eligibility.OVERFLOW);
        // No agreement between hall-b and hall-c, however long hall-c's wait.
        assertThat(Routing.eligibility(b1, c, DATA, busy)).isEqualTo(Routing.Eligibility.NO_AGREEMENT);
        // Own hall's tickets first, then the overflow, even though the overflow ticket is older.
        assertThat(order(List.of(a, c, mine), "b1", T0 + 100_000, busy)).containsExactly(mine.ticketId(), a.ticketId());
        assertThat(order(List.of(a, c, mine), "b1", T0 + 100_000, calm)).containsExactly(mine.ticketId());
        // And the other way round: hall-a's clerk helps hall-b.
        assertThat(Routing.eligibility(clerk("a1"), mine, DATA, (h, m) -> h.equals("hall-b") ? 1200 : 0))
                .isEqualTo(Routing.Eligibility.OVERFLOW);
        // A matter without a threshold never overflows, even with an agreement.
        TicketRecord n = ticket("hall-a", "n", T0);
        assertThat(Routing.eligibility(b1, n, DATA, busy)).isEqualTo(Routing.Eligibility.OVERFLOW_CLOSED);
        // With no clerk on duty at the owning hall the expected wait is infinite: partners may help.
        assertThat(Routing.eligibility(b1, a, DATA, (h, m) -> Double.POSITIVE_INFINITY))
                .isEqualTo(Routing.Eligibility.OVERFLOW);
    }

    @Test
    void languageAndMatterAreSkills() {
        TicketRecord shanghainese = ticket("hall-a", "m", T0, "shanghainese", null, 0);
        TicketRecord english = ticket("hall-a", "m", T0, "english", null, 0);
        TicketRecord n = ticket("hall-a", "n", T0);
        // a1 lists 普通话 by name and shanghainese by id; a2 lists none, so speaks the default only.
        assertThat(Routing.eligibility(clerk("a1"), shanghainese, DATA, Routing.Load.NONE))
                .isEqualTo(Routing.Eligibility.OWN);
        assertThat(Routing.eligibility(clerk("a2"), shanghainese, DATA, Routing.Load.NONE))
                .isEqualTo(Routing.Eligibility.LANGUAGE);
        assertThat(Routing.eligibility(clerk("a1"), english, DATA, Routing.Load.NONE))
                .isEqualTo(Routing.Eligibility.LANGUAGE);
        assertThat(Routing.eligibility(clerk("a2"), n, DATA, Routing.Load.NONE))
                .isEqualTo(Routing.Eligibility.NOT_QUALIFIED);
        assertThat(Routing.eligibility(clerk("a2"), ticket("hall-a", "m", T0, null, null, 0), DATA, Routing.Load.NONE))
                .isEqualTo(Routing.Eligibility.OWN);
    }

    @Test
    void disconnectedApplicantsAreListedButNotHandedOut() {
        TicketRecord gone = ticket("hall-a", "m", T0).withConnection(null, T0 + 1);
        TicketRecord here = ticket("hall-a", "m", T0 + 10);
        assertThat(Routing.candidates(List.of(gone, here), clerk("a2"), T0 + 100, DATA, Routing.Load.NONE))
                .extracting(cand -> cand.ticket().ticketId())
                .containsExactly(gone.ticketId(), here.ticketId());
        assertThat(Routing.next(List.of(gone, here), clerk("a2"), T0 + 100, DATA, Routing.Load.NONE)
                        .orElseThrow()
                        .ticket())
                .isEqualTo(here);
    }

    @Test
    void theOrderDoesNotDependOnTheInputOrder() {
        Random random = new Random(7);
        List<TicketRecord> tickets = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            tickets.add(ticket(
                    "hall-a",
                    "m",
                    T0 + random.nextInt(3_600_000),
                    "mandarin",
                    random.nextInt(5) == 0 ? "elderly" : null,
                    random.nextInt(10) == 0 ? T0 + random.nextInt(3_600_000) : 0));
        }
        List<String> first = order(tickets, "a2", T0 + 1_800_000, Routing.Load.NONE);
        java.util.Collections.shuffle(tickets, random);
        assertThat(order(tickets, "a2", T0 + 1_800_000, Routing.Load.NONE)).isEqualTo(first);
    }
}
