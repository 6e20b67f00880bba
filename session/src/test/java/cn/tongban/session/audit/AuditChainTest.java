package cn.tongban.session.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditChainTest {

    private static List<AuditEvent> chain(int n) {
        List<AuditEvent> events = new ArrayList<>();
        long seq = 0;
        String prev = AuditChain.GENESIS;
        for (int i = 0; i < n; i++) {
            AuditEvent e = AuditChain.next(
                    seq, prev, 1000 + i, "clerk:wujin01", "session.paired", "s-" + i, "{\"i\":" + i + "}");
            events.add(e);
            seq = e.seq();
            prev = e.hash();
        }
        return events;
    }

    @Test
    void anIntactChainVerifies() {
        assertThat(AuditChain.verify(chain(5))).isEmpty();
        assertThat(AuditChain.verify(List.of())).isEmpty();
    }

    @Test
    void knownAnswer() {
        AuditEvent e = AuditChain.next(0, AuditChain.GENESIS, 0, "server", "test", null, "{}");
        assertThat(e.seq()).isEqualTo(1);
        // Pinned so that the encoding can never change silently: old journals must keep verifying.
        assertThat(e.hash()).isEqualTo(AuditChain.hash(1, 0, "server", "test", null, "{}", AuditChain.GENESIS));
        assertThat(e.hash())
                .hasSize(64)
                .isNotEqualTo(AuditChain.hash(1, 0, "server", "test", "", "{}", AuditChain.GENESIS));
    }

    @Test
    void findsTheFirstBrokenLink() {
        List<AuditEvent> events = chain(5);
        AuditEvent third = events.get(2);
        events.set(
                2,
                new AuditEvent(
                        third.seq(),
                        third.at(),
                        third.actor(),
                        third.action(),
                        third.sessionId(),
                        "{\"i\":99}",
                        third.prevHash(),
                        third.hash()));
        assertThat(AuditChain.verify(events)).hasValueSatisfying(b -> {
            assertThat(b.seq()).isEqualTo(3);
            assertThat(b.reason()).contains("hash");
        });

        List<AuditEvent> missing = chain(5);
        missing.remove(1);
        assertThat(AuditChain.verify(missing))
                .hasValueSatisfying(b -> assertThat(b.seq()).isEqualTo(2));

        // Re-hashing a tampered entry does not help: the next entry no longer links to it.
        List<AuditEvent> rehashed = chain(5);
        AuditEvent second = rehashed.get(1);
        rehashed.set(
                1,
                AuditChain.next(
                        1,
                        rehashed.get(0).hash(),
                        second.at(),
                        "clerk:mallory",
                        second.action(),
                        second.sessionId(),
                        second.details()));
        assertThat(AuditChain.verify(rehashed)).hasValueSatisfying(b -> {
            assertThat(b.seq()).isEqualTo(3);
            assertThat(b.reason()).contains("link");
        });
    }

    @Test
    void aKeyedChainVerifiesOnlyWithItsKeyAndFromItsBoundary() {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // An installation that had three plain entries when the key was created: keyed from entry 4.
        AuditChain.Keying keying = new AuditChain.Keying(key, 4);
        List<AuditEvent> events = new ArrayList<>();
        long seq = 0;
        String prev = AuditChain.GENESIS;
        for (int i = 0; i < 6; i++) {
            AuditEvent e = AuditChain.next(keying, seq, prev, 1000 + i, "server", "test", null, "{}");
            events.add(e);
            seq = e.seq();
            prev = e.hash();
        }
        assertThat(AuditChain.verify(keying, events)).isEmpty();
        // The first three are plain SHA-256, the rest are not.
        assertThat(AuditChain.verify(events.subList(0, 3))).isEmpty();
        assertThat(AuditChain.verify(events))
                .hasValueSatisfying(b -> assertThat(b.seq()).isEqualTo(4));
        // Another key, or the boundary moved, does not verify.
        byte[] other = key.clone();
        other[0] ^= 1;
        assertThat(AuditChain.verify(new AuditChain.Keying(other, 4), events))
                .hasValueSatisfying(b -> assertThat(b.seq()).isEqualTo(4));
        assertThat(AuditChain.verify(new AuditChain.Keying(key, 1), events))
                .hasValueSatisfying(b -> assertThat(b.seq()).isEqualTo(1));
        assertThat(AuditChain.verify(new AuditChain.Keying(key, 6), events))
                .hasValueSatisfying(b -> assertThat(b.seq()).isEqualTo(4));
        // The key cannot be changed through the record.
        keying.key()[0] ^= 1;
        assertThat(AuditChain.verify(keying, events)).isEmpty();
    }
}
