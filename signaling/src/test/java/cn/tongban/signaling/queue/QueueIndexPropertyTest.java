package cn.tongban.signaling.queue;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.refdata.ReferenceData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The index against a full scan: after any sequence of joins, leaves, claims, back-to-head (also to another
 * hall), priority verdicts, disconnects and clock steps (appointments falling due), delivered to the index
 * as listener events (late, in order per ticket only), as its own results (at once) and as stale reads,
 * once the events have arrived every queue's order, every position and every clerk's candidates equal what
 * {@link Routing} computes from all tickets.
 */
class QueueIndexPropertyTest {
    private static final ReferenceData DATA = RoutingTest.DATA;
    private static final long T0 = 1_795_000_000_000L;
    private static final String[] HALLS = {"hall-a", "hall-b", "hall-c"};
    private static final String[] LANGUAGES = {"mandarin", "shanghainese", "english"};

    @Property(tries = 300)
    void indexEqualsAFullScan(@ForAll @Size(max = 120) List<@IntRange(min = 0, max = 1_000_000) Integer> ops) {
        Model model = new Model();
        for (int op : ops) {
            model.step(op);
            model.check();
        }
    }

    @Property(tries = 200)
    void afterAClaimEveryoneBehindMovesUpByOne(
            @ForAll @Size(min = 1, max = 150) List<@IntRange(min = 0, max = 1_000_000) Integer> joins,
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 1_000_000) Integer> claims) {
        Model model = new Model();
        for (int j : joins) {
            model.join(j);
        }
        for (int c : claims) {
            List<TicketRecord> waiting = model.waiting();
            if (waiting.isEmpty()) {
                return;
            }
            TicketRecord gone = waiting.get(c % waiting.size());
            QueueView before = model.view();
            Map<String, Integer> old = new HashMap<>();
            for (TicketRecord t : waiting) {
                old.put(t.ticketId(), before.place(t.ticketId()).position());
            }
            int at = old.get(gone.ticketId());
            model.apply(gone.inSession("s-" + c, "a1"), c);
            QueueView after = model.view();
            assertThat(after.place(gone.ticketId())).isNull();
            for (TicketRecord t : waiting) {
                if (t == gone) {
                    continue;
                }
                int expected = t.queueKey().equals(gone.queueKey()) && old.get(t.ticketId()) > at
                        ? old.get(t.ticketId()) - 1
                        : old.get(t.ticketId());
                assertThat(after.place(t.ticketId()).position())
                        .as("position of %s after %s (at %d) was claimed", t.ticketId(), gone.ticketId(), at)
                        .isEqualTo(expected);
            }
        }
    }

    @Example
    void aTicketThatKeepsChangingNeverLosesItsPlaceToAReader() throws Exception {
        Model model = new Model();
        model.join(1);
        TicketRecord first = model.waiting().get(0);
        QueueIndex index = model.index;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger lost = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                if (index.snapshot(T0, DATA.routing()).position(first.ticketId()) != 1) {
                    lost.incrementAndGet();
                }
            }
        });
        reader.start();
        TicketRecord t = first;
        for (int i = 0; i < 200_000; i++) {
            t = t.withConnection("conn-" + i, 0);
            index.event(t);
        }
        stop.set(true);
        reader.join();
        assertThat(lost.get()).isZero();
    }

    /** The tickets as the map would hold them, and an index fed with every change. */
    private static final class Model {
        private final Map<String, TicketRecord> tickets = new LinkedHashMap<>();
        private final List<TicketRecord> history = new ArrayList<>();
        private final List<TicketRecord> events = new ArrayList<>();
        private final QueueIndex index = QueueIndex.of(List.of(), T0, DATA.routing());
        private long now = T0;
        private long seq;

        void step(int op) {
            int arg = op / 8;
            switch (op % 8) {
                case 0, 1 -> join(arg);
                case 2 -> change(TicketStatus.WAITING, arg, t -> t.ended(TicketStatus.CANCELLED, now));
                case 3 -> change(TicketStatus.WAITING, arg, t -> t.inSession("s-" + arg, "a1"));
                case 4 -> change(TicketStatus.IN_SESSION, arg, t -> {
                    List<String> owning =
                            DATA.matter(t.matterId()).orElseThrow().owningHalls();
                    return t.backToHead(owning.get(arg % owning.size()));
                });
                case 5 -> change(
                        null,
                        arg,
                        t -> t.priorityGroup() != null && t.priorityVerdict() == null
                                ? t.withPriorityVerdict(arg % 2 == 0 ? "confirmed" : "rejected")
                                : null);
                case 6 -> now += (arg % 20) * 60_000L;
                default -> change(
                        null,
                        arg,
                        t -> t.status().isFinal()
                                ? null
                                : t.connected() ? t.withConnection(null, now) : t.withConnection("conn-" + arg, 0));
            }
        }

        void join(int arg) {
            Random r = new Random(arg);
            String matter = r.nextInt(3) == 0 ? "n" : "m";
            String hall = matter.equals("n") ? HALLS[r.nextInt(2)] : HALLS[r.nextInt(3)];
            String group = r.nextInt(4) == 0 ? "elderly" : null;
            long appointment = r.nextInt(5) == 0 ? now + (r.nextInt(40) - 10) * 60_000L : 0;
            now += r.nextInt(3) * 1_000L;
            seq++;
            TicketRecord t = new TicketRecord(
                    "t" + seq,
                    "X" + seq,
                    matter,
                    hall,
                    null,
                    "张三",
                    "13812345678",
                    seq,
                    now,
                    TicketStatus.WAITING,
                    false,
                    "conn" + seq,
                    0,
                    "h" + seq,
                    null,
                    null,
                    0,
                    LANGUAGES[r.nextInt(LANGUAGES.length)],
                    group,
                    appointment > 0 ? "ap" + seq : null,
                    appointment,
                    null,
                    1);
            apply(t, arg);
        }

        private void change(TicketStatus from, int arg, java.util.function.UnaryOperator<TicketRecord> f) {
            List<TicketRecord> candidates = tickets.values().stream()
                    .filter(t -> from == null || t.status() == from)
                    .toList();
            if (candidates.isEmpty()) {
                return;
            }
            TicketRecord changed = f.apply(candidates.get(arg % candidates.size()));
            if (changed != null) {
                apply(changed, arg);
            }
        }

        /**
         * The map changes. Its event reaches the index later, in order per ticket but in any order across
         * tickets; sometimes the change is this member's own and its result reaches the index at once; and
         * sometimes a stale read of an older version comes in (a sweep that read before the change).
         */
        void apply(TicketRecord t, int arg) {
            tickets.put(t.ticketId(), t);
            history.add(t);
            events.add(t);
            if (arg % 3 == 0) {
                index.result(t);
            }
            if (arg % 4 != 0 && !events.isEmpty()) {
                // Deliver the earliest pending event of some ticket.
                String id = events.get(arg % events.size()).ticketId();
                for (int i = 0; i < events.size(); i++) {
                    if (events.get(i).ticketId().equals(id)) {
                        index.event(events.remove(i));
                        break;
                    }
                }
            }
            if (arg % 5 == 0 && history.size() > 1) {
                TicketRecord old = history.get(arg % (history.size() - 1));
                if (old.version() < tickets.get(old.ticketId()).version()) {
                    index.read(old);
                }
            }
        }

        /** Every pending event arrives. */
        void flush() {
            events.forEach(index::event);
            events.clear();
        }

        List<TicketRecord> waiting() {
            return tickets.values().stream().filter(TicketRecord::isWaiting).toList();
        }

        QueueView view() {
            flush();
            return new QueueView(index.snapshot(now, DATA.routing()), List.of(), Map.of(), DATA);
        }

        void check() {
            QueueView view = view();
            Comparator<TicketRecord> order = Routing.servingOrder(now, DATA.routing());
            Map<String, List<TicketRecord>> byQueue = new HashMap<>();
            for (TicketRecord t : waiting()) {
                byQueue.computeIfAbsent(t.queueKey(), k -> new ArrayList<>()).add(t);
            }
            assertThat(view.totalWaiting()).isEqualTo(waiting().size());
            for (List<TicketRecord> queue : byQueue.values()) {
                queue.sort(order);
                for (int i = 0; i < queue.size(); i++) {
                    assertThat(view.place(queue.get(i).ticketId()).position())
                            .as("position of %s", queue.get(i).ticketId())
                            .isEqualTo(i + 1);
                }
            }
            List<TicketRecord> all = new ArrayList<>(waiting());
            all.sort(order);
            assertThat(ids(view.waiting())).isEqualTo(ids(all));
            for (ReferenceData.ClerkProfile clerk : DATA.clerks()) {
                List<Routing.Candidate> scan = Routing.candidates(tickets.values(), clerk, now, DATA, view);
                assertThat(view.candidatesFor(clerk))
                        .as("candidates of %s", clerk.id())
                        .isEqualTo(scan);
                assertThat(view.candidates(clerk, 3).total()).isEqualTo(scan.size());
            }
            for (TicketRecord t : tickets.values()) {
                if (!t.isWaiting()) {
                    assertThat(view.place(t.ticketId())).isNull();
                }
            }
        }

        private static List<String> ids(List<TicketRecord> l) {
            return l.stream().map(TicketRecord::ticketId).toList();
        }
    }
}
