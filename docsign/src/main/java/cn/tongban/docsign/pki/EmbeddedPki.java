package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.Identity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.X509ObjectIdentifiers;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default PKI: a federation root CA, one CA per hall, a time-stamp authority (issued
 * by the root), clerk, e-seal and applicant certificates, CRLs and an OCSP responder. Everything is
 * persisted in {@code <dataDir>/pki.p12} (PKCS#12, password protected) and two append-only logs;
 * created on first start, reloaded afterwards.
 *
 * <p>With {@link PkiConfig#external()} set, credentials issued by an external CA take precedence per
 * hall: an external issuing CA replaces the hall's own CA (applicant certificates are then issued
 * under it, and this class answers OCSP and CRL requests for them), and an external e-seal or clerk
 * credential replaces the one this class would issue. The external PKI's anchors join {@link
 * #trustAnchors()}. Revocation of the externally issued certificates themselves comes from the
 * external CA's own services (see {@link CompositeTrustServices}).
 *
 * <p>The parts: this class is the CA (keys, issuance, revocation, persistence); {@link CrlIssuer} issues
 * the CRLs, {@link OcspResponder} answers OCSP and {@link TimestampAuthority} time-stamps, from this CA's
 * state. The URLs the certificates name (relative to {@link PkiConfig#baseUrl()}: {@code GET /ca/{id}.cer},
 * {@code GET /crl/{id}.crl}, {@code POST /ocsp/{hallId}} (RFC 6960 Appendix A.1), {@code POST /tsa} (RFC 3161
 * §3.4)) are served by whoever hosts the PKI — the Tongban server's HTTP routes — through {@link
 * #caCertificate}, {@link #crl}, {@link #ocspResponder} and {@link #timestampAuthority}.
 *
 * <p>Thread-safe.
 */
public final class EmbeddedPki implements TrustServices, CertificateIssuer {
    static final String ROOT = "root";
    private static final String TSA = "tsa";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPki.class);

    private final PkiConfig config;
    private final Path store;
    private final KeyStore keyStore;
    // Written by the constructor and ensureHall (synchronized), read by any thread.
    private final Map<String, PkiConfig.Hall> halls = new ConcurrentHashMap<>();
    private final Map<String, Credential> cas = new ConcurrentHashMap<>();
    private final Map<String, Credential> endEntities = new ConcurrentHashMap<>();
    private final Map<String, Set<BigInteger>> issued = new ConcurrentHashMap<>();
    private final Map<String, Map<BigInteger, Revocation>> revoked = new ConcurrentHashMap<>();
    private final TimestampAuthority tsa;
    private final X509Certificate tsaCertificate;
    private final OcspResponder ocsp;
    private final CrlIssuer crls = new CrlIssuer(cas::get, id -> revoked.getOrDefault(id, Map.of()));
    private volatile IssuanceRegister shared;

    record Revocation(Instant time, int reason) {}

    private EmbeddedPki(PkiConfig config) {
        this.config = config;
        this.store = config.dataDir().resolve("pki.p12");
        try {
            if (config.dataDir().getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(
                        config.dataDir(),
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(config.dataDir());
            }
            keyStore = KeyStore.getInstance("PKCS12");
            if (Files.exists(store)) {
                try (InputStream in = Files.newInputStream(store)) {
                    keyStore.load(in, config.password());
                }
            } else {
                keyStore.load(null, null);
            }
            boolean changed = false;
            if (!keyStore.containsAlias(ROOT)) {
                createRoot();
                changed = true;
            }
            cas.put(ROOT, load(ROOT));
            for (PkiConfig.Hall h : config.halls()) {
                halls.put(h.id(), h);
                Optional<Credential> externalCa = external(e -> e.hallCa(h.id()));
                if (externalCa.isPresent()) {
                    cas.put(h.id(), externalCa.get());
                    continue;
                }
                if (!keyStore.containsAlias("ca-" + h.id())) {
                    createHallCa(h);
                    changed = true;
                } else if (migrateHallCa(h)) {
                    changed = true;
                }
                cas.put(h.id(), load("ca-" + h.id()));
            }
            if (!keyStore.containsAlias(TSA)) {
                createTsa();
                changed = true;
            }
            if (changed) {
                save();
            }
            readLogs();
            Credential tsaCredential = load(TSA);
            tsaCertificate = tsaCredential.certificate();
            tsa = new TimestampAuthority(tsaCredential);
            ocsp = new OcspResponder(this);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new DocsignException(DocsignError.PKI_KEYSTORE, store.toString(), e);
        }
    }

    /** Opens the PKI in {@code config.dataDir()}, creating it on first start. */
    public static EmbeddedPki open(PkiConfig config) {
        return new EmbeddedPki(config);
    }

    /**
     * Makes {@code h} one of this PKI's halls while it runs (a hall added to the reference data): its CA is
     * created and persisted in the keystore like those of the halls given at open (or taken from the external
     * CA's credentials), and from then on this PKI issues, answers OCSP and publishes a CRL for it. Returns
     * true when the hall was new; a hall known already is left as it is (its name too: a renamed hall keeps
     * the name its CA was issued with until the next start).
     */
    public synchronized boolean ensureHall(PkiConfig.Hall h) {
        if (halls.containsKey(h.id())) {
            return false;
        }
        try {
            Optional<Credential> externalCa = external(e -> e.hallCa(h.id()));
            if (externalCa.isPresent()) {
                cas.put(h.id(), externalCa.get());
            } else {
                if (!keyStore.containsAlias("ca-" + h.id())) {
                    createHallCa(h);
                    save();
                    LOG.info("Created the CA of the new hall {}", h.id());
                } else if (migrateHallCa(h)) {
                    save();
                }
                cas.put(h.id(), load("ca-" + h.id()));
            }
            halls.put(h.id(), h);
            return true;
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new DocsignException(DocsignError.PKI_KEYSTORE, store.toString(), e);
        }
    }

    // ---------------------------------------------------------------- TrustServices

    @Override
    public List<X509Certificate> trustAnchors() {
        List<X509Certificate> out = new ArrayList<>();
        out.add(rootCertificate());
        if (config.external() != null) {
            out.addAll(config.external().trustAnchors());
        }
        return List.copyOf(out);
    }

    /** Whether the hall's issuing CA was issued by an external CA (see {@link ExternalCredentials}). */
    public boolean hallCaIsExternal(String hallId) {
        return external(e -> e.hallCa(hallId)).isPresent();
    }

    @Override
    public TimestampSource timestamps() {
        return tsa;
    }

    @Override
    public RevocationSource revocation() {
        return new RevocationSource() {
            @Override
            public byte[] ocsp(X509Certificate cert, X509Certificate issuer) {
                String ca = caIdOf(issuer);
                return ca == null || ca.equals(ROOT) ? null : ocsp.respondFor(ca, cert.getSerialNumber());
            }

            @Override
            public byte[] crl(X509Certificate cert, X509Certificate issuer) {
                String ca = caIdOf(issuer);
                return ca == null ? null : crls.crl(ca);
            }
        };
    }

    /** The federation root certificate. */
    public X509Certificate rootCertificate() {
        return cas.get(ROOT).certificate();
    }

    /** The CA certificate of a hall or of the root ({@code "root"}). */
    public X509Certificate caCertificate(String id) {
        Credential c = cas.get(id);
        if (c == null) {
            throw new DocsignException(DocsignError.PKI_REQUEST_INVALID, "unknown CA " + id);
        }
        return c.certificate();
    }

    /** The time-stamp authority as a request→response handler. */
    public TimestampAuthority timestampAuthority() {
        return tsa;
    }

    /** The time-stamp authority's certificate (issued by the root). */
    public X509Certificate timestampAuthorityCertificate() {
        return tsaCertificate;
    }

    /**
     * The certificates whose expiry stops this installation from signing or vouching, by name: {@code root},
     * {@code tsa}, {@code ca-<hall>} for every hall, and {@code seal-<hall>} for every hall whose seal exists
     * (issued here or supplied externally). Clerks' certificates are left out: each is reissued when used.
     */
    public synchronized java.util.SortedMap<String, X509Certificate> watchedCertificates() {
        java.util.SortedMap<String, X509Certificate> out = new java.util.TreeMap<>();
        out.put(ROOT, rootCertificate());
        out.put(TSA, tsaCertificate);
        for (String hallId : halls.keySet()) {
            Credential ca = cas.get(hallId);
            if (ca != null) {
                out.put("ca-" + hallId, ca.certificate());
            }
            Optional<Credential> ext = external(e -> e.hallSeal(hallId));
            if (ext.isPresent()) {
                out.put("seal-" + hallId, ext.get().certificate());
                continue;
            }
            try {
                Certificate seal = keyStore.getCertificate("seal-" + hallId);
                if (seal instanceof X509Certificate x) {
                    out.put("seal-" + hallId, x);
                }
            } catch (java.security.KeyStoreException e) {
                throw new DocsignException(DocsignError.PKI_KEYSTORE, "seal-" + hallId, e);
            }
        }
        return out;
    }

    /** The OCSP responder as a request→response handler. */
    public OcspResponder ocspResponder() {
        return ocsp;
    }

    /** The hall's Chinese name. */
    public String hallName(String hallId) {
        return hall(hallId).name();
    }

    // ---------------------------------------------------------------- issuing

    @Override
    public Credential issueApplicant(String hallId, String name, String idNumber, PublicKey publicKey) {
        PkiConfig.Hall h = hall(hallId);
        X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, "长三角政务服务通办申请人")
                .addRDN(BCStyle.SERIALNUMBER, idNumber)
                .addRDN(BCStyle.CN, name);
        X509Certificate cert =
                issueEndEntity(h, n.build(), publicKey, config.applicantValidity(), SignerRole.APPLICANT);
        return new Credential(null, chain(cert, h.id()));
    }

    @Override
    public Credential issueApplicantWithKey(String hallId, String name, String idNumber) {
        KeyPair kp = ecKeyPair();
        Credential c = issueApplicant(hallId, name, idNumber, kp.getPublic());
        return new Credential(kp.getPrivate(), c.chain());
    }

    @Override
    public Credential clerk(String hallId, String clerkId, String clerkName) {
        PkiConfig.Hall h = hall(hallId);
        Optional<Credential> ext = external(e -> e.clerk(hallId, clerkId));
        if (ext.isPresent()) {
            return ext.get();
        }
        String alias = "clerk-" + h.id() + "-"
                + clerkId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "_");
        return endEntities.computeIfAbsent(
                alias,
                a -> persistentEndEntity(
                        a,
                        h,
                        new X500NameBuilder(BCStyle.INSTANCE)
                                .addRDN(BCStyle.C, "CN")
                                .addRDN(BCStyle.O, h.name())
                                .addRDN(BCStyle.OU, "窗口工作人员")
                                .addRDN(BCStyle.SERIALNUMBER, clerkId)
                                .addRDN(BCStyle.CN, clerkName)
                                .build(),
                        Duration.ofDays(730),
                        SignerRole.CLERK));
    }

    @Override
    public Credential hallSeal(String hallId) {
        PkiConfig.Hall h = hall(hallId);
        Optional<Credential> ext = external(e -> e.hallSeal(hallId));
        if (ext.isPresent()) {
            return ext.get();
        }
        String alias = "seal-" + h.id();
        return endEntities.computeIfAbsent(
                alias,
                a -> persistentEndEntity(
                        a,
                        h,
                        new X500NameBuilder(BCStyle.INSTANCE)
                                .addRDN(BCStyle.C, "CN")
                                .addRDN(BCStyle.O, h.name())
                                .addRDN(BCStyle.OU, "电子印章")
                                .addRDN(BCStyle.CN, h.name() + "电子印章")
                                .build(),
                        Duration.ofDays(5 * 365),
                        SignerRole.HALL_SEAL));
    }

    @Override
    public void revoke(String hallId, BigInteger serial, int reason) {
        hall(hallId);
        revoked.computeIfAbsent(hallId, k -> new ConcurrentHashMap<>())
                .put(serial, new Revocation(Instant.now(), reason));
        appendLog(
                "revoked.log",
                hallId + " " + serial.toString(16) + " " + Instant.now().getEpochSecond() + " " + reason);
    }

    private synchronized Credential persistentEndEntity(
            String alias, PkiConfig.Hall h, X500Name subject, Duration validity, SignerRole role) {
        try {
            if (keyStore.containsAlias(alias)) {
                Credential existing = load(alias);
                if (current(existing, h, role)) {
                    return existing;
                }
                return reissue(alias, existing, h, validity, role);
            }
            KeyPair kp = ecKeyPair();
            X509Certificate cert = issueEndEntity(h, subject, kp.getPublic(), validity, role);
            List<X509Certificate> chain = chain(cert, h.id());
            keyStore.setKeyEntry(alias, kp.getPrivate(), config.password(), chain.toArray(new Certificate[0]));
            save();
            return new Credential(kp.getPrivate(), chain);
        } catch (GeneralSecurityException | IOException e) {
            throw new DocsignException(DocsignError.PKI_KEYSTORE, alias, e);
        }
    }

    /**
     * Whether a persisted clerk or seal credential has the current profile: its role marked, issued
     * by the hall's current CA certificate (installations older than role marking have neither).
     */
    private boolean current(Credential c, PkiConfig.Hall h, SignerRole role) {
        List<X509Certificate> chain = c.chain();
        return Identity.roles(c.certificate()).equals(java.util.EnumSet.of(role))
                && chain.size() >= 2
                && chain.get(1).equals(cas.get(h.id()).certificate());
    }

    /**
     * Re-issues a persisted credential's certificate with the current profile, for the same key and
     * subject (migration of installations older than role marking; see docsign/README.md). The old
     * certificate is not revoked: documents signed with it stay what they were.
     */
    private Credential reissue(String alias, Credential old, PkiConfig.Hall h, Duration validity, SignerRole role)
            throws GeneralSecurityException, IOException {
        X509Certificate cert = issueEndEntity(
                h,
                X500Name.getInstance(old.certificate().getSubjectX500Principal().getEncoded()),
                old.certificate().getPublicKey(),
                validity,
                role);
        List<X509Certificate> chain = chain(cert, h.id());
        keyStore.setKeyEntry(alias, old.privateKey(), config.password(), chain.toArray(new Certificate[0]));
        save();
        LOG.info(
                "Re-issued {} with the {} role marked (serial {})",
                alias,
                role,
                cert.getSerialNumber().toString(16));
        return new Credential(old.privateKey(), chain);
    }

    private X509Certificate issueEndEntity(
            PkiConfig.Hall h, X500Name subject, PublicKey key, Duration validity, SignerRole role) {
        try {
            Credential ca = cas.get(h.id());
            Instant now = Instant.now();
            BigInteger serial = serial();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    ca.certificate(),
                    serial,
                    Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(validity)),
                    subject,
                    key);
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(key));
            b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca.certificate()));
            b.addExtension(
                    Extension.authorityInfoAccess, false, new AuthorityInformationAccess(new AccessDescription[] {
                        new AccessDescription(X509ObjectIdentifiers.ocspAccessMethod, uriName("/ocsp/" + h.id())),
                        new AccessDescription(X509ObjectIdentifiers.id_ad_caIssuers, uriName("/ca/" + h.id() + ".cer"))
                    }));
            b.addExtension(Extension.cRLDistributionPoints, false, crlDp(h.id()));
            b.addExtension(Extension.certificatePolicies, false, Profiles.policies(role));
            X509Certificate cert = sign(b, ca.privateKey());
            issued.computeIfAbsent(h.id(), k -> ConcurrentHashMap.newKeySet()).add(serial);
            appendLog("issued.log", h.id() + " " + serial.toString(16));
            IssuanceRegister register = shared;
            if (register != null) {
                register.issued(h.id(), serial, now);
            }
            return cert;
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new DocsignException(DocsignError.PKI_REQUEST_INVALID, subject.toString(), e);
        }
    }

    private void createRoot() throws GeneralSecurityException, IOException, OperatorCreationException {
        KeyPair kp = ecKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, "长三角政务服务联盟")
                .addRDN(BCStyle.CN, "长三角通办联盟根证书 Tongban Federation Root CA")
                .build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                name,
                serial(),
                Date.from(now.minusSeconds(3600)),
                Date.from(now.plus(Duration.ofDays(20 * 365))),
                name,
                kp.getPublic());
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = sign(b, kp.getPrivate());
        keyStore.setKeyEntry(ROOT, kp.getPrivate(), config.password(), new Certificate[] {cert});
    }

    private void createHallCa(PkiConfig.Hall h)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        Credential root = load(ROOT);
        KeyPair kp = ecKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, h.name())
                .addRDN(BCStyle.CN, h.name() + " 证书签发中心 CA")
                .build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                root.certificate(),
                serial(),
                Date.from(now.minusSeconds(3600)),
                Date.from(now.plus(Duration.ofDays(10 * 365))),
                name,
                kp.getPublic());
        X509Certificate cert = signHallCa(b, root, kp.getPublic());
        keyStore.setKeyEntry(
                "ca-" + h.id(), kp.getPrivate(), config.password(), new Certificate[] {cert, root.certificate()});
    }

    private X509Certificate signHallCa(JcaX509v3CertificateBuilder b, Credential root, PublicKey key)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        addSubordinateExtensions(b, root.certificate(), key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(
                Extension.keyUsage,
                true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        // The roles this CA may issue (RFC 5280 §4.2.1.4): a path is valid for a role only through CAs
        // that list it.
        b.addExtension(Extension.certificatePolicies, false, Profiles.policies(SignerRole.values()));
        return sign(b, root.privateKey());
    }

    /**
     * Whether a hall CA certificate has the current profile (it lists the roles it issues); if not,
     * re-certifies the same key and name under the root (migration of installations older than role
     * marking). Returns whether the key store changed.
     */
    private boolean migrateHallCa(PkiConfig.Hall h)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        String alias = "ca-" + h.id();
        Credential ca = load(alias);
        if (Identity.roles(ca.certificate()).size() == SignerRole.values().length) {
            return false;
        }
        Credential root = load(ROOT);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                root.certificate(),
                serial(),
                Date.from(now.minusSeconds(3600)),
                Date.from(now.plus(Duration.ofDays(10 * 365))),
                X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                ca.certificate().getPublicKey());
        X509Certificate cert = signHallCa(b, root, ca.certificate().getPublicKey());
        keyStore.setKeyEntry(alias, ca.privateKey(), config.password(), new Certificate[] {cert, root.certificate()});
        LOG.info(
                "Re-certified the CA of hall {} with the roles it issues (serial {})",
                h.id(),
                cert.getSerialNumber().toString(16));
        return true;
    }

    private void createTsa() throws GeneralSecurityException, IOException, OperatorCreationException {
        Credential root = load(ROOT);
        KeyPair kp = ecKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, "长三角政务服务联盟")
                .addRDN(BCStyle.CN, "长三角通办时间戳服务 Tongban TSA")
                .build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                root.certificate(),
                serial(),
                Date.from(now.minusSeconds(3600)),
                Date.from(now.plus(Duration.ofDays(10 * 365))),
                name,
                kp.getPublic());
        addSubordinateExtensions(b, root.certificate(), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
        // RFC 3161 §2.3: the TSA certificate has exactly one critical EKU, id-kp-timeStamping.
        b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
        X509Certificate cert = sign(b, root.privateKey());
        keyStore.setKeyEntry(TSA, kp.getPrivate(), config.password(), new Certificate[] {cert, root.certificate()});
    }

    private void addSubordinateExtensions(X509v3CertificateBuilder b, X509Certificate issuer, PublicKey key)
            throws GeneralSecurityException, IOException {
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(key));
        b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(issuer));
        b.addExtension(
                Extension.authorityInfoAccess,
                false,
                new AuthorityInformationAccess(
                        new AccessDescription(X509ObjectIdentifiers.id_ad_caIssuers, uriName("/ca/root.cer"))));
        b.addExtension(Extension.cRLDistributionPoints, false, crlDp(ROOT));
    }

    // ---------------------------------------------------------------- CRL, OCSP state

    /** The current DER CRL of CA {@code id} ({@code root} or a hall id), valid for one day. */
    public byte[] crl(String id) {
        if (!cas.containsKey(id)) {
            throw new DocsignException(DocsignError.PKI_REQUEST_INVALID, "unknown CA " + id);
        }
        return crls.crl(id);
    }

    Credential caCredential(String id) {
        return cas.get(id);
    }

    boolean wasIssued(String caId, BigInteger serial) {
        if (issued.getOrDefault(caId, Set.of()).contains(serial)) {
            return true;
        }
        IssuanceRegister register = shared;
        try {
            return register != null && register.wasIssued(caId, serial);
        } catch (RuntimeException e) {
            // The responder then says "unknown", which a verifier treats as not (yet) vouched for.
            LOG.warn("The shared issuance register cannot be read: {}", e.toString());
            return false;
        }
    }

    /**
     * Shares issuance with the other processes that hold the same CA keys: every end-entity certificate
     * issued from now on is also recorded in {@code register} (before it is handed out), and the OCSP
     * responder answers {@code good} for the serial numbers found there as well as for those in this PKI's
     * own {@code issued.log}.
     */
    public void shareIssuance(IssuanceRegister register) {
        this.shared = register;
    }

    Revocation revocationOf(String caId, BigInteger serial) {
        return revoked.getOrDefault(caId, Map.of()).get(serial);
    }

    String caIdMatching(
            org.bouncycastle.cert.ocsp.CertificateID id, org.bouncycastle.operator.DigestCalculatorProvider digests)
            throws org.bouncycastle.cert.ocsp.OCSPException {
        for (Map.Entry<String, Credential> e : cas.entrySet()) {
            if (ROOT.equals(e.getKey())) {
                continue;
            }
            try {
                if (id.matchesIssuer(
                        new org.bouncycastle.cert.jcajce.JcaX509CertificateHolder(
                                e.getValue().certificate()),
                        digests)) {
                    return e.getKey();
                }
            } catch (java.security.cert.CertificateEncodingException ex) {
                throw new org.bouncycastle.cert.ocsp.OCSPException("bad CA certificate", ex);
            }
        }
        return null;
    }

    boolean hasCa(String id) {
        return cas.containsKey(id) && !ROOT.equals(id);
    }

    String caIdOf(X509Certificate issuer) {
        for (Map.Entry<String, Credential> e : cas.entrySet()) {
            if (e.getValue().certificate().equals(issuer)) {
                return e.getKey();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private PkiConfig.Hall hall(String id) {
        PkiConfig.Hall h = halls.get(id);
        if (h == null) {
            throw new DocsignException(DocsignError.PKI_REQUEST_INVALID, "unknown hall " + id);
        }
        return h;
    }

    private List<X509Certificate> chain(X509Certificate leaf, String hallId) {
        List<X509Certificate> c = new ArrayList<>();
        c.add(leaf);
        c.addAll(cas.get(hallId).chain());
        return c;
    }

    private Optional<Credential> external(Function<ExternalCredentials, Optional<Credential>> f) {
        return config.external() == null ? java.util.Optional.empty() : f.apply(config.external());
    }

    private Credential load(String alias) throws GeneralSecurityException {
        PrivateKey key = (PrivateKey) keyStore.getKey(alias, config.password());
        Certificate[] chain = keyStore.getCertificateChain(alias);
        List<X509Certificate> list = new ArrayList<>();
        for (Certificate c : chain) {
            list.add((X509Certificate) c);
        }
        return new Credential(key, list);
    }

    private synchronized void save() throws IOException, GeneralSecurityException {
        Path tmp = store.resolveSibling("pki.p12.tmp");
        Files.deleteIfExists(tmp);
        // Owner-only from its first byte: the keystore holds every CA's and seal's private key.
        if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(
                    tmp,
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        }
        try (OutputStream out = Files.newOutputStream(tmp)) {
            keyStore.store(out, config.password());
        }
        Files.move(tmp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private synchronized void appendLog(String file, String line) {
        try {
            Path log = config.dataDir().resolve(file);
            // Owner-only like the keystore beside it (the server also tightens the data directory at start).
            if (!Files.exists(log)
                    && log.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                try {
                    Files.createFile(
                            log,
                            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another node of this JVM created it
                }
            }
            Files.writeString(
                    log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readLogs() throws IOException {
        Path issuedLog = config.dataDir().resolve("issued.log");
        if (Files.exists(issuedLog)) {
            for (String l : Files.readAllLines(issuedLog)) {
                String[] p = l.trim().split(" ");
                if (p.length == 2) {
                    issued.computeIfAbsent(p[0], k -> ConcurrentHashMap.newKeySet())
                            .add(new BigInteger(p[1], 16));
                }
            }
        }
        Path revokedLog = config.dataDir().resolve("revoked.log");
        if (Files.exists(revokedLog)) {
            for (String l : Files.readAllLines(revokedLog)) {
                String[] p = l.trim().split(" ");
                if (p.length == 4) {
                    revoked.computeIfAbsent(p[0], k -> new ConcurrentHashMap<>())
                            .put(
                                    new BigInteger(p[1], 16),
                                    new Revocation(
                                            Instant.ofEpochSecond(Long.parseLong(p[2])), Integer.parseInt(p[3])));
                }
            }
        }
    }

    private GeneralNames uri(String path) {
        return new GeneralNames(uriName(path));
    }

    private GeneralName uriName(String path) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, config.baseUrl() + path);
    }

    private CRLDistPoint crlDp(String caId) {
        return new CRLDistPoint(new DistributionPoint[] {
            new DistributionPoint(new DistributionPointName(uri("/crl/" + caId + ".crl")), null, null)
        });
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        try {
            return cn.tongban.docsign.cms.Crypto.certificate(
                    b.build(signer(key)).getEncoded());
        } catch (IOException e) {
            throw new java.security.cert.CertificateException(e);
        }
    }

    static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(alg)
                .setProvider(cn.tongban.docsign.cms.Crypto.BC)
                .build(key);
    }

    /** A fresh ECDSA P-256 key pair. */
    public static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        // RFC 5280 §4.1.2.2: positive, at most 20 octets; 64+ bits of randomness (CA/B BR 7.1).
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
