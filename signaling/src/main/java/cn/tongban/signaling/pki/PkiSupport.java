package cn.tongban.signaling.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pki.CompositeTrustServices;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.ExternalCredentials;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the embedded PKI of a data directory the same way for the server and the command-line tools:
 * keys under {@code <data-dir>/pki}, protected by the password in {@code TONGBAN_PKI_PASSWORD} or, by
 * default, a random one kept in {@code <data-dir>/pki.password} (owner-only); one CA per hall of the
 * reference data (plus any extra halls a tool needs). With an external CA's directory configured
 * ({@link ServerOptions.Pki#externalDir()}), its credentials replace the embedded ones hall by hall
 * (see {@link ExternalCredentials}); its PKCS#12 password comes from {@code
 * TONGBAN_PKI_EXTERNAL_PASSWORD} or {@code <dir>/password}.
 */
public final class PkiSupport {
    /** How long an applicant's session certificate lasts. */
    static final Duration APPLICANT_VALIDITY = Duration.ofDays(7);

    private static final Logger LOG = LoggerFactory.getLogger(PkiSupport.class);

    private PkiSupport() {}

    public static EmbeddedPki open(Path dataDir, String baseUrl, ReferenceData refdata, List<PkiConfig.Hall> extra)
            throws IOException {
        return open(dataDir, baseUrl, refdata, extra, ServerOptions.Pki.EMBEDDED);
    }

    public static EmbeddedPki open(
            Path dataDir, String baseUrl, ReferenceData refdata, List<PkiConfig.Hall> extra, ServerOptions.Pki options)
            throws IOException {
        Map<String, PkiConfig.Hall> halls = new LinkedHashMap<>();
        for (ReferenceData.Hall h : refdata.halls()) {
            halls.put(h.id(), new PkiConfig.Hall(h.id(), h.name()));
        }
        for (PkiConfig.Hall h : extra) {
            halls.putIfAbsent(h.id(), h);
        }
        return EmbeddedPki.open(new PkiConfig(
                dataDir.resolve("pki"),
                password(dataDir),
                baseUrl,
                new ArrayList<>(halls.values()),
                APPLICANT_VALIDITY,
                external(options)));
    }

    /**
     * The trust services to sign with: the embedded PKI's for its own CAs, the issuers' own OCSP
     * responders and CRLs for externally issued certificates, and the external TSA if configured.
     */
    public static TrustServices trustServices(EmbeddedPki pki, ServerOptions.Pki options) throws IOException {
        List<X509Certificate> extra = new ArrayList<>();
        if (options.tsaTrust() != null) {
            try (InputStream in = Files.newInputStream(options.tsaTrust())) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    extra.add((X509Certificate) c);
                }
            } catch (CertificateException e) {
                throw new DocsignException(
                        DocsignError.PKI_EXTERNAL_INVALID, options.tsaTrust().toString(), e);
            }
        }
        return new CompositeTrustServices(pki, extra, options.tsaUrl());
    }

    private static ExternalCredentials external(ServerOptions.Pki options) throws IOException {
        Path dir = options.externalDir();
        if (dir == null) {
            return null;
        }
        String env = System.getenv("TONGBAN_PKI_EXTERNAL_PASSWORD");
        char[] password;
        if (env != null && !env.isBlank()) {
            password = env.toCharArray();
        } else if (Files.isRegularFile(dir.resolve("password"))) {
            password = Files.readString(dir.resolve("password"), StandardCharsets.UTF_8)
                    .strip()
                    .toCharArray();
        } else {
            throw new DocsignException(
                    DocsignError.PKI_EXTERNAL_INVALID,
                    dir + ": no password (set TONGBAN_PKI_EXTERNAL_PASSWORD or write " + dir.resolve("password") + ")");
        }
        ExternalCredentials creds = ExternalCredentials.load(dir, password);
        for (String line : creds.summary()) {
            LOG.info("external PKI credentials from {}: {}", dir, line);
        }
        return creds;
    }

    /**
     * The embedded PKI's root certificate as stored in {@code <dataDir>/pki/pki.p12}, read without opening
     * (or changing) the PKI; empty when there is none. For offline tools.
     */
    public static List<X509Certificate> storedRoot(Path dataDir) throws IOException {
        Path file = dataDir.resolve("pki").resolve("pki.p12");
        if (!Files.exists(file)) {
            return List.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, password(dataDir));
            Certificate root = ks.getCertificate("root");
            return root instanceof X509Certificate x ? List.of(x) : List.of();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the embedded PKI's root from " + file, e);
        }
    }

    static char[] password(Path dataDir) throws IOException {
        String env = System.getenv("TONGBAN_PKI_PASSWORD");
        if (env != null && !env.isBlank()) {
            return env.toCharArray();
        }
        Path file = dataDir.resolve("pki.password");
        if (!Files.exists(file)) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            OwnerOnly.write(
                    file,
                    Base64.getUrlEncoder().withoutPadding().encodeToString(b).getBytes(StandardCharsets.US_ASCII));
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip().toCharArray();
    }
}
