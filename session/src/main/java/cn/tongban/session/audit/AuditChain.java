package cn.tongban.session.audit;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hashing rule of the audit journal. Each entry's hash is a MAC over its fields in a fixed,
 * length-prefixed encoding (so no two different entries encode alike) followed by the previous entry's
 * hash: changing, removing, inserting or reordering any entry breaks every later link.
 *
 * <p>The MAC is HMAC-SHA256 with the installation's chain key ({@link Keying}), which the database does
 * not hold: whoever can write the database cannot compute a valid link, so rewriting an entry and
 * re-chaining everything after it is detected. Entries written before the chain was keyed (before
 * {@link Keying#fromSeq()}) carry plain SHA-256; the boundary is part of the key, not of the database, so
 * it cannot be moved to pass rewritten entries off as old ones.
 */
public final class AuditChain {
    /** The previous-hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    /**
     * The chain key and the first entry it applies to.
     *
     * @param key the HMAC-SHA256 key, or null for a chain that is not keyed at all (plain SHA-256)
     * @param fromSeq the sequence number of the first keyed entry
     */
    public record Keying(byte[] key, long fromSeq) {
        /** No key: every entry is plain SHA-256 (tests, and verifying without the keystore). */
        public static final Keying NONE = new Keying(null, Long.MAX_VALUE);

        public Keying {
            key = key == null ? null : key.clone();
        }

        /** Whether the entry {@code seq} is keyed. */
        public boolean keys(long seq) {
            return key != null && seq >= fromSeq;
        }

        @Override
        public byte[] key() {
            return key == null ? null : key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Keying k && fromSeq == k.fromSeq && java.util.Arrays.equals(key, k.key);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(fromSeq) * 31 + java.util.Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return key == null ? "Keying[none]" : "Keying[from " + fromSeq + "]";
        }
    }

    private AuditChain() {}

    /** Builds the next entry of an unkeyed chain whose last entry has {@code prevSeq} and {@code prevHash}. */
    public static AuditEvent next(
            long prevSeq, String prevHash, long at, String actor, String action, String sessionId, String details) {
        return next(Keying.NONE, prevSeq, prevHash, at, actor, action, sessionId, details);
    }

    /** Builds the next entry of a chain whose last entry has {@code prevSeq} and {@code prevHash}. */
    public static AuditEvent next(
            Keying keying,
            long prevSeq,
            String prevHash,
            long at,
            String actor,
            String action,
            String sessionId,
            String details) {
        long seq = prevSeq + 1;
        return new AuditEvent(
                seq,
                at,
                actor,
                action,
                sessionId,
                details,
                prevHash,
                hash(keying, seq, at, actor, action, sessionId, details, prevHash));
    }

    /** The hash an entry of an unkeyed chain must carry. */
    public static String hash(
            long seq, long at, String actor, String action, String sessionId, String details, String prevHash) {
        return hash(Keying.NONE, seq, at, actor, action, sessionId, details, prevHash);
    }

    /** The hash an entry must carry. */
    public static String hash(
            Keying keying,
            long seq,
            long at,
            String actor,
            String action,
            String sessionId,
            String details,
            String prevHash) {
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
            if (keying.keys(seq)) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(keying.key, "HmacSHA256"));
                return HexFormat.of().formatHex(mac.doFinal(bytes.toByteArray()));
            }
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (IOException | GeneralSecurityException e) {
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

    /** Checks a whole unkeyed chain in order; returns the first broken link, or empty when it is intact. */
    public static Optional<BrokenLink> verify(Iterable<AuditEvent> events) {
        return verify(Keying.NONE, events, 0, GENESIS);
    }

    /** Checks a whole chain in order; returns the first broken link, or empty when it is intact. */
    public static Optional<BrokenLink> verify(Keying keying, Iterable<AuditEvent> events) {
        return verify(keying, events, 0, GENESIS);
    }

    /**
     * Checks a stretch of a chain that continues after entry {@code afterSeq} whose hash is {@code
     * afterHash}, so that a long journal can be verified page by page.
     */
    public static Optional<BrokenLink> verify(
            Keying keying, Iterable<AuditEvent> events, long afterSeq, String afterHash) {
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
            String h = hash(keying, e.seq(), e.at(), e.actor(), e.action(), e.sessionId(), e.details(), e.prevHash());
            if (!h.equals(e.hash())) {
                return Optional.of(new BrokenLink(e.seq(), "content does not match its hash"));
            }
            prev = e.hash();
            expectedSeq++;
        }
        return Optional.empty();
    }
}
