package cn.tongban.signaling.store;

import java.time.Instant;
import java.util.List;

/**
 * A signing key with, after a rotation ({@code tongban.jar secrets rotate}), the key before it: new signatures
 * use {@link #current} only; a signature is accepted under {@link #previous} too until {@link #previousUntil}
 * (the lifetime of what it signed), so links and tokens handed out before the rotation work until they expire.
 *
 * @param previous the key before the last rotation, or null
 * @param previousUntil until when {@code previous} is accepted (ignored without one)
 */
public record KeyRing(byte[] current, byte[] previous, Instant previousUntil) {
    public KeyRing {
        current = current.clone();
        previous = previous == null ? null : previous.clone();
    }

    /** One key, nothing before it. */
    public static KeyRing of(byte[] key) {
        return new KeyRing(key, null, null);
    }

    /** The keys a signature made at or before {@code now} may be checked with: the current one first. */
    public List<byte[]> accepted(Instant now) {
        return previous != null && now.isBefore(previousUntil) ? List.of(current, previous) : List.of(current);
    }

    @Override
    public byte[] current() {
        return current.clone();
    }
}
