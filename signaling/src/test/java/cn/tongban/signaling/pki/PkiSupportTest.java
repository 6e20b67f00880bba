package cn.tongban.signaling.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the server opens its PKI. Signing with an external CA's credentials is tested in docsign's
 * {@code ExternalCaTest} (against a CA built with openssl); here: that a misconfigured external
 * directory stops the start with a stable code instead of silently falling back to the embedded PKI.
 */
class PkiSupportTest {
    @TempDir
    Path data;

    @Test
    void embeddedDefaultHasOneCaPerHallOfTheReferenceData() throws Exception {
        var refdata = ReferenceDataStore.open(data, true).current();
        EmbeddedPki pki = PkiSupport.open(data, "http://127.0.0.1:8080/pki", refdata, List.of());
        for (var hall : refdata.halls()) {
            assertThat(pki.caCertificate(hall.id()).getIssuerX500Principal())
                    .isEqualTo(pki.rootCertificate().getSubjectX500Principal());
            assertThat(pki.hallCaIsExternal(hall.id())).isFalse();
        }
        assertThat(PkiSupport.trustServices(pki, ServerOptions.Pki.EMBEDDED).trustAnchors())
                .containsExactly(pki.rootCertificate());
    }

    @Test
    void externalDirectoryWithoutPasswordOrAnchorsIsRefused() throws Exception {
        var refdata = ReferenceDataStore.open(data, true).current();
        Path ext = Files.createDirectories(data.resolve("external"));
        ServerOptions.Pki options = new ServerOptions.Pki(ext, null, null);
        // No TONGBAN_PKI_EXTERNAL_PASSWORD in the test environment and no password file.
        assertThatThrownBy(() -> PkiSupport.open(data, "http://x/pki", refdata, List.of(), options))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.PKI_EXTERNAL_INVALID))
                .hasMessageContaining("no password");

        Files.writeString(ext.resolve("password"), "secret\n");
        assertThatThrownBy(() -> PkiSupport.open(data, "http://x/pki", refdata, List.of(), options))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.PKI_EXTERNAL_INVALID))
                .hasMessageContaining("trust");
    }
}
