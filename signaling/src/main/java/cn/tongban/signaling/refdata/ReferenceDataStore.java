package cn.tongban.signaling.refdata;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference data a node works with: first read from {@code <data-dir>/refdata.yaml}, then, once the server
 * has opened its database, from the database ({@link #attach}): every node of a cluster on one PostgreSQL reads
 * the same version there. The server calls {@link #reloadIfChanged()} every two seconds; attached, that is one
 * small query for the version in force ({@link ReferenceDataTable#latestVersion()}), and a new version is
 * loaded, handed to the {@link #onReload} listeners, and copied into refdata.yaml.
 *
 * <p>The file is what makes a data directory <em>set up</em> ({@link #isSetUp}): {@code tongban.jar setup}
 * writes it with the hall's own identity and no demo data ({@link #writeFirstHall}); only a start with {@code
 * --demo} seeds it from the built-in demo (five halls, seven clerks with a published password). When a node
 * attaches to a database that holds no reference data yet, the file becomes version 1 there. From then on the
 * file is a copy the node rewrites on each new version, under a note saying that edits to it are not read (the
 * database wins; a node that sees the file edited logs a warning naming the command to use): reference data is
 * changed with {@code tongban.jar refdata export|import|rollback}. Without a database (tools, tests of single
 * parts) the store keeps reading the file and reloads it when it changes; an invalid edit is logged and
 * ignored, the previous snapshot stays.
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
    // Set by attach: from then on the database's version is in force.
    private volatile ReferenceDataTable table;
    private volatile long version;
    private String node = "";
    private long refusedVersion;
    private boolean unreadable;

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
            # administrator, nothing else. The first start of the server stores it in the database as version 1;
            # from then on change it for every node with `tongban.jar refdata export --to new.yaml`, an edit, and
            # `tongban.jar refdata import new.yaml --by <name> --expect-version <n>` (checked first: an invalid
            # edit is refused and nothing changes). The demo reference data in the jar (`tongban.jar --demo` on an
            # empty data directory writes it out) shows every key: partner halls, matters with their materials
            # and ticket prefixes, clerks, languages, routing, agreements, slots.
            #
            # Clerk passwords are not kept here. A clerk added below has no account until an administrator runs
            # `tongban.jar account reset <id>`, which prints a one-time password the clerk must replace at the first
            # sign-in. Do not add `clerks.initialPassword`: that is the demo's shared password.

            """;

    public ReferenceData current() {
        return current;
    }

    /** The database version in force on this node; 0 before {@link #attach} (the file's data). */
    public long version() {
        return version;
    }

    /**
     * From now on the reference data comes from {@code table}: if it is empty, this node's refdata.yaml is
     * stored as version 1 first (another node starting at the same moment may win: then its version is taken).
     * Loads the version in force and copies it into refdata.yaml. Listeners are not called (the caller reads
     * {@link #current()}). Returns the version this node imported, if it did.
     *
     * @throws IllegalArgumentException the version in force does not pass validation
     */
    public synchronized Optional<ReferenceDataTable.Info> attach(ReferenceDataTable table, String nodeName)
            throws IOException {
        this.node = nodeName;
        Optional<ReferenceDataTable.Info> imported = Optional.empty();
        if (table.latestVersion() == 0) {
            imported = table.importFirst(
                    withoutCopyNote(Files.readString(file, StandardCharsets.UTF_8)), "node:" + nodeName);
            imported.ifPresent(i -> LOG.info(
                    "Imported {} into the database as version 1 of the reference data (sha256 {})", file, i.sha256()));
        }
        ReferenceDataTable.Version latest =
                table.latest().orElseThrow(() -> new IllegalStateException("no reference data in the database"));
        current = fromYaml(latest.document());
        version = latest.version();
        this.table = table;
        writeCopy(latest);
        return imported;
    }

    /**
     * Re-reads the reference data if it changed: attached, when the database's version in force is not the one
     * loaded; else when the file's modification time changed. Returns true when a new snapshot was loaded (the
     * listeners were called).
     */
    public synchronized boolean reloadIfChanged() {
        ReferenceDataTable t = table;
        return t == null ? reloadFileIfChanged() : reloadVersionIfChanged(t);
    }

    private boolean reloadVersionIfChanged(ReferenceDataTable t) {
        long latest;
        try {
            latest = t.latestVersion();
        } catch (RuntimeException e) {
            // Said once per outage, not every two seconds.
            if (!unreadable) {
                unreadable = true;
                LOG.warn("Cannot read the reference data's version, keeping version {}: {}", version, e.getMessage());
            }
            return false;
        }
        if (unreadable) {
            unreadable = false;
            LOG.info("The reference data's version is readable again: {}", latest);
        }
        if (latest == version || latest == refusedVersion) {
            keepCopy(t);
            return false;
        }
        ReferenceDataTable.Version v;
        ReferenceData data;
        try {
            v = t.version(latest).orElseThrow();
            data = fromYaml(v.document());
        } catch (IllegalArgumentException e) {
            // Stored after validation, so only a node with stricter rules (a newer release) gets here: it says
            // so once and keeps what it has.
            refusedVersion = latest;
            LOG.error(
                    "Version {} of the reference data is invalid here, keeping version {}: {}",
                    latest,
                    version,
                    e.getMessage());
            return false;
        } catch (RuntimeException e) {
            LOG.warn(
                    "Cannot read version {} of the reference data, keeping version {}: {}",
                    latest,
                    version,
                    e.getMessage());
            return false;
        }
        current = data;
        version = latest;
        LOG.info(
                "Loaded version {} of the reference data: {} halls, {} matters, {} clerks",
                latest,
                data.halls().size(),
                data.matters().size(),
                data.clerks().size());
        try {
            writeCopy(v);
        } catch (IOException e) {
            LOG.warn("Cannot copy version {} of the reference data into {}: {}", latest, file, e.getMessage());
        }
        listeners.forEach(l -> l.accept(data));
        return true;
    }

    /** Writes the copy again if it was deleted; warns once per edit if it was edited. */
    private void keepCopy(ReferenceDataTable t) {
        try {
            if (!Files.exists(file)) {
                writeCopy(t.version(version).orElseThrow());
                LOG.warn("{} was deleted; wrote the copy of version {} of the reference data again", file, version);
                return;
            }
            FileTime modified = Files.getLastModifiedTime(file);
            if (!modified.equals(loadedModified)) {
                loadedModified = modified;
                LOG.warn(
                        "{} was edited, but it is only a copy of version {} of the reference data in the database:"
                                + " the edit is NOT used. Import it with `tongban.jar refdata import {} --by <name>"
                                + " --expect-version {}`.",
                        file,
                        version,
                        file,
                        version);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot check the copy {} of the reference data: {}", file, e.getMessage());
        }
    }

    private void writeCopy(ReferenceDataTable.Version v) throws IOException {
        loadedModified = writeCopy(file, v, node);
    }

    /** Writes the copy of {@code v} into {@code file} (unless it holds it already); returns its modification time. */
    private static FileTime writeCopy(Path file, ReferenceDataTable.Version v, String node) throws IOException {
        String text = copyNote(v.version(), node) + v.document();
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.UTF_8);
            if (existing.equals(text)) {
                return Files.getLastModifiedTime(file);
            }
            if (!existing.startsWith(COPY_NOTE_FIRST) && !existing.equals(v.document())) {
                // Not a copy this node wrote: a file of the release that read it, or edited by hand. Kept beside,
                // not lost; the database's version is the one in force.
                Path kept = file.resolveSibling(file.getFileName() + ".local-" + System.currentTimeMillis());
                Files.copy(file, kept);
                LOG.warn(
                        "{} differed from the reference data in the database (version {}) and is kept as {}; the"
                                + " database's version is in force — to use the file's content, `tongban.jar refdata"
                                + " import {}`",
                        file,
                        v.version(),
                        kept.getFileName(),
                        kept);
            }
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".refdata-", ".yaml");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return Files.getLastModifiedTime(file);
    }

    /**
     * For a new node of an installation whose database holds reference data: writes the copy of the version in
     * force into {@code dataDir}, which makes it set up ({@link #isSetUp}). Returns that version, or 0 when the
     * database holds none (nothing written). Fails if the directory is set up already.
     */
    public static long copyFromDatabase(Path dataDir, ReferenceDataTable table, String nodeName) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString(), null, "already set up");
        }
        Optional<ReferenceDataTable.Version> latest = table.latest();
        if (latest.isEmpty()) {
            return 0;
        }
        fromYaml(latest.get().document());
        Files.createDirectories(dataDir);
        writeCopy(file, latest.get(), nodeName);
        return latest.get().version();
    }

    private static final String COPY_NOTE_FIRST = "# ==== A COPY: edits to this file are NOT read ====\n";
    private static final String COPY_NOTE_LAST = "# ==== end of the note; the copy follows ====\n";

    /** The note a node puts above the copy of version {@code version} in refdata.yaml. */
    static String copyNote(long version, String node) {
        return COPY_NOTE_FIRST
                + "# The reference data is kept in the database. This is a copy of version " + version
                + ", written by node " + node + "\n"
                + "# when it loaded that version; the node rewrites it on each new version. To change the reference\n"
                + "# data for every node:\n"
                + "#   tongban.jar refdata export --to new.yaml\n"
                + "#   (edit new.yaml)\n"
                + "#   tongban.jar refdata import new.yaml --by <your name> --expect-version " + version + "\n"
                + "# Every node loads the new version within seconds. `tongban.jar refdata history` lists the versions,\n"
                + "# `tongban.jar refdata rollback --to <version> --by <your name>` puts an earlier one back.\n"
                + COPY_NOTE_LAST;
    }

    /** {@code text} without the note a node puts above its copy in refdata.yaml (unchanged if it has none). */
    public static String withoutCopyNote(String text) {
        if (!text.startsWith(COPY_NOTE_FIRST)) {
            return text;
        }
        int end = text.indexOf(COPY_NOTE_LAST);
        return end < 0 ? text : text.substring(end + COPY_NOTE_LAST.length());
    }

    public Path file() {
        return file;
    }

    /** Called with each newly loaded snapshot. */
    public void onReload(Consumer<ReferenceData> listener) {
        listeners.add(listener);
    }

    private boolean reloadFileIfChanged() {
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
