package cn.tongban.signaling.application;

import cn.tongban.session.audit.AuditJournal;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.RecordingStore;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SHA-256 of a session's recording, for the application's session evidence: the manifest hash of the
 * media bridge's archived recording (the manifest lists every track file with its own hash). The recording
 * is archived when the session ends, so while a recorded session is still running (the usual case when the
 * application is prepared) there is none yet: {@link #inProgress} says so.
 *
 * <p>Only a recording that is one whole segment has one hash. A session whose media moved to another node
 * when its bridge's node died is recorded in segments, each with its own manifest hash in the audit journal
 * and in {@code recording_segment}, the first possibly archived only when its node comes back: the
 * application then names no hash and says where the hashes are, as for a recording still running.
 */
final class RecordingDigests {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingDigests.class);
    private final RecordingStore store;
    private final AuditJournal journal;
    private final Predicate<String> recordedMatter;

    /**
     * @param journal where the segments started are counted (a segment not archived yet has no row)
     * @param recordedMatter whether this node records the sessions of a matter (its policy, and bridge
     *     mode), so that a session without a finished recording can be told apart from one not recorded
     */
    RecordingDigests(RecordingStore store, AuditJournal journal, Predicate<String> recordedMatter) {
        this.store = store;
        this.journal = journal;
        this.recordedMatter = recordedMatter;
    }

    /**
     * Whether the session is being recorded and its recording has not been finished yet as one segment (it
     * is running, or it is in several segments whose hashes are in the audit journal).
     */
    boolean inProgress(String sessionId, String matterId) {
        return recordedMatter.test(matterId) && sha256(sessionId).isEmpty();
    }

    /** The manifest hash of the session's recording when it is archived and is one whole segment. */
    Optional<String> sha256(String sessionId) {
        try {
            return store.find(sessionId)
                    .filter(r -> r.segments().size() == 1
                            && !r.segments().get(0).recovered()
                            && segmentsStarted(sessionId) <= 1)
                    .map(r -> r.segments().get(0).manifestSha256());
        } catch (RuntimeException e) {
            LOG.debug("No recording digest for session {}: {}", sessionId, e.toString());
            return Optional.empty();
        }
    }

    private long segmentsStarted(String sessionId) {
        return journal.forSession(sessionId).stream()
                .filter(e -> e.action().equals(AuditAction.RECORDING_STARTED.wire()))
                .count();
    }
}
