package cn.tongban.signaling.refdata;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * How tickets are routed to clerks, from the {@code languages}, {@code routing}, {@code agreements} and
 * {@code slots} sections of {@code refdata.yaml}. Immutable; validated against the rest of the reference
 * data when a snapshot is built. Every section is optional: an old file without them gets {@link
 * #DEFAULT} (Mandarin only, no priority groups, no overflow, no appointments).
 *
 * @param languages languages an applicant may ask for; the first is the default
 * @param languagesConfigured whether the file lists languages (then every clerk language must be one)
 * @param priorityGroups groups that may claim priority, with their head start
 * @param agreements hall pairs whose clerks may take each other's overflow for some matters
 * @param overflowMinutes per matter: the owning hall's expected wait beyond which partner clerks may help
 * @param slots bookable appointment slots per hall and matter
 * @param supervisors clerk ids allowed to watch every queue
 * @param wrapUpSeconds how long a clerk stays in wrap-up after a session before becoming available again
 * @param outcomeGraceMinutes how long an outcome owed in wrap-up waits for a clerk who is gone
 * @param appointmentGraceMinutes how late after its slot start an appointment may still check in
 * @param checkInEarlyMinutes how early before its slot start an appointment may check in
 * @param alertMinutes per matter: the longest wait beyond which the supervisor's board raises an alert (and
 *     within which a take counts for the service level); a matter without one uses its overflow threshold
 * @param defaultAlertMinutes the alert threshold of a matter with neither
 */
public record RoutingConfig(
        List<Language> languages,
        boolean languagesConfigured,
        List<PriorityGroup> priorityGroups,
        List<Agreement> agreements,
        Map<String, Integer> overflowMinutes,
        List<SlotSchedule> slots,
        Set<String> supervisors,
        int wrapUpSeconds,
        int outcomeGraceMinutes,
        int appointmentGraceMinutes,
        int checkInEarlyMinutes,
        Map<String, Integer> alertMinutes,
        int defaultAlertMinutes) {

    /** A language an applicant may be served in. {@code id} is what the protocol carries. */
    public record Language(String id, String name) {}

    /**
     * A group that may claim priority (people aged 70 and over, disabled people, pregnant women…). A
     * claim gives {@code bonusSeconds} of head start in the serving order (see {@code Routing}); the clerk
     * confirms or flags it at service time.
     */
    public record PriorityGroup(String id, String name, int bonusSeconds) {}

    /** Two halls whose qualified clerks may take each other's tickets for {@code matters} on overflow. */
    public record Agreement(Set<String> halls, Set<String> matters) {}

    /** Bookable slots of one hall and matter: on {@code days}, starting at {@code times}, {@code capacity} each. */
    public record SlotSchedule(
            String hallId, String matterId, Set<DayOfWeek> days, List<LocalTime> times, int minutes, int capacity) {}

    public static final Language MANDARIN = new Language("mandarin", "普通话");

    public static final RoutingConfig DEFAULT = new RoutingConfig(
            List.of(MANDARIN),
            false,
            List.of(),
            List.of(),
            Map.of(),
            List.of(),
            Set.of(),
            60,
            30,
            10,
            30,
            Map.of(),
            15);

    public RoutingConfig {
        languages = List.copyOf(languages);
        priorityGroups = List.copyOf(priorityGroups);
        agreements = List.copyOf(agreements);
        overflowMinutes = Map.copyOf(overflowMinutes);
        alertMinutes = Map.copyOf(alertMinutes);
        slots = List.copyOf(slots);
        supervisors = Set.copyOf(supervisors);
    }

    /** The language assumed when an applicant names none, and spoken by clerks who list none. */
    public Language defaultLanguage() {
        return languages.get(0);
    }

    public Optional<Language> language(String id) {
        return languages.stream().filter(l -> l.id().equals(id)).findFirst();
    }

    /** Whether the clerk can serve in the language (clerk languages may be given by id or by name). */
    public boolean speaks(ReferenceData.ClerkProfile clerk, String languageId) {
        String wanted = languageId == null ? defaultLanguage().id() : languageId;
        if (clerk.languages().isEmpty()) {
            return wanted.equals(defaultLanguage().id());
        }
        String name = language(wanted).map(Language::name).orElse(null);
        return clerk.languages().stream().anyMatch(l -> l.equals(wanted) || l.equals(name));
    }

    public Optional<PriorityGroup> priorityGroup(String id) {
        return priorityGroups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    /** The head start of a claimed group in seconds; 0 for none or a group no longer configured. */
    public int bonusSeconds(String groupId) {
        return groupId == null
                ? 0
                : priorityGroup(groupId).map(PriorityGroup::bonusSeconds).orElse(0);
    }

    /** Whether an agreement between the two halls covers the matter. */
    public boolean agreementCovers(String hallA, String hallB, String matterId) {
        if (hallA.equals(hallB)) {
            return false;
        }
        return agreements.stream()
                .anyMatch(a -> a.halls().contains(hallA)
                        && a.halls().contains(hallB)
                        && a.matters().contains(matterId));
    }

    /** The overflow threshold of a matter in seconds; empty when the matter never overflows. */
    public OptionalLong overflowThresholdSeconds(String matterId) {
        Integer m = overflowMinutes.get(matterId);
        return m == null ? OptionalLong.empty() : OptionalLong.of(m * 60L);
    }

    /**
     * The supervisor's alert threshold of a matter in seconds: its {@code alertMinutes}, else its overflow
     * threshold, else {@code defaultAlertMinutes}.
     */
    public int alertThresholdSeconds(String matterId) {
        Integer m = alertMinutes.get(matterId);
        if (m != null) {
            return m * 60;
        }
        return (int) overflowThresholdSeconds(matterId).orElse(defaultAlertMinutes * 60L);
    }

    public boolean isSupervisor(String clerkId) {
        return supervisors.contains(clerkId);
    }

    public List<SlotSchedule> slotsOf(String hallId, String matterId) {
        return slots.stream()
                .filter(s -> s.hallId().equals(hallId) && s.matterId().equals(matterId))
                .toList();
    }

    void validate(ReferenceData data) {
        require(!languages.isEmpty(), "languages: at least one is required");
        Set<String> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Language l : languages) {
            require(
                    l.id() != null && l.id().matches("[a-z][a-z0-9-]{1,31}"),
                    "language " + l.id() + ": id must be 2-32 lower-case letters, digits or '-'");
            require(l.name() != null && !l.name().isBlank(), "language " + l.id() + ": name is required");
            require(ids.add(l.id()) && names.add(l.name()), "language " + l.id() + " is listed twice");
        }
        if (languagesConfigured) {
            for (ReferenceData.ClerkProfile c : data.clerks()) {
                for (String l : c.languages()) {
                    require(ids.contains(l) || names.contains(l), "clerk " + c.id() + ": unknown language " + l);
                }
            }
        }
        Set<String> groups = new HashSet<>();
        for (PriorityGroup g : priorityGroups) {
            require(g.id() != null && g.id().matches("[a-z][a-z0-9-]{1,31}"), "priority group " + g.id() + ": bad id");
            require(g.name() != null && !g.name().isBlank(), "priority group " + g.id() + ": name is required");
            require(groups.add(g.id()), "priority group " + g.id() + " is listed twice");
            require(
                    g.bonusSeconds() >= 0 && g.bonusSeconds() <= 4 * 3600,
                    "priority group " + g.id() + ": bonusSeconds must be 0..14400");
        }
        for (Agreement a : agreements) {
            require(a.halls().size() == 2, "agreement " + a.halls() + ": needs exactly two different halls");
            for (String h : a.halls()) {
                require(data.hall(h).isPresent(), "agreement " + a.halls() + ": unknown hall " + h);
            }
            require(!a.matters().isEmpty(), "agreement " + a.halls() + ": needs at least one matter");
            for (String m : a.matters()) {
                require(data.matter(m).isPresent(), "agreement " + a.halls() + ": unknown matter " + m);
            }
        }
        overflowMinutes.forEach((m, minutes) -> {
            require(data.matter(m).isPresent(), "routing.overflowMinutes: unknown matter " + m);
            require(
                    minutes != null && minutes >= 0 && minutes <= 480,
                    "routing.overflowMinutes." + m + ": must be 0..480");
        });
        alertMinutes.forEach((m, minutes) -> {
            require(data.matter(m).isPresent(), "routing.alertMinutes: unknown matter " + m);
            require(
                    minutes != null && minutes >= 0 && minutes <= 480,
                    "routing.alertMinutes." + m + ": must be 0..480");
        });
        require(defaultAlertMinutes >= 0 && defaultAlertMinutes <= 480, "routing.defaultAlertMinutes must be 0..480");
        for (SlotSchedule s : slots) {
            String what = "slots " + s.hallId() + "/" + s.matterId();
            require(data.hall(s.hallId()).isPresent(), what + ": unknown hall");
            ReferenceData.Matter matter = data.matter(s.matterId()).orElse(null);
            require(matter != null, what + ": unknown matter");
            require(matter.owningHalls().contains(s.hallId()), what + ": the hall does not own the matter");
            require(!s.days().isEmpty() && !s.times().isEmpty(), what + ": needs days and times");
            require(s.minutes() >= 5 && s.minutes() <= 240, what + ": minutes must be 5..240");
            require(s.capacity() >= 1 && s.capacity() <= 50, what + ": capacity must be 1..50");
            require(new HashSet<>(s.times()).size() == s.times().size(), what + ": a time is listed twice");
        }
        for (String id : supervisors) {
            require(data.clerk(id).isPresent(), "clerks.supervisors: unknown clerk " + id);
        }
        require(wrapUpSeconds >= 0 && wrapUpSeconds <= 3600, "routing.wrapUpSeconds must be 0..3600");
        require(
                outcomeGraceMinutes >= 1 && outcomeGraceMinutes <= 24 * 60,
                "routing.outcomeGraceMinutes must be 1..1440");
        require(
                appointmentGraceMinutes >= 0 && appointmentGraceMinutes <= 120,
                "routing.appointmentGraceMinutes must be 0..120");
        require(checkInEarlyMinutes >= 0 && checkInEarlyMinutes <= 240, "routing.checkInEarlyMinutes must be 0..240");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
