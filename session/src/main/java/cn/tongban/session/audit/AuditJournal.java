package cn.tongban.session.audit;

import java.util.List;

/**
 * The append-only, hash-chained record of everything that happens in sessions: pairing, ending,
 * outcomes, and later every remote action, consent and identity decision. Implementations must make
 * {@link #append} atomic with respect to other appenders, cluster-wide.
 */
public interface AuditJournal {

    /** Appends an entry and returns it with its sequence number and hash. */
    AuditEvent append(String actor, String action, String sessionId, String detailsJson);

    /** Entries with {@code seq > afterSeq}, in order, at most {@code limit}. */
    List<AuditEvent> read(long afterSeq, int limit);

    /** Entries of one session, in order. */
    List<AuditEvent> forSession(String sessionId);

    /** The key entries are chained with ({@link AuditChain.Keying#NONE} for a plain SHA-256 chain). */
    default AuditChain.Keying keying() {
        return AuditChain.Keying.NONE;
    }
}
