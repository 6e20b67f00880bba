package cn.tongban.docsign.verify;

import cn.tongban.docsign.cms.CertPaths;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Identity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * The validation data of a document's DSS (ISO 32000-2 §12.8.4.3), read revision by revision so that
 * each certificate, OCSP response and CRL knows where it first appeared and which document time-stamp,
 * if any, proves that it existed (proof of existence, ETSI EN 319 102-1 §5.6.2.3).
 *
 * <p>The status of a certificate at a time {@code t} follows rules that no reordering or appended
 * data can bend:
 *
 * <ol>
 *   <li>Only data signed by someone entitled to speak for the issuer counts: an OCSP response signed
 *       by the issuing CA itself or by a delegated responder that the CA certified for {@code
 *       id-kp-OCSPSigning}, whose own path is valid (RFC 6960 §4.2.2.2); a CRL signed by the issuing
 *       CA, which must be allowed to sign CRLs (cRLSign, RFC 5280 §4.2.1.3), with no critical extension
 *       this verifier does not process.
 *   <li>"Revoked at or before {@code t}" from any such data wins, whatever its position, age or
 *       origin: revocation is final.
 *   <li>Otherwise only <em>usable</em> data decides: issued ({@code thisUpdate}) no earlier than
 *       {@code t} minus the grace, and — when the document has a valid document time-stamp — covered
 *       by one. Data added after the last document time-stamp has no proof of existence and cannot make
 *       a verdict better. Of the usable data, the newest wins.
 *   <li>No usable data: the status is unknown.
 * </ol>
 *
 * <p>Every piece of data considered is reported with what became of it ({@link RevocationEvidence}).
 * Single-threaded: one instance per verification.
 */
final class Evidence {
    /** Largest DSS entry read (a certificate, an OCSP response or a CRL). */
    private static final int MAX_ENTRY = 4 << 20;
    /** Most entries read per DSS array. */
    private static final int MAX_ENTRIES = 10_000;

    final List<X509Certificate> certificates = new ArrayList<>();
    private final List<Ocsp> ocsps = new ArrayList<>();
    private final List<Crl> crls = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, byte[]> decoded = new HashMap<>();
    private final DigestCalculatorProvider digests;
    private final CertificateFactory certificateFactory;
    private final Duration grace;
    private final Budget budget;
    private List<Poe> timestamps = List.of();
    private Set<String> previousDss = Set.of();

    /** A revision of the document: its 1-based number and where it ends. */
    record Origin(int revision, long end) {}

    /** A valid document time-stamp: where its revision ends, and its time. */
    record Poe(long end, Date time) {}

    /** The revocation status of one certificate at one time, and the data it rests on. */
    record Status(String status, String source, List<RevocationEvidence> evidence) {}

    private static final class Ocsp {
        final BasicOCSPResp response;
        final Origin origin;
        final Map<X509Certificate, String> authorization = new HashMap<>();
        final Map<X509Certificate, Boolean> signedByIssuer = new HashMap<>();

        Ocsp(BasicOCSPResp response, Origin origin) {
            this.response = response;
            this.origin = origin;
        }
    }

    private static final class Crl {
        final X509CRL crl;
        final Origin origin;
        final Map<X509Certificate, String> authorization = new HashMap<>();

        Crl(X509CRL crl, Origin origin) {
            this.crl = crl;
            this.origin = origin;
        }
    }

    Evidence(Duration grace, Budget budget) {
        this.grace = grace;
        this.budget = budget;
        try {
            digests = new JcaDigestCalculatorProviderBuilder().build();
            certificateFactory = CertificateFactory.getInstance("X.509");
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Adds what the DSS of one revision holds that no earlier revision held, and returns what is wrong
     * with that DSS: an entry that is no certificate, OCSP response or CRL, an entry listed twice, or
     * earlier validation data missing (a DSS only grows: PAdES lets later revisions add to it, not
     * replace it). Each stream is decoded once however often it is referenced, within the document's
     * decoding budget.
     */
    List<String> addRevision(PDDocument revision, Origin origin) throws IOException {
        List<String> problems = new ArrayList<>();
        COSDictionary dss = revision.getDocumentCatalog().getCOSObject().getCOSDictionary(COSName.getPDFName("DSS"));
        Set<String> present = new HashSet<>();
        if (dss != null) {
            for (byte[] b : streams(dss, "Certs", problems)) {
                String h = "C" + hash(b);
                present.add(h);
                try {
                    X509Certificate c = Crypto.certificate(b);
                    if (seen.add(h)) {
                        certificates.add(c);
                    }
                } catch (GeneralSecurityException | RuntimeException e) {
                    problems.add("a /Certs entry is not a certificate");
                }
            }
            for (byte[] b : streams(dss, "OCSPs", problems)) {
                String h = "O" + hash(b);
                present.add(h);
                try {
                    OCSPResp r = new OCSPResp(b);
                    if (r.getStatus() == OCSPResp.SUCCESSFUL && r.getResponseObject() instanceof BasicOCSPResp basic) {
                        if (seen.add(h)) {
                            ocsps.add(new Ocsp(basic, origin));
                        }
                    } else {
                        problems.add("an /OCSPs entry is not a successful basic OCSP response");
                    }
                } catch (IOException | OCSPException | RuntimeException e) {
                    problems.add("an /OCSPs entry is not an OCSP response");
                }
            }
            for (byte[] b : streams(dss, "CRLs", problems)) {
                String h = "R" + hash(b);
                present.add(h);
                try {
                    X509CRL crl = (X509CRL) certificateFactory.generateCRL(new ByteArrayInputStream(b));
                    if (seen.add(h)) {
                        crls.add(new Crl(crl, origin));
                    }
                } catch (GeneralSecurityException | RuntimeException e) {
                    problems.add("a /CRLs entry is not a CRL");
                }
            }
        }
        int dropped = 0;
        for (String h : previousDss) {
            if (!present.contains(h)) {
                dropped++;
            }
        }
        if (dropped > 0) {
            problems.add(dropped + " entries of the previous revision's DSS are gone");
        }
        previousDss = present;
        return problems.stream().distinct().toList();
    }

    /** Sets the valid document time-stamps, which give the data their proof of existence. */
    void timestamps(List<Poe> valid) {
        timestamps = valid.stream().sorted(Comparator.comparingLong(Poe::end)).toList();
    }

    /** Whether any piece of validation data lies after the last valid document time-stamp. */
    int uncovered() {
        if (timestamps.isEmpty()) {
            return 0;
        }
        int n = 0;
        for (Ocsp o : ocsps) {
            n += poe(o.origin) == null ? 1 : 0;
        }
        for (Crl c : crls) {
            n += poe(c.origin) == null ? 1 : 0;
        }
        return n;
    }

    /** The time of the first valid document time-stamp that covers {@code origin}, or null. */
    private Date poe(Origin origin) {
        for (Poe t : timestamps) {
            if (t.end() >= origin.end()) {
                return t.time();
            }
        }
        return null;
    }

    private List<byte[]> streams(COSDictionary dss, String key, List<String> problems) throws IOException {
        List<byte[]> out = new ArrayList<>();
        COSBase value = dss.getDictionaryObject(COSName.getPDFName(key));
        if (value == null) {
            return out;
        }
        if (!(value instanceof COSArray a)) {
            problems.add("/" + key + " is not an array");
            return out;
        }
        if (a.size() > MAX_ENTRIES) {
            problems.add("/" + key + " lists " + a.size() + " entries; at most " + MAX_ENTRIES + " are read");
        }
        Set<String> here = new HashSet<>();
        for (int i = 0; i < a.size() && i < MAX_ENTRIES; i++) {
            budget.tick();
            COSBase item = a.get(i);
            // One stream listed ten thousand times is read once (and reported).
            String id = item instanceof COSObject o ? o.getKey().toString() : "direct" + i;
            if (!here.add(id)) {
                problems.add("/" + key + " lists the same entry more than once");
                continue;
            }
            if (!(a.getObject(i) instanceof COSStream s)) {
                problems.add("a /" + key + " entry is not a stream");
                continue;
            }
            String cacheKey = item instanceof COSObject ? id + "#" + rawHash(s) : null;
            byte[] b = cacheKey == null ? null : decoded.get(cacheKey);
            if (b == null) {
                b = budget.decode(s, MAX_ENTRY);
                if (b == null) {
                    problems.add("a /" + key + " entry has a filter other than FlateDecode");
                    continue;
                }
                if (cacheKey != null) {
                    decoded.put(cacheKey, b);
                }
            }
            out.add(b);
        }
        return out;
    }

    // The same object in two revisions is the same bytes unless it was redefined: key it by content.
    private static String rawHash(COSStream s) throws IOException {
        try (java.io.InputStream in = s.createRawInputStream()) {
            MessageDigest md = sha256();
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    /**
     * The status of {@code cert}, issued by {@code issuer} (already validated as its path's issuer), at
     * time {@code t}, by the rules of the class comment.
     *
     * @param paths the verification's path validator, for delegated OCSP responders
     * @param pool certificates that may complete a responder's path
     */
    Status statusAt(
            X509Certificate cert, X509Certificate issuer, Date t, CertPaths paths, Collection<X509Certificate> pool) {
        List<RevocationEvidence> report = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        X509CertificateHolder issuerHolder;
        try {
            issuerHolder = new JcaX509CertificateHolder(issuer);
        } catch (GeneralSecurityException e) {
            return new Status("UNKNOWN", "NONE", report);
        }
        String subject = cert.getSubjectX500Principal().getName();
        for (Ocsp o : ocsps) {
            for (SingleResp single : o.response.getResponses()) {
                budget.tick();
                CertificateID id = single.getCertID();
                try {
                    if (!id.getSerialNumber().equals(cert.getSerialNumber())
                            || !id.matchesIssuer(issuerHolder, digests)) {
                        continue;
                    }
                } catch (OCSPException e) {
                    continue;
                }
                Object st = single.getCertStatus();
                String status;
                Date revokedAt = null;
                if (st == null) {
                    status = "GOOD";
                } else if (st instanceof RevokedStatus rs) {
                    revokedAt = rs.getRevocationTime();
                    status = revokedAt.after(t) ? "REVOKED_AFTER_SIGNING" : "REVOKED";
                } else {
                    status = "UNKNOWN";
                }
                candidates.add(new Candidate(
                        "OCSP",
                        status,
                        single.getThisUpdate(),
                        o.response.getProducedAt(),
                        o.origin,
                        revokedAt,
                        () -> o.authorization.computeIfAbsent(issuer, x -> ocspAuthorization(o, issuer, paths, pool)),
                        () -> o.signedByIssuer.getOrDefault(issuer, false)
                                ? Identity.of(issuer).name()
                                : responderName(o.response)));
            }
        }
        for (Crl c : crls) {
            budget.tick();
            if (!c.crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                continue;
            }
            X509CRLEntry entry = c.crl.getRevokedCertificate(cert);
            String status = "GOOD";
            Date revokedAt = null;
            if (entry != null) {
                revokedAt = entry.getRevocationDate();
                status = revokedAt.after(t) ? "REVOKED_AFTER_SIGNING" : "REVOKED";
            }
            String name = Identity.of(issuer).name();
            candidates.add(new Candidate(
                    "CRL",
                    status,
                    c.crl.getThisUpdate(),
                    null,
                    c.origin,
                    revokedAt,
                    () -> c.authorization.computeIfAbsent(issuer, x -> crlAuthorization(c.crl, issuer)),
                    () -> name));
        }
        // Rule 2: an authentic "revoked before t" decides, whatever else the document says.
        for (Candidate c : candidates) {
            if ("REVOKED".equals(c.status) && c.unauthorized() == null) {
                report.add(c.report(subject, "USED: revoked before the signing time"));
                for (Candidate other : candidates) {
                    if (other != c && other.checked() && usability(other, t) != null) {
                        report.add(other.report(subject, note(other, t, c)));
                    }
                }
                return new Status("REVOKED", c.source, report);
            }
        }
        // Rule 3: the newest usable piece decides. Signatures are checked newest first, and only as far
        // as needed: a document can hold many CRLs of one CA.
        candidates.sort(
                Comparator.comparing((Candidate c) -> c.thisUpdate == null ? new Date(Long.MIN_VALUE) : c.thisUpdate)
                        .reversed());
        Candidate best = null;
        for (Candidate c : candidates) {
            if (timely(c, t) == null && c.unauthorized() == null) {
                best = c;
                break;
            }
        }
        // What was used, and what could not be (superseded older data is left out of the report).
        for (Candidate c : candidates) {
            if (c == best || timely(c, t) != null || (c.checked() && c.unauthorized() != null)) {
                report.add(c.report(subject, c == best ? "USED" : note(c, t, best)));
            }
        }
        if (best == null) {
            return new Status("UNKNOWN", "NONE", report);
        }
        return new Status(best.status, best.source, report);
    }

    private String note(Candidate c, Date t, Candidate used) {
        String why = usability(c, t);
        if (why != null) {
            return "IGNORED: " + why;
        }
        return used == null ? "IGNORED" : "IGNORED: older than the " + used.source + " used";
    }

    /** Why {@code c} cannot decide a status at {@code t}, or null when it can. */
    private String usability(Candidate c, Date t) {
        String when = timely(c, t);
        if (when != null) {
            return when;
        }
        return c.checked() ? c.unauthorized() : null;
    }

    /** Why {@code c} is too old or lacks proof of existence for a status at {@code t}, or null. */
    private String timely(Candidate c, Date t) {
        if (c.thisUpdate == null || c.thisUpdate.before(new Date(t.getTime() - grace.toMillis()))) {
            return "issued " + (c.thisUpdate == null ? "at no stated time" : c.thisUpdate.toInstant())
                    + ", before the signing time " + t.toInstant() + " less the grace of " + grace;
        }
        if (!timestamps.isEmpty() && poe(c.origin) == null) {
            return "added in revision " + c.origin.revision() + ", after the last document time-stamp";
        }
        return null;
    }

    private final class Candidate {
        final String source;
        final String status;
        final Date thisUpdate;
        final Date producedAt;
        final Origin origin;
        final Date revokedAt;
        private final java.util.function.Supplier<String> authorize;
        private final java.util.function.Supplier<String> signer;
        private boolean checked;
        private String unauthorized;

        Candidate(
                String source,
                String status,
                Date thisUpdate,
                Date producedAt,
                Origin origin,
                Date revokedAt,
                java.util.function.Supplier<String> authorize,
                java.util.function.Supplier<String> signer) {
            this.source = source;
            this.status = status;
            this.thisUpdate = thisUpdate;
            this.producedAt = producedAt;
            this.origin = origin;
            this.revokedAt = revokedAt;
            this.authorize = authorize;
            this.signer = signer;
        }

        /** Why its signer may not speak for the issuer (checked once, on first need), or null. */
        String unauthorized() {
            if (!checked) {
                unauthorized = authorize.get();
                checked = true;
            }
            return unauthorized;
        }

        boolean checked() {
            return checked;
        }

        RevocationEvidence report(String subject, String use) {
            Date poe = poe(origin);
            return new RevocationEvidence(
                    subject,
                    source,
                    status,
                    revokedAt == null ? null : revokedAt.toInstant().toString(),
                    thisUpdate == null ? null : thisUpdate.toInstant().toString(),
                    producedAt == null ? null : producedAt.toInstant().toString(),
                    checked ? signer.get() : "(signature not checked: not needed)",
                    origin.revision(),
                    poe == null ? null : poe.toInstant().toString(),
                    use);
        }
    }

    /** Null when {@code o} speaks for {@code issuer}, else why not. */
    private String ocspAuthorization(
            Ocsp o, X509Certificate issuer, CertPaths paths, Collection<X509Certificate> pool) {
        try {
            if (o.response.isSignatureValid(verifier(issuer))) {
                o.signedByIssuer.put(issuer, true);
                return null; // signed by the CA itself
            }
            for (X509CertificateHolder h : o.response.getCerts()) {
                X509Certificate responder = Crypto.certificate(h.getEncoded());
                if (!responder.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                    continue;
                }
                try {
                    responder.verify(issuer.getPublicKey(), Crypto.BC);
                } catch (GeneralSecurityException e) {
                    continue; // not issued by this CA
                }
                List<X509Certificate> responderPool = new ArrayList<>(pool);
                responderPool.add(issuer);
                CertPaths.Result path = paths.validate(
                        responder, responderPool, o.response.getProducedAt(), CertPaths.Purpose.OCSP_SIGNING, Set.of());
                if (!path.valid()) {
                    return "responder " + Identity.of(responder).name() + " not authorized: " + path.problem();
                }
                if (o.response.isSignatureValid(verifier(responder))) {
                    return null; // a delegated responder (named by the response's responder ID)
                }
            }
            return "signed neither by the issuing CA nor by a responder it certified";
        } catch (GeneralSecurityException | IOException | OperatorCreationException | OCSPException e) {
            return "signature unreadable: " + e.getMessage();
        }
    }

    /** Null when {@code crl} speaks for {@code issuer}, else why not. */
    private static String crlAuthorization(X509CRL crl, X509Certificate issuer) {
        if (!CertPaths.maySignCrls(issuer)) {
            return "the issuer may not sign CRLs (no cRLSign key usage)";
        }
        Set<String> critical = crl.getCriticalExtensionOIDs();
        if (critical != null && !critical.isEmpty()) {
            // e.g. a critical issuing distribution point (a partitioned or delta CRL) we do not process.
            return "CRL with unsupported critical extensions " + critical;
        }
        try {
            crl.verify(issuer.getPublicKey(), Crypto.BC);
            return null;
        } catch (GeneralSecurityException e) {
            return "CRL not signed by the issuing CA";
        }
    }

    private static org.bouncycastle.operator.ContentVerifierProvider verifier(X509Certificate c)
            throws OperatorCreationException {
        return new JcaContentVerifierProviderBuilder().setProvider(Crypto.BC).build(c.getPublicKey());
    }

    private static String responderName(BasicOCSPResp r) {
        org.bouncycastle.asn1.x500.X500Name n =
                r.getResponderId().toASN1Primitive().getName();
        if (n != null) {
            return n.toString();
        }
        for (X509CertificateHolder h : r.getCerts()) {
            return h.getSubject().toString(); // the responder identified by key hash ships its certificate first
        }
        return "a responder identified by key hash";
    }

    /** Every certificate of the DSS, with {@code extra} first, deduplicated. */
    List<X509Certificate> pool(Collection<X509Certificate> extra) {
        Set<X509Certificate> all = new LinkedHashSet<>(extra);
        all.addAll(certificates);
        return new ArrayList<>(all);
    }

    /** Whether the DSS holds revocation data of any kind (for PAdES B-LT). */
    boolean hasRevocationData() {
        return !ocsps.isEmpty() || !crls.isEmpty();
    }

    private static String hash(byte[] b) {
        return HexFormat.of().formatHex(sha256().digest(b));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
