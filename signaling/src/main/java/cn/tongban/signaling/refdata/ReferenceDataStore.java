package cn.tongban.signaling.refdata;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the reference data from {@code <data-dir>/refdata.yaml} and reloads it when the file changes
 * ({@link #reloadIfChanged()}, called periodically by the server). An invalid edit is logged and ignored: the
 * previous snapshot stays.
 *
 * <p>The file is what makes a data directory <em>set up</em> ({@link #isSetUp}): {@code tongban.jar setup}
 * writes it with the hall's own identity and no demo data ({@link #writeFirstHall}); only a start with {@code
 * --demo} seeds it from the built-in demo (five halls, seven clerks with a published password).
 */
public final class ReferenceDataStore {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceDataStore.class);
    private static final String DEFAULT_RESOURCE = "/tongban/refdata.yaml";
    private static final String FILE = "refdata.yaml";

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private volatile ReferenceData current;
    private volatile FileTime loadedModified;
    private final List<Consumer<ReferenceData>> listeners = new CopyOnWriteArrayList<>();

    private ReferenceDataStore(Path file, ReferenceData data, FileTime modified) {
        this.file = file;
        this.current = data;
        this.loadedModified = modified;
    }

    /** Thrown by {@link #open} for a data directory that was never set up. */
    public static final class NotSetUpException extends IOException {
        private static final long serialVersionUID = 1L;

        NotSetUpException(Path dataDir) {
            super("the data directory " + dataDir.toAbsolutePath() + " is not set up: run `tongban.jar setup`"
                    + " for a real hall, or start with --demo for the demo halls and accounts");
        }
    }

    /** Whether {@code dataDir} holds reference data (set up, or seeded with the demo). */
    public static boolean isSetUp(Path dataDir) {
        return Files.exists(dataDir.resolve(FILE));
    }

    /** Opens the store of a set-up data directory. Fails if the file is missing ({@link NotSetUpException}) or invalid. */
    public static ReferenceDataStore open(Path dataDir) throws IOException {
        return open(dataDir, false);
    }

    /**
     * Opens the store; with {@code demo}, a data directory that is not set up is seeded with the built-in demo
     * reference data first. Fails if the file is invalid.
     */
    public static ReferenceDataStore open(Path dataDir, boolean demo) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            if (!demo) {
                throw new NotSetUpException(dataDir);
            }
            Files.createDirectories(dataDir);
            try (InputStream in = ReferenceDataStore.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IOException("built-in reference data is missing from the jar");
                }
                Files.copy(in, file);
            }
            LOG.info("Seeded the demo reference data into {}", file);
        }
        FileTime modified = Files.getLastModifiedTime(file);
        return new ReferenceDataStore(file, parse(file), modified);
    }

    /** The built-in default, as shipped in the jar. */
    public static ReferenceData builtIn() throws IOException {
        try (InputStream in = ReferenceDataStore.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            return toModel(YAML.readValue(in, FileModel.class));
        }
    }

    /** Parses and validates reference data given as YAML text (tests, simulations, tools). */
    public static ReferenceData fromYaml(String yaml) {
        try {
            return toModel(YAML.readValue(yaml, FileModel.class));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("cannot read reference data: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Writes the reference data of a new installation: one hall, its first administrator (a clerk who is a
     * supervisor, without matters), no matters and no initial password, with comments on what to add. Checked
     * like any edit before it is moved into place; fails if the directory is set up already.
     */
    public static ReferenceData writeFirstHall(Path dataDir, ReferenceData.Hall hall, ReferenceData.ClerkProfile admin)
            throws IOException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString(), null, "already set up");
        }
        FileModel m = new FileModel();
        HallModel h = new HallModel();
        h.id = hall.id();
        h.name = hall.name();
        h.province = hall.province();
        h.provinceCode = hall.provinceCode();
        h.city = hall.city();
        h.cityCode = hall.cityCode();
        h.district = hall.district();
        h.districtCode = hall.districtCode();
        m.halls = List.of(h);
        m.matters = List.of();
        m.clerks = new ClerksModel();
        ClerkModel c = new ClerkModel();
        c.id = admin.id();
        c.name = admin.name();
        c.hallId = admin.hallId();
        c.matters = List.of();
        c.languages = admin.languages();
        m.clerks.list = List.of(c);
        m.clerks.supervisors = List.of(admin.id());
        ObjectMapper writer = new ObjectMapper(new YAMLFactory()
                        .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
                .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
        String text = FIRST_HALL_HEADER + writer.writeValueAsString(m);
        ReferenceData data = fromYaml(text);
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempFile(dataDir, ".refdata-", ".yaml");
        try {
            Files.writeString(tmp, text, java.nio.charset.StandardCharsets.UTF_8);
            // A link, not a rename: it fails if the file exists, so a second setup racing this one loses
            // instead of overwriting, and the file appears whole.
            Files.createLink(file, tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return data;
    }

    private static final String FIRST_HALL_HEADER =
            """
            # Tongban reference data of this installation, written by `tongban.jar setup`: this hall, its first
            # administrator, nothing else. Edit this file; the server re-reads it within a few seconds of a change
            # and, if the edit is invalid, logs why and keeps the previous version. The demo reference data in the
            # jar (`tongban.jar --demo` on an empty data directory writes it out) shows every key: partner halls,
            # matters with their materials and ticket prefixes, clerks, languages, routing, agreements, slots.
            #
            # Clerk passwords are not kept here. A clerk added below has no account until an administrator runs
            # `tongban.jar account reset <id>`, which prints a one-time password the clerk must replace at the first
            # sign-in. Do not add `clerks.initialPassword`: that is the demo's shared password.

            """;

    public ReferenceData current() {
        return current;
    }

    public Path file() {
        return file;
    }

    /** Called with each newly loaded snapshot. */
    public void onReload(Consumer<ReferenceData> listener) {
        listeners.add(listener);
    }

    /** Re-reads the file if its modification time changed. Returns true when a new snapshot was loaded. */
    public synchronized boolean reloadIfChanged() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (modified.equals(loadedModified)) {
                return false;
            }
            loadedModified = modified;
            ReferenceData data = parse(file);
            current = data;
            LOG.info(
                    "Reloaded reference data: {} halls, {} matters, {} clerks",
                    data.halls().size(),
                    data.matters().size(),
                    data.clerks().size());
            listeners.forEach(l -> l.accept(data));
            return true;
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("Reference data {} is invalid, keeping the previous version: {}", file, e.getMessage());
            return false;
        }
    }

    static ReferenceData parse(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return toModel(YAML.readValue(in, FileModel.class));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("cannot read " + file.getFileName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private static ReferenceData toModel(FileModel m) {
        if (m == null || m.halls == null || m.matters == null) {
            throw new IllegalArgumentException("halls and matters are required");
        }
        List<ReferenceData.ClerkProfile> clerks = m.clerks == null || m.clerks.list == null
                ? List.of()
                : m.clerks.list.stream()
                        .map(c -> new ReferenceData.ClerkProfile(
                                req(c.id, "clerk id"),
                                req(c.name, "clerk name"),
                                req(c.hallId, "clerk hallId"),
                                c.matters == null ? List.of() : List.copyOf(c.matters),
                                c.languages == null ? List.of() : List.copyOf(c.languages)))
                        .toList();
        return new ReferenceData(
                m.halls.stream()
                        .map(h -> new ReferenceData.Hall(
                                req(h.id, "hall id"),
                                req(h.name, "hall name"),
                                h.province,
                                h.provinceCode,
                                h.city,
                                h.cityCode,
                                h.district,
                                h.districtCode,
                                h.nodeUrl))
                        .toList(),
                m.matters.stream()
                        .map(x -> new ReferenceData.Matter(
                                req(x.id, "matter id"),
                                req(x.name, "matter name"),
                                x.category,
                                x.ticketPrefix,
                                x.serviceMinutes,
                                x.owningHalls == null ? List.of() : List.copyOf(x.owningHalls),
                                x.materials == null ? List.of() : List.copyOf(x.materials),
                                recording(x)))
                        .toList(),
                clerks,
                m.clerks == null ? null : m.clerks.initialPassword,
                routing(m));
    }

    private static RoutingConfig routing(FileModel m) {
        RoutingConfig d = RoutingConfig.DEFAULT;
        List<RoutingConfig.Language> languages = m.languages == null || m.languages.isEmpty()
                ? d.languages()
                : m.languages.stream()
                        .map(l -> new RoutingConfig.Language(req(l.id, "language id"), req(l.name, "language name")))
                        .toList();
        RoutingModel r = m.routing == null ? new RoutingModel() : m.routing;
        List<RoutingConfig.PriorityGroup> groups = r.priorityGroups == null
                ? List.of()
                : r.priorityGroups.stream()
                        .map(g -> new RoutingConfig.PriorityGroup(
                                req(g.id, "priority group id"),
                                req(g.name, "priority group name"),
                                g.bonusSeconds == null ? 600 : g.bonusSeconds))
                        .toList();
        List<RoutingConfig.Agreement> agreements = m.agreements == null
                ? List.of()
                : m.agreements.stream()
                        .map(a -> new RoutingConfig.Agreement(
                                a.halls == null ? Set.of() : Set.copyOf(a.halls),
                                a.matters == null ? Set.of() : Set.copyOf(a.matters)))
                        .toList();
        List<RoutingConfig.SlotSchedule> slots = m.slots == null
                ? List.of()
                : m.slots.stream().map(ReferenceDataStore::slots).toList();
        return new RoutingConfig(
                languages,
                m.languages != null && !m.languages.isEmpty(),
                groups,
                agreements,
                r.overflowMinutes == null ? Map.of() : r.overflowMinutes,
                slots,
                m.clerks == null || m.clerks.supervisors == null ? Set.of() : Set.copyOf(m.clerks.supervisors),
                r.wrapUpSeconds == null ? d.wrapUpSeconds() : r.wrapUpSeconds,
                r.outcomeGraceMinutes == null ? d.outcomeGraceMinutes() : r.outcomeGraceMinutes,
                r.appointmentGraceMinutes == null ? d.appointmentGraceMinutes() : r.appointmentGraceMinutes,
                r.checkInEarlyMinutes == null ? d.checkInEarlyMinutes() : r.checkInEarlyMinutes,
                r.alertMinutes == null ? Map.of() : r.alertMinutes,
                r.defaultAlertMinutes == null ? d.defaultAlertMinutes() : r.defaultAlertMinutes);
    }

    private static RoutingConfig.SlotSchedule slots(SlotModel s) {
        String what = "slots " + s.hallId + "/" + s.matterId;
        Set<DayOfWeek> days;
        try {
            days = s.days == null
                    ? EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY)
                    : s.days.stream()
                            .map(d -> DayOfWeek.valueOf(d.strip().toUpperCase(Locale.ROOT)))
                            .collect(Collectors.toCollection(() -> EnumSet.noneOf(DayOfWeek.class)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": days must be MONDAY..SUNDAY");
        }
        List<LocalTime> times;
        try {
            times = s.times == null
                    ? List.of()
                    : s.times.stream().map(LocalTime::parse).toList();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + ": times must look like 09:30");
        }
        return new RoutingConfig.SlotSchedule(
                req(s.hallId, "slot hallId"),
                req(s.matterId, "slot matterId"),
                days,
                times,
                s.minutes == null ? 30 : s.minutes,
                s.capacity == null ? 1 : s.capacity);
    }

    /** {@code recording: required | off} (absent: off). */
    private static boolean recording(MatterModel x) {
        if (x.recording == null || x.recording.equals("off")) {
            return false;
        }
        if (x.recording.equals("required")) {
            return true;
        }
        throw new IllegalArgumentException("matter " + x.id + ": recording must be required or off");
    }

    private static String req(String v, String what) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
        return v;
    }

    // The file's shape, kept apart from the model so the model stays immutable and validated.
    @JsonIgnoreProperties(ignoreUnknown = false)
    static final class FileModel {
        public List<HallModel> halls;
        public List<MatterModel> matters;
        public ClerksModel clerks;
        public List<LanguageModel> languages;
        public RoutingModel routing;
        public List<AgreementModel> agreements;
        public List<SlotModel> slots;
    }

    static final class LanguageModel {
        public String id, name;
    }

    static final class RoutingModel {
        public Integer wrapUpSeconds, outcomeGraceMinutes, appointmentGraceMinutes, checkInEarlyMinutes;
        public Integer defaultAlertMinutes;
        public Map<String, Integer> overflowMinutes, alertMinutes;
        public List<PriorityGroupModel> priorityGroups;
    }

    static final class PriorityGroupModel {
        public String id, name;
        public Integer bonusSeconds;
    }

    static final class AgreementModel {
        public List<String> halls, matters;
    }

    static final class SlotModel {
        public String hallId, matterId;
        public List<String> days, times;
        public Integer minutes, capacity;
    }

    static final class HallModel {
        public String id, name, province, provinceCode, city, cityCode, district, districtCode, nodeUrl;
    }

    static final class MatterModel {
        public String id, name, category, ticketPrefix, recording;
        public int serviceMinutes;
        public List<String> owningHalls, materials;
    }

    static final class ClerksModel {
        public String initialPassword;
        public List<ClerkModel> list;
        public List<String> supervisors;
    }

    static final class ClerkModel {
        public String id, name, hallId;
        public List<String> matters, languages;
    }
}
