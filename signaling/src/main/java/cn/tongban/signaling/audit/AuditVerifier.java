package cn.tongban.signaling.audit;

import cn.tongban.docsign.cms.CertPaths;
import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.store.JdbcAuditJournal;
import io.vertx.core.json.JsonObject;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Verifies the audit journal: every link of the chain (keyed, {@link AuditChain}), the head row against
 * the last entry, and every checkpoint ({@link AuditCheckpoints}) against the entry it anchors and against
 * its seal and time-stamp. Reads page by page, so memory stays flat for long journals.
 *
 * <p>What it can and cannot show: without the chain key a rewritten entry breaks its link; with the key
 * (the whole data directory stolen) a re-chained history still contradicts every checkpoint after the
 * change, and forging those needs the seal's private key and a time-stamp from the TSA. Entries after the
 * last checkpoint are protected by the key alone; the report says how many.
 */
public final class AuditVerifier {
    static final int PAGE = 5000;

    /**
     * The last anchored entry.
     *
     * @param seq the entry
     * @param sealedBy the seal certificate's subject
     * @param hall the hall named in it
     * @param time the trusted time of the time-stamp
     */
    public record Anchor(long seq, String sealedBy, String hall, java.time.Instant time) {}

    /**
     * The outcome.
     *
     * @param intact whether every link, the head and every checkpoint hold
     * @param events how many entries were read
     * @param head the hash of the last entry read
     * @param firstBrokenSeq the first entry that does not verify, or null
     * @param reason why, or null
     * @param checkpoints how many checkpoints were checked
     * @param lastAnchored the newest valid checkpoint, or null
     * @param keyedFrom the first entry chained with the key, or null when the journal is checked without it
     */
    public record Report(
            boolean intact,
            long events,
            String head,
            Long firstBrokenSeq,
            String reason,
            int checkpoints,
            Anchor lastAnchored,
            Long keyedFrom) {

        /** Entries after the last anchor (all of them when there is none). */
        public long unanchored() {
            return lastAnchored == null ? events : Math.max(0, events - lastAnchored.seq());
        }

        public JsonObject toJson() {
            JsonObject j = new JsonObject().put("intact", intact);
            if (firstBrokenSeq != null) {
                j.put("firstBrokenSeq", firstBrokenSeq).put("reason", reason).put("events", events);
            } else {
                j.put("events", events).put("head", head);
            }
            j.put("checkpoints", checkpoints);
            if (lastAnchored != null) {
                j.put(
                        "lastAnchored",
                        new JsonObject()
                                .put("seq", lastAnchored.seq())
                                .put("time", lastAnchored.time().toString())
                                .put("hall", lastAnchored.hall())
                                .put("sealedBy", lastAnchored.sealedBy()));
            }
            j.put("unanchored", unanchored());
            if (keyedFrom != null) {
                j.put("keyedFrom", keyedFrom);
            }
            return j;
        }
    }

    private AuditVerifier() {}

    /**
     * Verifies {@code journal} (with its keying) and {@code checkpoints}; seals must lead to one of {@code
     * anchors}.
     */
    public static Report verify(
            JdbcAuditJournal journal, AuditCheckpoints checkpoints, Collection<X509Certificate> anchors) {
        CertPaths paths = new CertPaths(anchors);
        AuditChain.Keying keying = journal.keying();
        Long keyedFrom = keying.key() == null ? null : keying.fromSeq();
        long after = 0;
        String prevHash = AuditChain.GENESIS;
        long count = 0;
        int checked = 0;
        Anchor anchor = null;
        while (true) {
            List<AuditEvent> page = journal.read(after, PAGE);
            if (page.isEmpty()) {
                break;
            }
            Optional<AuditChain.BrokenLink> broken = AuditChain.verify(keying, page, after, prevHash);
            if (broken.isPresent()) {
                return broken(count, broken.get().seq(), broken.get().reason(), checked, anchor, keyedFrom);
            }
            AuditEvent last = page.get(page.size() - 1);
            for (AuditCheckpoints.Checkpoint cp : checkpoints.between(after, last.seq())) {
                AuditEvent e = page.get((int) (cp.seq() - after - 1));
                if (!e.hash().equals(cp.hash())) {
                    return broken(
                            count,
                            cp.seq(),
                            "entry " + cp.seq() + " is not the one its checkpoint anchors (history rewritten)",
                            checked,
                            anchor,
                            keyedFrom);
                }
                try {
                    AuditSeal.Sealed s =
                            AuditSeal.verify(AuditSeal.statement(cp.seq(), cp.hash()), cp.signature(), paths);
                    if (s.time().toEpochMilli() < e.at() - 60_000) {
                        return broken(
                                count,
                                cp.seq(),
                                "the checkpoint of entry " + cp.seq() + " is time-stamped before the entry was made",
                                checked,
                                anchor,
                                keyedFrom);
                    }
                    anchor = new Anchor(cp.seq(), s.signer(), s.organization(), s.time());
                    checked++;
                } catch (AuditSeal.Invalid ex) {
                    return broken(
                            count,
                            cp.seq(),
                            "the checkpoint of entry " + cp.seq() + " is not validly sealed: " + ex.getMessage(),
                            checked,
                            anchor,
                            keyedFrom);
                }
            }
            after = last.seq();
            prevHash = last.hash();
            count += page.size();
        }
        // Entries cut off the end leave an intact but shorter chain: the head row and any later checkpoint
        // still name the entries that are gone.
        JdbcAuditJournal.Head head = journal.head();
        if (head.seq() != after || !head.hash().equals(prevHash)) {
            return broken(
                    count,
                    Math.min(after, head.seq()) + 1,
                    "the journal ends at entry " + after + " but its head names entry " + head.seq(),
                    checked,
                    anchor,
                    keyedFrom);
        }
        List<AuditCheckpoints.Checkpoint> beyond = new ArrayList<>(checkpoints.after(after));
        if (!beyond.isEmpty()) {
            return broken(
                    count,
                    after + 1,
                    "a checkpoint anchors entry " + beyond.get(0).seq() + " but the journal ends at entry " + after,
                    checked,
                    anchor,
                    keyedFrom);
        }
        return new Report(true, count, prevHash, null, null, checked, anchor, keyedFrom);
    }

    private static Report broken(long count, long seq, String reason, int checked, Anchor anchor, Long keyedFrom) {
        return new Report(false, count, null, seq, reason, checked, anchor, keyedFrom);
    }
}
