package cn.tongban.signaling.sim;

import java.util.List;
import java.util.Map;

/** The scenarios of docs/queue-simulation.md. */
final class Scenarios {
    private Scenarios() {}

    static final long SEED = 20260302L;

    /**
     * One hall, one matter, {@code clerks} identical clerks, Poisson arrivals at load ρ = λ·s/c,
     * exponential service: the M/M/c queue of Erlang C. Continuous (stationary) run of {@code days}
     * eight-hour days, the first day discarded as warm-up.
     */
    static QueueSimulation.Scenario pooled(int clerks, double rho, double serviceMinutes, int days, long seed) {
        StringBuilder yaml = new StringBuilder(
                """
                routing: {wrapUpSeconds: 0}
                halls:
                  - {id: hall, name: 模拟大厅}
                matters:
                  - {id: matter, name: 模拟事项, ticketPrefix: A, serviceMinutes: %d, owningHalls: [hall]}
                clerks:
                  list:
                """
                        .formatted(Math.round(serviceMinutes)));
        for (int i = 0; i < clerks; i++) {
            yaml.append("    - {id: clerk")
                    .append(i)
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: hall, matters: [matter]}\n");
        }
        double perHour = rho * clerks / serviceMinutes * 60;
        return new QueueSimulation.Scenario(
                "pooled c=" + clerks + " ρ=" + rho,
                yaml.toString(),
                List.of(new QueueSimulation.Stream("hall", "matter", perHour)),
                Map.of("matter", serviceMinutes),
                days,
                8,
                true,
                8,
                seed);
    }

    /**
     * One hall, two matters with different service times, clerks of three kinds: property only (3),
     * business only (2), both (2). Property 12/h at 15 min, business 9/h at 20 min: load 6 on 7 clerks.
     * Eight-hour days starting empty.
     */
    static QueueSimulation.Scenario multiSkill(int days, long seed) {
        String yaml =
                """
                routing: {wrapUpSeconds: 0}
                halls:
                  - {id: wujin, name: 武进}
                matters:
                  - {id: property, name: 产权证, ticketPrefix: B, serviceMinutes: 15, owningHalls: [wujin]}
                  - {id: business, name: 企业开办, ticketPrefix: Q, serviceMinutes: 20, owningHalls: [wujin]}
                clerks:
                  list:
                    - {id: p1, name: 甲, hallId: wujin, matters: [property]}
                    - {id: p2, name: 乙, hallId: wujin, matters: [property]}
                    - {id: p3, name: 丙, hallId: wujin, matters: [property]}
                    - {id: b1, name: 丁, hallId: wujin, matters: [business]}
                    - {id: b2, name: 戊, hallId: wujin, matters: [business]}
                    - {id: x1, name: 己, hallId: wujin, matters: [property, business]}
                    - {id: x2, name: 庚, hallId: wujin, matters: [property, business]}
                """;
        return new QueueSimulation.Scenario(
                "multi-skill",
                yaml,
                List.of(
                        new QueueSimulation.Stream("wujin", "property", 12),
                        new QueueSimulation.Stream("wujin", "business", 9)),
                Map.of("property", 15.0, "business", 20.0),
                days,
                8,
                false,
                0,
                seed);
    }

    /**
     * Two halls owning the same matter (15 min), 4 clerks each. Wujin is overloaded during the day
     * (17 arrivals/h, ρ ≈ 1.06), Qingpu is not (10/h, ρ ≈ 0.63). {@code thresholdMinutes} null: no
     * agreement (each hall on its own); otherwise an agreement for the matter with that overflow
     * threshold. Eight-hour days starting empty.
     */
    static QueueSimulation.Scenario overflow(Integer thresholdMinutes, int days, long seed) {
        String agreement = thresholdMinutes == null
                ? "routing: {wrapUpSeconds: 0}\n"
                : """
                routing: {wrapUpSeconds: 0, overflowMinutes: {property: %d}}
                agreements:
                  - {halls: [wujin, qingpu], matters: [property]}
                """
                        .formatted(thresholdMinutes);
        StringBuilder yaml = new StringBuilder(agreement)
                .append(
                        """
                        halls:
                          - {id: wujin, name: 武进}
                          - {id: qingpu, name: 青浦}
                        matters:
                          - {id: property, name: 产权证, ticketPrefix: B, serviceMinutes: 15, owningHalls: [wujin, qingpu]}
                        clerks:
                          list:
                        """);
        for (String hall : List.of("wujin", "qingpu")) {
            for (int i = 1; i <= 4; i++) {
                yaml.append("    - {id: ")
                        .append(hall)
                        .append(i)
                        .append(", name: 办事员, hallId: ")
                        .append(hall)
                        .append(", matters: [property]}\n");
            }
        }
        return new QueueSimulation.Scenario(
                thresholdMinutes == null ? "no overflow" : "overflow after " + thresholdMinutes + " min",
                yaml.toString(),
                List.of(
                        new QueueSimulation.Stream("wujin", "property", 17),
                        new QueueSimulation.Stream("qingpu", "property", 10)),
                Map.of("property", 15.0),
                days,
                8,
                false,
                0,
                seed);
    }
}
