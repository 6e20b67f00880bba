package cn.tongban.signaling.refdata;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable, validated snapshot of the reference data: halls, matters and clerks, and the routing
 * configuration (languages, priority groups, overflow agreements, appointment slots). Built by {@link
 * ReferenceDataStore}; a new snapshot replaces the old one atomically on reload.
 */
public final class ReferenceData {

    /**
     * A partner hall. Codes are GB/T 2260 division codes. {@code nodeUrl}: the base URL of the node that
     * receives the hall's hand-offs (signed applications it owns); null means this node.
     */
    public record Hall(
            String id,
            String name,
            String province,
            String provinceCode,
            String city,
            String cityCode,
            String district,
            String districtCode,
            String nodeUrl) {}

    /**
     * A matter of the catalogue and the halls that own it. {@code recorded}: the policy records every
     * session of this matter on the server (bridge mode; the applicant is told before the call).
     */
    public record Matter(
            String id,
            String name,
            String category,
            String ticketPrefix,
            int serviceMinutes,
            List<String> owningHalls,
            List<String> materials,
            boolean recorded) {}

    /** A clerk's profile (credentials live in the account store). */
    public record ClerkProfile(String id, String name, String hallId, List<String> matters, List<String> languages) {}

    private final Map<String, Hall> halls;
    private final Map<String, Matter> matters;
    private final Map<String, ClerkProfile> clerks;
    private final String initialPassword;
    private final RoutingConfig routing;

    ReferenceData(List<Hall> halls, List<Matter> matters, List<ClerkProfile> clerks, String initialPassword) {
        this(halls, matters, clerks, initialPassword, RoutingConfig.DEFAULT);
    }

    ReferenceData(
            List<Hall> halls,
            List<Matter> matters,
            List<ClerkProfile> clerks,
            String initialPassword,
            RoutingConfig routing) {
        this.halls = index(halls, Hall::id, "hall");
        this.matters = index(matters, Matter::id, "matter");
        this.clerks = index(clerks, ClerkProfile::id, "clerk");
        this.initialPassword = initialPassword;
        this.routing = routing;
        validate();
        routing.validate(this);
    }

    private static <T> Map<String, T> index(List<T> items, Function<T, String> id, String what) {
        Map<String, T> map = new LinkedHashMap<>();
        for (T item : items) {
            if (map.put(id.apply(item), item) != null) {
                throw new IllegalArgumentException("duplicate " + what + " id " + id.apply(item));
            }
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    private void validate() {
        Set<String> prefixes = new java.util.HashSet<>();
        for (Matter m : matters.values()) {
            require(
                    m.ticketPrefix() != null && m.ticketPrefix().matches("[A-Z]"),
                    "matter " + m.id() + ": ticketPrefix must be one capital letter");
            require(
                    prefixes.add(m.ticketPrefix()),
                    "matter " + m.id() + ": ticketPrefix " + m.ticketPrefix() + " is used twice");
            require(
                    m.serviceMinutes() > 0 && m.serviceMinutes() <= 480,
                    "matter " + m.id() + ": serviceMinutes must be 1..480");
            require(!m.owningHalls().isEmpty(), "matter " + m.id() + ": needs at least one owning hall");
            for (String h : m.owningHalls()) {
                require(halls.containsKey(h), "matter " + m.id() + ": unknown owning hall " + h);
            }
        }
        for (ClerkProfile c : clerks.values()) {
            require(
                    c.id().matches("[a-z0-9][a-z0-9_.-]{1,31}"),
                    "clerk " + c.id() + ": id must be 2-32 lower-case letters, digits, '.', '_' or '-'");
            require(halls.containsKey(c.hallId()), "clerk " + c.id() + ": unknown hall " + c.hallId());
            for (String m : c.matters()) {
                Matter matter = matters.get(m);
                require(matter != null, "clerk " + c.id() + ": unknown matter " + m);
                require(
                        matter.owningHalls().contains(c.hallId()),
                        "clerk " + c.id() + ": hall " + c.hallId() + " does not own matter " + m);
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public List<Hall> halls() {
        return List.copyOf(halls.values());
    }

    public List<Matter> matters() {
        return List.copyOf(matters.values());
    }

    public List<ClerkProfile> clerks() {
        return List.copyOf(clerks.values());
    }

    public Optional<Hall> hall(String id) {
        return Optional.ofNullable(halls.get(id));
    }

    public Optional<Matter> matter(String id) {
        return Optional.ofNullable(matters.get(id));
    }

    public Optional<ClerkProfile> clerk(String id) {
        return Optional.ofNullable(clerks.get(id));
    }

    /** Password given to clerks that have no account yet (embedded demo default); may be null. */
    public String initialPassword() {
        return initialPassword;
    }

    /** Languages, priority groups, overflow agreements, appointment slots, supervisors, timings. */
    public RoutingConfig routing() {
        return routing;
    }

    /** The clerks qualified for a matter at a hall. */
    public Set<String> clerksFor(String hallId, String matterId) {
        return clerks.values().stream()
                .filter(c -> c.hallId().equals(hallId) && c.matters().contains(matterId))
                .map(ClerkProfile::id)
                .collect(Collectors.toUnmodifiableSet());
    }
}
