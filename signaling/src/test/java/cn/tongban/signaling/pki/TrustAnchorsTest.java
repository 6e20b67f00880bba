package cn.tongban.signaling.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The anchors' table on both databases (H2 and PostgreSQL): what one node adds another reads at its next
 * verification, without a restart; refusals store nothing; a certificate not yet valid by this host's clock
 * is refused.
 */
class TrustAnchorsTest {
    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void whatOneNodeAddsTheOtherReadsAtOnceAndRemovalHoldsEverywhere(String kind, @TempDir Path dir) throws Exception {
        EmbeddedPki partner = EmbeddedPki.open(new PkiConfig(
                dir.resolve("partner-pki"),
                "partner-only".toCharArray(),
                "https://zj-hz.example.gov.cn/pki",
                List.of(new PkiConfig.Hall("zj-hz", "杭州市民中心")),
                Duration.ofDays(7)));
        String sha = TrustAnchors.fingerprint(partner.rootCertificate());
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            TrustAnchors a = new TrustAnchors(node1.dataSource(), Clock.systemUTC());
            TrustAnchors b = new TrustAnchors(node2.dataSource(), Clock.systemUTC());
            assertThat(b.certificates()).isEmpty();
            // Bound to nothing, a root would vouch for every hall's seal: refused.
            assertThatThrownBy(() -> a.add("zj-hz-root", partner.rootCertificate(), sha, "wang", List.of()))
                    .isInstanceOf(TrustAnchors.Refused.class);
            TrustAnchors.Anchor added =
                    a.add("zj-hz-root", partner.rootCertificate(), sha.toUpperCase(), "wang", List.of("zj-hz"));
            assertThat(added.sha256()).isEqualTo(sha);
            assertThat(b.certificates()).containsExactly(partner.rootCertificate());
            // It vouches for its halls only.
            assertThat(b.certificatesFor("zj-hz")).containsExactly(partner.rootCertificate());
            assertThat(b.certificatesFor("cz-wujin-bdc")).isEmpty();
            assertThat(b.list().get(0).halls()).containsExactly("zj-hz");
            assertThat(b.list().get(0).sha256()).isEqualTo(sha);
            assertThatThrownBy(() -> b.add("again", partner.rootCertificate(), sha, "li", List.of("zj-hz")))
                    .isInstanceOf(TrustAnchors.Refused.class)
                    .extracting(e -> ((TrustAnchors.Refused) e).problem())
                    .isEqualTo(TrustAnchors.Problem.DUPLICATE_CERTIFICATE);

            // A host whose clock is a year behind sees the root as not yet valid.
            TrustAnchors behind = new TrustAnchors(
                    node2.dataSource(), Clock.fixed(Instant.now().minus(Duration.ofDays(365)), ZoneOffset.UTC));
            assertThatThrownBy(() -> behind.add(
                            "other",
                            partner.caCertificate("zj-hz"),
                            TrustAnchors.fingerprint(partner.caCertificate("zj-hz")),
                            "li",
                            List.of("zj-hz")))
                    .isInstanceOf(TrustAnchors.Refused.class)
                    .extracting(e -> ((TrustAnchors.Refused) e).problem())
                    .isEqualTo(TrustAnchors.Problem.NOT_YET_VALID);

            b.remove("zj-hz-root");
            assertThat(a.certificates()).isEmpty();
        }
    }
}
