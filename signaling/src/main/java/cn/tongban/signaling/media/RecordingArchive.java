package cn.tongban.signaling.media;

import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.recording.RecordingRecovery;
import cn.tongban.session.media.recording.SessionRecorder;
import cn.tongban.session.media.recording.TrackFile;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.signaling.store.Records;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the segments of session recordings on record, and finishes the ones a node's death left behind.
 *
 * <p>A <em>segment</em> is what one bridge recorded of a session: the directory {@code
 * <recordings>/<session id>/<segment>}, named by the moment it started (UTC) and the node recording it
 * ({@code 20261207T101512.345Z-gulou}). A session has one; one more for each bridge its media moved to after
 * a node died. A recording of a build before segments is the session's directory itself, segment {@code "."}.
 *
 * <p>Archiving a segment writes each file's SHA-256 into the audit journal ({@code recording.file}), the
 * manifest's ({@code recording.stopped}), a {@code recording_segment} row, and last a marker file {@value
 * #ARCHIVED} into the directory. The marker only saves the database a question: a segment without it is
 * looked up, and archived only if it is not in the store yet. A crash between the audit entries and the row
 * repeats the entries on the next try, never loses them.
 *
 * <p><b>Recovery.</b> A segment directory without the marker is one that was never archived: its node died
 * while recording (no manifest: {@link RecordingRecovery} finishes it from its files, marked recovered, and
 * it is archived with {@code recording.recovered}, and {@code recording.unrecoverable} for each file with
 * nothing usable), or the node stopped or failed before archiving a finished one (archived late). A node does
 * this for its own recording directory when it starts ({@link MediaNode}); {@code tongban.jar recording
 * recover} does the same for a directory whose node will not come back. The recording directory must
 * therefore be the node's own (the default, under its data directory), never shared by nodes running at the
 * same time.
 */
public final class RecordingArchive {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingArchive.class);

    /** The marker written into a segment's directory once it is archived (its manifest's SHA-256). */
    public static final String ARCHIVED = "archived";

    private static final DateTimeFormatter SEGMENT_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** A segment on disk: {@code dir} holds segment {@code segmentId} of session {@code sessionId}. */
    public record Segment(String sessionId, String segmentId, Path dir) {}

    /**
     * What one {@link #recover} did.
     *
     * @param recovered segments finished from their files (their recorder died) and archived
     * @param late finished segments archived late (their node stopped or failed before archiving them)
     * @param unreadableFiles files of recovered segments with nothing usable, audited as unrecoverable
     * @param failed segments that could not be finished or archived (logged, audited; tried again next time)
     */
    public record Report(int recovered, int late, int unreadableFiles, int failed) {}

    private final Records records;
    private final RecordingStore store;
    private final RecordingRecovery recovery;
    private final String node;
    private final Clock clock;

    /**
     * @param ffmpeg the executable that writes repaired copies of cut track files
     * @param node this node's name, recorded with every segment it records or archives
     */
    public RecordingArchive(Records records, RecordingStore store, String ffmpeg, String node, Clock clock) {
        this.records = records;
        this.store = store;
        this.recovery = new RecordingRecovery(ffmpeg, clock);
        this.node = node;
        this.clock = clock;
    }

    /** This node's name. */
    String node() {
        return node;
    }

    /** The directory of a new segment of {@code sessionId} recorded on this node from now. */
    Segment newSegment(Path root, String sessionId) {
        String id = SEGMENT_TIME.format(clock.instant()) + "-" + node.replaceAll("[^A-Za-z0-9_.-]", "_");
        return new Segment(sessionId, id, root.resolve(sessionId).resolve(id));
    }

    /**
     * Archives a segment its recorder finished (see the class comment).
     *
     * @throws IOException when the manifest cannot be read; a store failure is a runtime exception
     */
    void archive(Segment s, RecordingManifest m) throws IOException {
        archive(s, m, null);
    }

    private void archive(Segment s, RecordingManifest m, String late) throws IOException {
        String sessionId = s.sessionId();
        byte[] manifest = Files.readAllBytes(m.path());
        String hash = MediaNode.sha256(manifest);
        if (store.archived(sessionId, s.segmentId())) {
            // Archived by an earlier try whose marker was not written.
            mark(s, hash);
            return;
        }
        for (TrackFile t : m.tracks()) {
            TrackFile.Repaired r = t.repaired();
            records.audit(
                    "server",
                    AuditAction.RECORDING_FILE,
                    sessionId,
                    AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                            .and(AuditField.PARTICIPANT, t.participantId())
                            .and(AuditField.KIND, t.kind().name().toLowerCase(Locale.ROOT))
                            .and(AuditField.FILE, t.file().getFileName().toString())
                            .and(AuditField.SHA256, t.sha256())
                            .and(AuditField.BYTES, t.bytes())
                            .and(AuditField.FRAMES, t.frames())
                            .and(AuditField.START_OFFSET_MILLIS, t.startOffsetMillis())
                            .and(
                                    AuditField.REPAIRED_FILE,
                                    r == null ? null : r.file().getFileName().toString())
                            .and(AuditField.REPAIRED_SHA256, r == null ? null : r.sha256())
                            .and(AuditField.REPAIRED_BYTES, r == null ? null : r.bytes()));
        }
        if (m.recovered()) {
            for (RecordingManifest.Unreadable u : m.recovery().unreadable()) {
                records.audit(
                        "server",
                        AuditAction.RECORDING_UNRECOVERABLE,
                        sessionId,
                        AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                                .and(AuditField.FILE, u.file())
                                .and(AuditField.SHA256, u.sha256())
                                .and(AuditField.BYTES, u.bytes())
                                .and(AuditField.REASON, u.reason()));
            }
        }
        records.audit(
                "server",
                AuditAction.RECORDING_STOPPED,
                sessionId,
                AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                        .and(AuditField.NODE, node)
                        .and(AuditField.FILES, m.tracks().size())
                        .and(AuditField.MANIFEST_SHA256, hash)
                        .and(AuditField.DROPPED_PACKETS, m.droppedPackets())
                        .and(AuditField.REASON, late));
        if (m.recovered()) {
            records.audit(
                    "server",
                    AuditAction.RECORDING_RECOVERED,
                    sessionId,
                    AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                            .and(AuditField.NODE, node)
                            .and(AuditField.DIRECTORY, s.dir().toString())
                            .and(AuditField.STARTED, m.started().toString())
                            .and(AuditField.LAST_DATA, m.recovery().lastData().toString())
                            .and(AuditField.FILES, m.tracks().size())
                            .and(
                                    AuditField.UNREADABLE,
                                    m.recovery().unreadable().size())
                            .and(AuditField.MANIFEST_SHA256, hash)
                            .and(
                                    AuditField.REASON,
                                    "its node died while recording: finished from what its disk held, ending"
                                            + " with the last data written"));
        }
        store.save(
                new RecordingStore.Segment(
                        sessionId,
                        s.segmentId(),
                        node,
                        hash,
                        s.dir().toString(),
                        m.tracks().size(),
                        m.started().toEpochMilli(),
                        m.stopped().toEpochMilli(),
                        m.recovered(),
                        new String(manifest, StandardCharsets.UTF_8)),
                clock.millis());
        mark(s, hash);
        LOG.info(
                "Recording of {} segment {} archived{}: {} files, manifest SHA-256 {}",
                sessionId,
                s.segmentId(),
                m.recovered() ? " (recovered)" : late != null ? " (late)" : "",
                m.tracks().size(),
                hash);
    }

    private static void mark(Segment s, String hash) {
        try {
            Files.writeString(s.dir().resolve(ARCHIVED), hash + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            // Harmless: the next look finds the segment in the store.
            LOG.warn("Could not mark {} archived: {}", s.dir(), e.toString());
        }
    }

    /**
     * The segments under {@code root} that were never archived (no marker), except those {@code live}
     * says are being recorded now. Only lists; a directory that cannot be read is logged and skipped.
     */
    public List<Segment> unarchived(Path root, Predicate<Path> live) {
        List<Segment> out = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> LOG.info("Not a recording, left alone: {}", p));
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", root, e.toString());
        }
        for (Path session : directories(root)) {
            String sessionId = session.getFileName().toString();
            if (candidate(session, live)) {
                out.add(new Segment(sessionId, ".", session));
            }
            for (Path segment : directories(session)) {
                if (candidate(segment, live)) {
                    out.add(new Segment(sessionId, segment.getFileName().toString(), segment));
                }
            }
        }
        return out;
    }

    private static boolean candidate(Path dir, Predicate<Path> live) {
        return !Files.exists(dir.resolve(ARCHIVED), LinkOption.NOFOLLOW_LINKS)
                && !live.test(dir)
                && RecordingRecovery.state(dir) != RecordingRecovery.State.NOT_A_RECORDING;
    }

    private static List<Path> directories(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", dir, e.toString());
            return List.of();
        }
    }

    /**
     * Finishes where needed and archives each segment (see the class comment). One segment's trouble is
     * logged, audited ({@code recording.failed}) and counted, never thrown: the next run tries it again.
     */
    public Report recover(List<Segment> segments) {
        int recovered = 0;
        int late = 0;
        int unreadable = 0;
        int failed = 0;
        for (Segment s : segments) {
            try {
                RecordingManifest m;
                if (RecordingRecovery.state(s.dir()) == RecordingRecovery.State.FINISHED) {
                    m = RecordingManifest.read(s.dir().resolve(SessionRecorder.MANIFEST));
                    if (store.archived(s.sessionId(), s.segmentId())) {
                        // Archived before, by a build without markers or a try whose marker was not written.
                        mark(s, MediaNode.sha256(Files.readAllBytes(m.path())));
                        continue;
                    }
                    archive(
                            s,
                            m,
                            m.recovered()
                                    ? null
                                    : "archived when its node started again: the node stopped before archiving it");
                } else {
                    LOG.warn(
                            "Recording of {} segment {} was never finished; finishing it from {}",
                            s.sessionId(),
                            s.segmentId(),
                            s.dir());
                    m = recovery.finish(s.dir(), s.sessionId());
                    archive(s, m, null);
                }
                if (m.recovered()) {
                    recovered++;
                    unreadable += m.recovery().unreadable().size();
                } else {
                    late++;
                }
            } catch (IOException | RuntimeException e) {
                failed++;
                LOG.error(
                        "Recording of {} segment {} in {} could not be recovered",
                        s.sessionId(),
                        s.segmentId(),
                        s.dir(),
                        e);
                try {
                    records.audit(
                            "server",
                            AuditAction.RECORDING_FAILED,
                            s.sessionId(),
                            AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                                    .and(AuditField.DIRECTORY, s.dir().toString())
                                    .and(AuditField.ERROR, "not recovered: " + e));
                } catch (RuntimeException unaudited) {
                    // The database is likely down: the other segments are still tried, and the node tries this
                    // one again later (MediaNode).
                    LOG.error("Could not audit the failed recovery of {}: {}", s.sessionId(), unaudited.toString());
                }
            }
        }
        return new Report(recovered, late, unreadable, failed);
    }
}
