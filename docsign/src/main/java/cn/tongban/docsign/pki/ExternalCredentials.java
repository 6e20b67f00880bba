package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Identity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Credentials issued by an external CA (a provincial CA, a commercial CA, a hall's own PKI), read
 * from a directory that the deployment provides instead of — or in addition to — the embedded
 * PKI's own keys:
 *
 * <pre>
 * DIR/trust/*.pem|*.crt|*.cer          trust anchors of the external PKI (PEM or DER)
 * DIR/&lt;hallId&gt;/ca.p12                  the hall's issuing CA for applicant session certificates,
 *                                      delegated by the external CA (key + chain)
 * DIR/&lt;hallId&gt;/seal.p12                the hall's e-seal credential
 * DIR/&lt;hallId&gt;/clerks/&lt;clerkId&gt;.p12    a clerk's signing credential
 * </pre>
 *
 * <p>Every PKCS#12 file holds one private key with its certificate chain and is protected by the one
 * password given to {@link #load}. Everything is checked when loaded, so a bad file stops the start
 * instead of failing a signature later: the chain must validate (PKIX, at the current time) up to
 * one of the trust anchors, the key must match the certificate, an issuing CA must be a CA allowed
 * to sign certificates, and a seal or clerk certificate must be an end-entity certificate for
 * digital signatures. Each must carry its role as a certificate policy ({@link SignerRole#policyOid()}),
 * with every CA of its path allowed that role: a seal certificate the hall e-seal role, a clerk
 * certificate the clerk role, the delegated issuing CA the applicant role (the applicant certificates
 * issued under it carry it). Revocation is not checked here: it is checked when signing, from the
 * external CA's OCSP responder or CRL (see {@link CompositeTrustServices}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ExternalCredentials {
    private static final Set<String> CERT_SUFFIXES = Set.of(".pem", ".crt", ".cer", ".der");

    private final Path dir;
    private final List<X509Certificate> anchors;
    private final Map<String, Credential> hallCas;
    private final Map<String, Credential> seals;
    private final Map<String, Map<String, Credential>> clerks;

    private ExternalCredentials(
            Path dir,
            List<X509Certificate> anchors,
            Map<String, Credential> hallCas,
            Map<String, Credential> seals,
            Map<String, Map<String, Credential>> clerks) {
        this.dir = dir;
        this.anchors = List.copyOf(anchors);
        this.hallCas = Collections.unmodifiableMap(hallCas);
        this.seals = Collections.unmodifiableMap(seals);
        this.clerks = Collections.unmodifiableMap(clerks);
    }

    /**
     * Reads and checks every credential under {@code dir}.
     *
     * @throws DocsignException {@link DocsignError#PKI_EXTERNAL_INVALID} naming the first unusable
     *     file and why
     */
    public static ExternalCredentials load(Path dir, char[] password) {
        if (!Files.isDirectory(dir)) {
            throw invalid(dir, "not a directory");
        }
        for (char ch : password) {
            if (ch > 0x7e || ch < 0x20) {
                // Java's PKCS#12 password-based encryption accepts printable ASCII only.
                throw invalid(dir, "the PKCS#12 password must be printable ASCII");
            }
        }
        List<X509Certificate> anchors = readAnchors(dir.resolve("trust"));
        Map<String, Credential> cas = new TreeMap<>();
        Map<String, Credential> seals = new TreeMap<>();
        Map<String, Map<String, Credential>> clerks = new TreeMap<>();
        for (Path hallDir : list(dir)) {
            String hall = hallDir.getFileName().toString();
            if (!Files.isDirectory(hallDir) || hall.equals("trust") || hall.startsWith(".")) {
                continue;
            }
            if (!hall.matches("[a-z0-9-]{1,32}")) {
                throw invalid(hallDir, "a hall directory must be named by a hall id ([a-z0-9-]{1,32})");
            }
            Path ca = hallDir.resolve("ca.p12");
            if (Files.exists(ca)) {
                cas.put(hall, check(ca, password, anchors, Purpose.ISSUING_CA, SignerRole.APPLICANT));
            }
            Path seal = hallDir.resolve("seal.p12");
            if (Files.exists(seal)) {
                seals.put(hall, check(seal, password, anchors, Purpose.SIGNER, SignerRole.HALL_SEAL));
            }
            Path clerkDir = hallDir.resolve("clerks");
            if (Files.isDirectory(clerkDir)) {
                for (Path f : list(clerkDir)) {
                    String name = f.getFileName().toString();
                    if (!name.endsWith(".p12")) {
                        continue;
                    }
                    String clerkId = name.substring(0, name.length() - 4);
                    clerks.computeIfAbsent(hall, k -> new TreeMap<>())
                            .put(clerkId, check(f, password, anchors, Purpose.SIGNER, SignerRole.CLERK));
                }
            }
        }
        return new ExternalCredentials(dir, anchors, cas, seals, clerks);
    }

    /** The directory the credentials were read from. */
    public Path directory() {
        return dir;
    }

    /** The external PKI's trust anchors (never empty). */
    public List<X509Certificate> trustAnchors() {
        return anchors;
    }

    /** The hall's delegated issuing CA, if the directory has one. */
    public Optional<Credential> hallCa(String hallId) {
        return Optional.ofNullable(hallCas.get(hallId));
    }

    /** The hall's e-seal credential, if the directory has one. */
    public Optional<Credential> hallSeal(String hallId) {
        return Optional.ofNullable(seals.get(hallId));
    }

    /** A clerk's credential, if the directory has one. */
    public Optional<Credential> clerk(String hallId, String clerkId) {
        return Optional.ofNullable(clerks.getOrDefault(hallId, Map.of()).get(clerkId));
    }

    /**
     * One line per hall that has external material, for the start-up log, e.g. {@code cz-wujin-bdc:
     * issuing CA, seal, 2 clerks}.
     */
    public List<String> summary() {
        Set<String> halls = new java.util.TreeSet<>();
        halls.addAll(hallCas.keySet());
        halls.addAll(seals.keySet());
        halls.addAll(clerks.keySet());
        List<String> out = new ArrayList<>();
        for (String h : halls) {
            List<String> parts = new ArrayList<>();
            if (hallCas.containsKey(h)) {
                parts.add("issuing CA");
            }
            if (seals.containsKey(h)) {
                parts.add("seal");
            }
            int n = clerks.getOrDefault(h, Map.of()).size();
            if (n > 0) {
                parts.add(n + (n == 1 ? " clerk" : " clerks"));
            }
            out.add(h + ": " + String.join(", ", parts));
        }
        return out;
    }

    // ---------------------------------------------------------------- checks

    private enum Purpose {
        ISSUING_CA,
        SIGNER
    }

    private static List<X509Certificate> readAnchors(Path trustDir) {
        if (!Files.isDirectory(trustDir)) {
            throw invalid(trustDir, "missing: the external PKI's trust anchors go here");
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Path f : list(trustDir)) {
            String name = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (CERT_SUFFIXES.stream().noneMatch(name::endsWith)) {
                continue;
            }
            try (InputStream in = Files.newInputStream(f)) {
                List<Certificate> certs =
                        new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
                if (certs.isEmpty()) {
                    throw invalid(f, "no certificate in the file");
                }
                for (Certificate c : certs) {
                    X509Certificate x = (X509Certificate) c;
                    if (x.getBasicConstraints() < 0) {
                        throw invalid(f, "a trust anchor must be a CA certificate: " + subject(x));
                    }
                    x.checkValidity();
                    out.add(x);
                }
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw invalid(f, "trust anchor outside its validity period", e);
            } catch (IOException | GeneralSecurityException e) {
                throw invalid(f, "unreadable certificate", e);
            }
        }
        if (out.isEmpty()) {
            throw invalid(trustDir, "no trust anchor (*.pem, *.crt, *.cer)");
        }
        return out;
    }

    private static Credential check(
            Path file, char[] password, List<X509Certificate> anchors, Purpose purpose, SignerRole role) {
        Credential c = read(file, password);
        List<X509Certificate> chain = completeChain(c.chain(), anchors);
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw invalid(
                    file,
                    "certificate outside its validity period (" + leaf.getNotBefore() + " – " + leaf.getNotAfter()
                            + "): " + subject(leaf));
        }
        boolean[] ku = leaf.getKeyUsage();
        if (purpose == Purpose.ISSUING_CA) {
            if (leaf.getBasicConstraints() < 0) {
                throw invalid(file, "an issuing CA certificate must have basicConstraints CA:true: " + subject(leaf));
            }
            if (ku == null || !ku[5] || !ku[6]) {
                throw invalid(file, "an issuing CA certificate needs the keyCertSign and cRLSign key usages");
            }
        } else {
            if (leaf.getBasicConstraints() >= 0) {
                throw invalid(file, "a seal or clerk certificate must not be a CA certificate: " + subject(leaf));
            }
            if (ku != null && !ku[0] && !ku[1]) {
                throw invalid(file, "the certificate allows neither digitalSignature nor nonRepudiation");
            }
        }
        checkKeyMatches(file, c.privateKey(), leaf);
        validatePath(file, chain, anchors, null);
        if (purpose == Purpose.SIGNER && !Identity.roles(leaf).equals(java.util.EnumSet.of(role))) {
            throw invalid(
                    file,
                    "the certificate must carry exactly the " + role + " role (certificate policy " + role.policyOid()
                            + "); it carries " + Identity.roles(leaf) + ": " + subject(leaf));
        }
        validatePath(file, chain, anchors, role);
        return new Credential(c.privateKey(), chain);
    }

    private static Credential read(Path file, char[] password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            List<String> keyAliases = new ArrayList<>();
            for (String a : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(a)) {
                    keyAliases.add(a);
                }
            }
            if (keyAliases.size() != 1) {
                throw invalid(file, "expected exactly one private key, found " + keyAliases.size());
            }
            String alias = keyAliases.get(0);
            PrivateKey key = (PrivateKey) ks.getKey(alias, password);
            Certificate[] chain = ks.getCertificateChain(alias);
            if (key == null || chain == null || chain.length == 0) {
                throw invalid(file, "the key entry has no certificate chain");
            }
            List<X509Certificate> list = new ArrayList<>();
            for (Certificate cert : chain) {
                list.add((X509Certificate) cert);
            }
            return new Credential(key, list);
        } catch (IOException e) {
            // KeyStore.load reports a wrong password as an IOException caused by an
            // UnrecoverableKeyException.
            if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                throw invalid(file, "wrong password", e);
            }
            throw invalid(file, "not a readable PKCS#12 file", e);
        } catch (GeneralSecurityException e) {
            throw invalid(file, "not a readable PKCS#12 file", e);
        }
    }

    /**
     * The chain from the file, leaf first, ending at a trust anchor: a PKCS#12 file may omit the
     * anchor (or order its extra certificates arbitrarily), so the chain is rebuilt by issuer.
     */
    private static List<X509Certificate> completeChain(List<X509Certificate> fromFile, List<X509Certificate> anchors) {
        List<X509Certificate> pool = new ArrayList<>(fromFile.subList(1, fromFile.size()));
        pool.addAll(anchors);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(fromFile.get(0));
        Set<X509Certificate> seen = new HashSet<>(chain);
        X509Certificate cur = fromFile.get(0);
        while (!isSelfIssued(cur) && chain.size() < 8) {
            X509Certificate next = null;
            for (X509Certificate cand : pool) {
                if (!seen.contains(cand)
                        && cand.getSubjectX500Principal().equals(cur.getIssuerX500Principal())
                        && verifies(cur, cand)) {
                    next = cand;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            chain.add(next);
            seen.add(next);
            cur = next;
        }
        return chain;
    }

    /**
     * PKIX validation of the chain; with {@code role}, every CA on the path must allow the role's
     * certificate policy and the end certificate must carry it (RFC 5280 §6.1, explicit policy).
     */
    private static void validatePath(
            Path file, List<X509Certificate> chain, List<X509Certificate> anchors, SignerRole role) {
        Set<TrustAnchor> trust = new HashSet<>();
        for (X509Certificate a : anchors) {
            trust.add(new TrustAnchor(a, null));
        }
        // The path handed to PKIX excludes the anchor itself.
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!anchors.contains(c)) {
                path.add(c);
            }
        }
        if (path.isEmpty()) {
            throw invalid(file, "the credential's certificate is itself a trust anchor");
        }
        try {
            PKIXParameters params = new PKIXParameters(trust);
            params.setRevocationEnabled(false);
            params.setDate(new Date());
            if (role != null) {
                params.setInitialPolicies(Set.of(role.policyOid()));
                params.setExplicitPolicyRequired(true);
            }
            CertPathValidator.getInstance("PKIX", Crypto.BC)
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            if (role != null) {
                throw invalid(
                        file,
                        "the path does not allow the " + role + " role (certificate policy " + role.policyOid()
                                + "): every CA on it must list the role (" + e.getMessage() + ")",
                        e);
            }
            throw invalid(
                    file,
                    "the certificate does not chain to a trust anchor in trust/ (" + e.getReason() + ": "
                            + e.getMessage() + ")",
                    e);
        } catch (GeneralSecurityException e) {
            throw invalid(file, "the certificate chain could not be checked", e);
        }
    }

    private static void checkKeyMatches(Path file, PrivateKey key, X509Certificate cert) {
        String alg =
                switch (key.getAlgorithm()) {
                    case "EC", "ECDSA" -> "SHA256withECDSA";
                    case "RSA" -> "SHA256withRSA";
                    default -> throw invalid(file, "unsupported key algorithm " + key.getAlgorithm());
                };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            if (!v.verify(sig)) {
                throw invalid(file, "the private key does not belong to the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw invalid(file, "the private key does not belong to the certificate", e);
        }
    }

    private static boolean isSelfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    private static boolean verifies(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw invalid(dir, "unreadable directory", e);
        }
        out.sort(null);
        return out;
    }

    private static DocsignException invalid(Path file, String why) {
        return new DocsignException(DocsignError.PKI_EXTERNAL_INVALID, file + ": " + why);
    }

    private static DocsignException invalid(Path file, String why, Throwable cause) {
        return new DocsignException(DocsignError.PKI_EXTERNAL_INVALID, file + ": " + why, cause);
    }

    @Override
    public String toString() {
        return "ExternalCredentials[" + dir + ": " + String.join("; ", summary()) + "]";
    }
}
