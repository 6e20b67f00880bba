package cn.tongban.session.audit;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The hashing rule of the audit journal. Each entry's hash is SHA-256 over its fields in a fixed,
 * length-prefixed encoding (so no two different entries encode alike) followed by the previous
 * entry's hash: changing, removing, inserting or reordering any entry breaks every later link.
 */
public final class AuditChain {
    /** The previous-hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {}

    /** Builds the next entry of a chain whose last entry has {@code prevSeq} and {@code prevHash}. */
    public static AuditEvent next(
            long prevSeq, String prevHash, long at, String actor, String action, String sessionId, String details) {
        long seq = prevSeq + 1;
        return new AuditEvent(
                seq,
                at,
                actor,
                action,
                sessionId,
                details,
                prevHash,
                hash(seq, at, actor, action, sessionId, details, prevHash));
    }

    /** The hash an entry must carry. */
    public static String hash(
            long seq, long at, String actor, String action, String sessionId, String details, String prevHash) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(seq);
            out.writeLong(at);
            field(out, actor);
            field(out, action);
            field(out, sessionId);
            field(out, details);
            field(out, prevHash);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void field(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** Where a chain first goes wrong. */
    public record BrokenLink(long seq, String reason) {}

    /** Checks a whole chain in order; returns the first broken link, or empty when it is intact. */
    public static Optional<BrokenLink> verify(Iterable<AuditEvent> events) {
        return verify(events, 0, GENESIS);
    }

    /**
     * Checks a stretch of a chain that continues after entry {@code afterSeq} whose hash is {@code
     * afterHash}, so that a long journal can be verified page by page.
     */
    public static Optional<BrokenLink> verify(Iterable<AuditEvent> events, long afterSeq, String afterHash) {
        long expectedSeq = afterSeq + 1;
        String prev = afterHash;
        for (AuditEvent e : events) {
            if (e.seq() != expectedSeq) {
                return Optional.of(
                        new BrokenLink(expectedSeq, "entry " + expectedSeq + " is missing (found " + e.seq() + ")"));
            }
            if (!e.prevHash().equals(prev)) {
                return Optional.of(new BrokenLink(e.seq(), "does not link to entry " + (e.seq() - 1)));
            }
            String h = hash(e.seq(), e.at(), e.actor(), e.action(), e.sessionId(), e.details(), e.prevHash());
            if (!h.equals(e.hash())) {
                return Optional.of(new BrokenLink(e.seq(), "content does not match its hash"));
            }
            prev = e.hash();
            expectedSeq++;
        }
        return Optional.empty();
    }
}
