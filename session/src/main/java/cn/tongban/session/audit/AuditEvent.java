package cn.tongban.session.audit;

import java.util.Objects;

/**
 * One entry of the hash-chained audit journal.
 *
 * @param seq position in the chain, from 1
 * @param at when it happened (epoch milliseconds)
 * @param actor who did it: {@code clerk:<id>}, {@code applicant:<ticket number>}, {@code server}
 * @param action what happened, a stable dotted name such as {@code session.paired}
 * @param sessionId the session concerned, or null
 * @param details a JSON object with the particulars (personal data masked), never null
 * @param prevHash hex SHA-256 of the previous entry ({@link AuditChain#GENESIS} for the first)
 * @param hash hex SHA-256 over all the fields above
 */
public record AuditEvent(
        long seq,
        long at,
        String actor,
        String action,
        String sessionId,
        String details,
        String prevHash,
        String hash) {
    public AuditEvent {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(details, "details");
        Objects.requireNonNull(prevHash, "prevHash");
        Objects.requireNonNull(hash, "hash");
    }
}
