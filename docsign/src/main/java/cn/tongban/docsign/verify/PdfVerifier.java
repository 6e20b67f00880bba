package cn.tongban.docsign.verify;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.CertPaths;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Der;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.cms.SignatureParts;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import cn.tongban.docsign.pdf.SeedValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDField;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * Verifies the signatures of a PDF offline against configured trust anchors, using only what the
 * document carries (CMS certificates, time-stamps, the DSS), and explains every failure with a
 * {@link Finding.Code}.
 *
 * <p>In order:
 *
 * <ol>
 *   <li>the file's revision structure ({@link Layout}): bytes after the last {@code %%EOF} are junk
 *       or an xref-less append, both findings;
 *   <li>per signature, integrity: byte range (checked arithmetic, the gap is exactly this
 *       dictionary's {@code /Contents}, the dictionary is inside the signed bytes), digest, signature
 *       value, signing-certificate-v2, the time-stamp tokens' imprints and signatures;
 *   <li>every revision after the first signature ({@link Revisions}): each added or changed object
 *       must be allowed, and what the document shows must stay what each signer saw ({@link
 *       RevisionFingerprint}); the DSS is read revision by revision ({@link Evidence});
 *   <li>trust, newest document time-stamp first: RFC 5280 paths ({@link CertPaths}) of every TSA,
 *       signer, OCSP responder and CRL issuer, at the time each must have been valid; the valid
 *       document time-stamps are the proof of existence of the validation data;
 *   <li>per signature: the role its field requires ({@link SignerRole}, the field's seed value) and
 *       the hall the form names, the appearance against the certificate ({@link AppearanceCheck}),
 *       revocation from the evidence, the PAdES level.
 * </ol>
 *
 * <p>Unreadable input throws {@link DocsignException} instead of producing a report — and so does
 * anything else that goes wrong: a hostile file ends with a stable {@link DocsignError}, never with
 * another exception or error. Work is bounded by {@link PdfLimits}, time by the calling thread's CPU
 * time.
 *
 * <p>Thread-safe.
 */
public final class PdfVerifier {
    /**
     * How long before the signing time revocation data may have been issued and still count as
     * evidence that a certificate was not revoked then (see {@link Evidence}).
     */
    public static final Duration DEFAULT_REVOCATION_GRACE = Duration.ofHours(1);

    private static final COSName CADES = COSName.getPDFName("ETSI.CAdES.detached");
    private static final COSName RFC3161 = COSName.getPDFName("ETSI.RFC3161");
    private static final Map<String, String> OIDS = Map.of("2.5.4.5", "SERIALNUMBER");
    private static final int MAX_SIGNATURES = 1_000;

    private final List<X509Certificate> anchors;
    private final PdfLimits limits;
    private final Duration grace;

    public PdfVerifier(Collection<X509Certificate> trustAnchors) {
        this(trustAnchors, PdfLimits.DEFAULT);
    }

    public PdfVerifier(Collection<X509Certificate> trustAnchors, PdfLimits limits) {
        this(trustAnchors, limits, DEFAULT_REVOCATION_GRACE);
    }

    /**
     * @param revocationGrace how long before a signature's time its revocation data may have been
     *     issued and still count
     */
    public PdfVerifier(Collection<X509Certificate> trustAnchors, PdfLimits limits, Duration revocationGrace) {
        this.anchors = List.copyOf(new LinkedHashSet<>(trustAnchors));
        this.limits = limits;
        this.grace = revocationGrace;
    }

    /**
     * Verifies {@code pdf}.
     *
     * @throws DocsignException when the file cannot be verified at all: unreadable ({@code PDF_*}),
     *     beyond the limits, or anything unexpected ({@code INTERNAL}) — never another exception
     */
    public VerificationReport verify(byte[] pdf) {
        try {
            return verifyUnguarded(pdf);
        } catch (DocsignException e) {
            throw e;
        } catch (Throwable t) { // NOPMD: every failure on hostile input becomes a stable code
            throw PdfSafety.failure(t);
        }
    }

    /** One signature field with a value, as found through the AcroForm's field tree. */
    private record Sig(String field, PDSignatureField pdField, PDSignature sig, long[] br, long end) {
        boolean documentTimestamp() {
            return RFC3161.equals(sig.getCOSObject().getCOSName(COSName.SUB_FILTER));
        }
    }

    /** What one verification learns about one signature, filled in phase by phase. */
    private static final class Check {
        final Sig s;
        final List<Finding> f = new ArrayList<>();
        SignatureParts parts;
        X509Certificate cert;
        boolean rangeOk;
        boolean integrity;
        boolean baseline;
        Integer docMdp;
        /** Signature time-stamps (or the document time-stamp's token) whose imprint and signature check out. */
        final List<TimeStampToken> tokens = new ArrayList<>();

        Date tsTime;
        List<String> chain = List.of();
        boolean trusted;
        String role;
        String hall;
        String revocation = "UNKNOWN";
        String revocationSource = "NONE";
        final List<RevocationEvidence> evidence = new ArrayList<>();
        String level;
        boolean validTimestamp;
        /** Revocation status of each valid signature time-stamp's TSA, at the token's time. */
        final List<String> tsaRevocation = new ArrayList<>();

        Check(Sig s) {
            this.s = s;
        }
    }

    private VerificationReport verifyUnguarded(byte[] pdf) throws IOException {
        Budget budget = new Budget(limits);
        PdfSafety.checkContent(pdf, limits);
        Layout layout = Layout.scan(pdf);
        budget.check();
        try (PDDocument doc = PdfSafety.open(pdf, layout.lastEnd(), limits)) {
            List<Finding> docFindings = new ArrayList<>();
            if (layout.tail() == Layout.Tail.XREF_LESS_APPEND) {
                List<String> objs = layout.appendedObjects();
                docFindings.add(new Finding(
                        Finding.Code.XREF_LESS_APPEND,
                        objs.size() + " object(s) (" + String.join(", ", objs.subList(0, Math.min(5, objs.size())))
                                + (objs.size() > 5 ? ", …" : "") + ") appended after the last %%EOF at offset "
                                + layout.lastEnd() + " without cross-reference data"));
            } else if (layout.tail() == Layout.Tail.JUNK) {
                docFindings.add(new Finding(
                        Finding.Code.UNSIGNED_TRAILING_DATA,
                        (pdf.length - layout.lastEnd()) + " bytes after the last %%EOF at offset " + layout.lastEnd()));
            }
            List<String> active = PdfSafety.activeContent(doc, budget.deadline());
            if (!active.isEmpty()) {
                docFindings.add(new Finding(Finding.Code.ACTIVE_CONTENT, String.join(", ", active)));
            }
            List<Sig> sigs = signatures(doc, budget);
            CertPaths paths = new CertPaths(anchors);

            // Phase 1: integrity of every signature and document time-stamp.
            List<Check> checks = new ArrayList<>();
            for (Sig s : sigs) {
                budget.check();
                Check c = new Check(s);
                integrity(c, pdf, doc, layout.ends());
                checks.add(c);
            }

            // Phase 2: every revision after the first signature, and the validation data on the way.
            Evidence evidence = new Evidence(grace, budget);
            List<Revisions.Signed> signed = new ArrayList<>();
            for (Check c : checks) {
                signed.add(new Revisions.Signed(c.s.sig().getCOSObject().getKey(), c.s.end(), c.integrity));
            }
            Revisions.Result revisions = Revisions.analyse(pdf, layout, doc, signed, evidence, budget);
            if (revisions.tooMany()) {
                docFindings.add(new Finding(
                        Finding.Code.TOO_MANY_REVISIONS,
                        revisions.revisions() + " revisions; at most " + Revisions.MAX_REVISIONS
                                + " after the first signature are analysed"));
            }

            // Phase 3: document time-stamps, newest first: each is the proof of existence of the ones before.
            List<Check> docTs = checks.stream()
                    .filter(c -> c.s.documentTimestamp())
                    .sorted(Comparator.comparingLong((Check c) -> c.s.end()).reversed())
                    .toList();
            List<Evidence.Poe> poes = new ArrayList<>();
            Date newer = null;
            for (Check c : docTs) {
                budget.check();
                trustDocTimestamp(c, paths, evidence, newer == null ? new Date() : newer);
                if (c.validTimestamp) {
                    poes.add(new Evidence.Poe(c.s.end(), c.tsTime));
                    newer = c.tsTime;
                }
            }
            evidence.timestamps(poes);
            int uncovered = evidence.uncovered();
            if (uncovered > 0) {
                docFindings.add(new Finding(
                        Finding.Code.UNSIGNED_VALIDATION_DATA,
                        uncovered + " OCSP response(s) or CRL(s) added after the last document time-stamp:"
                                + " without proof of existence they are not used for a better verdict"));
            }

            // Phase 4: signatures.
            String formHall = formHall(sigs);
            for (Check c : checks) {
                if (!c.s.documentTimestamp()) {
                    budget.check();
                    trustSignature(c, paths, evidence, poes, formHall, budget);
                }
            }
            crossCheckHalls(checks);

            // Phase 5: later revisions, DocMDP, verdicts.
            List<SignatureReport> reports = new ArrayList<>();
            Integer certP = null;
            long certEnd = -1;
            int index = 0;
            for (Check c : checks) {
                index++;
                laterUpdates(c, layout, revisions);
                if (c.docMdp != null) {
                    certP = c.docMdp;
                    certEnd = c.s.end();
                }
                if (certP != null && certP == 1 && c.s.end() > certEnd && !c.s.documentTimestamp()) {
                    c.f.add(new Finding(Finding.Code.DOCMDP_VIOLATION, "signature added after a P=1 certification"));
                }
                reports.add(report(index, c, layout, pdf));
            }
            Verdict overall = reports.isEmpty() ? Verdict.NO_SIGNATURES : Verdict.VALID;
            for (SignatureReport r : reports) {
                overall = worse(overall, r.verdict());
            }
            if (overall != Verdict.NO_SIGNATURES) {
                for (Finding f : docFindings) {
                    if (f.code().severity() == Finding.Severity.INVALID) {
                        overall = Verdict.INVALID;
                    } else if (f.code().severity() == Finding.Severity.INDETERMINATE) {
                        overall = worse(overall, Verdict.INDETERMINATE);
                    }
                }
            }
            return new VerificationReport(
                    overall, pdf.length, Math.max(1, layout.ends().size()), reports, List.copyOf(docFindings));
        }
    }

    private static Verdict worse(Verdict a, Verdict b) {
        if (a == Verdict.INVALID || b == Verdict.INVALID) {
            return Verdict.INVALID;
        }
        if (a == Verdict.INDETERMINATE || b == Verdict.INDETERMINATE) {
            return Verdict.INDETERMINATE;
        }
        return a;
    }

    // ---------------------------------------------------------------- phase 1: integrity

    private void integrity(Check c, byte[] pdf, PDDocument doc, List<Long> ends) {
        Sig s = c.s;
        c.rangeOk = checkByteRange(s, pdf, doc, ends, c.f);
        c.docMdp = docMdp(s.sig().getCOSObject());
        boolean ts = s.documentTimestamp();
        try {
            c.parts = SignatureParts.parse(Der.trim(s.sig().getContents()), ts);
        } catch (IllegalArgumentException e) {
            c.f.add(new Finding(Finding.Code.CMS_MALFORMED, e.getMessage()));
            return;
        }
        if (ts) {
            TimeStampToken t = c.parts.timestamps().get(0);
            c.cert = SignatureParts.tsaCertificate(t);
            c.tsTime = t.getTimeStampInfo().getGenTime();
            if (c.rangeOk) {
                String problem = checkTokenCrypto(
                        t, digest(t.getTimeStampInfo().getMessageImprintAlgOID().getId(), pdf, s.br()));
                if (problem != null) {
                    c.f.add(new Finding(
                            problem.startsWith("imprint")
                                    ? Finding.Code.DIGEST_MISMATCH
                                    : Finding.Code.TIMESTAMP_INVALID,
                            problem));
                } else {
                    c.tokens.add(t);
                }
                c.integrity = problem == null;
            }
            return;
        }
        if (c.parts.signerCertificate() == null) {
            c.f.add(new Finding(Finding.Code.CMS_MALFORMED, "signer certificate not in the CMS"));
            return;
        }
        SignerInformation si = c.parts.signer();
        c.cert = c.parts.signerCertificate();
        String cn = Identity.of(c.cert).name();
        AttributeTable signedAttrs = si.getSignedAttributes();
        if (c.rangeOk) {
            byte[] digest = digest(si.getDigestAlgOID(), pdf, s.br());
            Attribute md = signedAttrs == null ? null : signedAttrs.get(PKCSObjectIdentifiers.pkcs_9_at_messageDigest);
            boolean digestOk = md != null
                    && MessageDigest.isEqual(
                            ASN1OctetString.getInstance(md.getAttrValues().getObjectAt(0))
                                    .getOctets(),
                            digest);
            if (!digestOk) {
                c.f.add(new Finding(Finding.Code.DIGEST_MISMATCH, "the signed bytes changed after signing"));
            }
            boolean sigOk = verifySignatureValue(si, c.cert);
            if (!sigOk) {
                c.f.add(new Finding(Finding.Code.SIGNATURE_INVALID, "signature value does not verify with " + cn));
            }
            c.integrity = digestOk && sigOk;
        }
        COSName subFilter = s.sig().getCOSObject().getCOSName(COSName.SUB_FILTER);
        c.baseline = CADES.equals(subFilter);
        Attribute scv2 = signedAttrs == null ? null : signedAttrs.get(PKCSObjectIdentifiers.id_aa_signingCertificateV2);
        if (scv2 == null) {
            c.baseline = false;
            c.f.add(new Finding(Finding.Code.NOT_PADES_BASELINE, "no signing-certificate-v2 attribute"));
        } else if (!signingCertificateMatches(scv2, c.cert)) {
            c.f.add(new Finding(Finding.Code.SIGNING_CERTIFICATE_MISMATCH, "ESSCertIDv2 hash differs from " + cn));
        }
        if (signedAttrs != null && signedAttrs.get(PKCSObjectIdentifiers.pkcs_9_at_signingTime) != null) {
            c.baseline = false;
            c.f.add(new Finding(Finding.Code.NOT_PADES_BASELINE, "signing-time attribute present (PAdES uses /M)"));
        }
        if (!CADES.equals(subFilter)) {
            c.f.add(new Finding(
                    Finding.Code.NOT_PADES_BASELINE,
                    "SubFilter " + (subFilter == null ? "missing" : subFilter.getName())));
        }
        for (TimeStampToken t : c.parts.timestamps()) {
            String problem =
                    checkTokenCrypto(t, sha(t.getTimeStampInfo().getMessageImprintAlgOID(), si.getSignature()));
            if (problem != null) {
                c.f.add(new Finding(Finding.Code.TIMESTAMP_INVALID, problem));
            } else {
                c.tokens.add(t);
            }
        }
    }

    /** A token's imprint, signature and ESSCertID (RFC 3161 §2.4.2, RFC 5816); null when they check out. */
    private static String checkTokenCrypto(TimeStampToken t, byte[] expectedImprint) {
        if (!MessageDigest.isEqual(t.getTimeStampInfo().getMessageImprintDigest(), expectedImprint)) {
            return "imprint does not match the time-stamped data";
        }
        X509Certificate tsa = SignatureParts.tsaCertificate(t);
        if (tsa == null) {
            return "TSA certificate missing from the token";
        }
        try {
            t.validate(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(Crypto.BC)
                    .build(tsa));
        } catch (Exception e) { // NOPMD: BC throws several checked and unchecked kinds for one meaning
            return "token does not verify: " + e.getMessage();
        }
        return null;
    }

    // ---------------------------------------------------------------- phase 3: time-stamps

    /**
     * The trust of a document time-stamp whose existence is proven at {@code poe} (the next valid
     * document time-stamp's time, or now for the newest): its TSA's path must be valid then, and the TSA
     * certificate valid when the token was made.
     */
    private void trustDocTimestamp(Check c, CertPaths paths, Evidence evidence, Date poe) {
        if (c.cert == null || c.tokens.isEmpty()) {
            return;
        }
        TimeStampToken t = c.tokens.get(0);
        List<X509Certificate> pool = evidence.pool(c.parts.certificates());
        String problem = tsaTrust(t, c, paths, evidence, pool, poe, true);
        if (problem == null) {
            c.validTimestamp = true;
        }
    }

    /**
     * Checks a token's TSA: path valid at {@code poe} for time-stamping, certificate valid at the
     * token's time, not revoked before it. Adds findings to {@code c}; returns the problem or null.
     */
    private String tsaTrust(
            TimeStampToken t,
            Check c,
            CertPaths paths,
            Evidence evidence,
            List<X509Certificate> pool,
            Date poe,
            boolean ownReport) {
        X509Certificate tsa = SignatureParts.tsaCertificate(t);
        Date gen = t.getTimeStampInfo().getGenTime();
        List<X509Certificate> tokenPool = new ArrayList<>(pool);
        try {
            for (org.bouncycastle.cert.X509CertificateHolder h :
                    t.getCertificates().getMatches(null)) {
                tokenPool.add(Crypto.certificate(h.getEncoded()));
            }
        } catch (GeneralSecurityException | IOException e) {
            // the token's own certificates are a convenience; the pool may hold them anyway
        }
        CertPaths.Result path = paths.validate(tsa, tokenPool, poe, CertPaths.Purpose.TIME_STAMPING, Set.of());
        if (ownReport) {
            c.chain = names(path.path());
            c.trusted = path.valid();
        }
        String who = "TSA " + Identity.of(tsa).name();
        if (path.outcome() == CertPaths.Outcome.NO_PATH_TO_ANCHOR) {
            c.f.add(new Finding(Finding.Code.CHAIN_UNTRUSTED, who + ": " + path.problem()));
            return path.problem();
        }
        if (!path.valid()) {
            c.f.add(new Finding(
                    ownReport ? Finding.Code.CERT_PATH_INVALID : Finding.Code.TIMESTAMP_INVALID,
                    who + ": " + path.problem()));
            return path.problem();
        }
        try {
            tsa.checkValidity(gen);
        } catch (GeneralSecurityException e) {
            String p = who + " was not valid at the token's time " + gen.toInstant();
            c.f.add(new Finding(
                    ownReport ? Finding.Code.CERTIFICATE_NOT_VALID_AT_SIGNING_TIME : Finding.Code.TIMESTAMP_INVALID,
                    p));
            return p;
        }
        Evidence.Status st = pathStatus(path.path(), gen, paths, evidence, pool, c.evidence);
        if (ownReport) {
            c.revocation = st.status();
            c.revocationSource = st.source();
        } else {
            c.tsaRevocation.add(st.status());
        }
        if ("REVOKED".equals(st.status())) {
            String p = who + " revoked before " + gen.toInstant();
            c.f.add(new Finding(ownReport ? Finding.Code.REVOKED : Finding.Code.TIMESTAMP_INVALID, p));
            return p;
        }
        return null;
    }

    // ---------------------------------------------------------------- phase 4: signatures

    private void trustSignature(
            Check c, CertPaths paths, Evidence evidence, List<Evidence.Poe> poes, String formHall, Budget budget) {
        if (c.cert == null) {
            return;
        }
        List<X509Certificate> pool = evidence.pool(c.parts.certificates());
        // The signature time-stamp: its TSA must be trusted as of the time-stamp's own proof of existence.
        Date laterTs = null;
        for (Evidence.Poe p : poes) {
            if (p.end() > c.s.end() && (laterTs == null || p.time().before(laterTs))) {
                laterTs = p.time();
            }
        }
        boolean validTokens = false;
        for (TimeStampToken t : c.tokens) {
            Date poe = laterTs != null ? laterTs : new Date();
            if (tsaTrust(t, c, paths, evidence, pool, poe, false) == null) {
                if (c.tsTime == null) {
                    c.tsTime = t.getTimeStampInfo().getGenTime();
                }
                validTokens = true;
            }
        }
        Date best = c.tsTime != null ? c.tsTime : laterTs;
        Date at = best != null ? best : new Date();

        // The roles the field requires: its name's, and its seed value's.
        Set<String> policies = new TreeSet<>();
        SignerRole fieldRole = SignerRole.ofField(c.s.field()).orElse(null);
        if (fieldRole != null) {
            policies.add(fieldRole.policyOid());
        }
        COSDictionary fieldDict = c.s.pdField() == null ? null : c.s.pdField().getCOSObject();
        policies.addAll(SeedValues.policies(fieldDict));
        Identity who = Identity.of(c.cert);
        CertPaths.Result path = paths.validate(c.cert, pool, at, CertPaths.Purpose.DOCUMENT_SIGNING, policies);
        c.chain = names(path.path());
        c.trusted = path.valid();
        switch (path.outcome()) {
            case VALID -> {
                // fine
            }
            case NO_PATH_TO_ANCHOR -> c.f.add(new Finding(Finding.Code.CHAIN_UNTRUSTED, path.problem()));
            case POLICY_NOT_ASSERTED -> c.f.add(
                    who.roles().isEmpty()
                            ? new Finding(
                                    Finding.Code.ROLE_UNMARKED,
                                    who.name() + "'s certificate carries no role; field " + c.s.field() + " needs "
                                            + roleNames(policies))
                            : new Finding(
                                    Finding.Code.ROLE_MISMATCH,
                                    who.name() + "'s certificate is issued for " + who.roles() + "; field "
                                            + c.s.field() + " needs " + roleNames(policies)
                                            + (who.roles().stream().anyMatch(r -> policies.contains(r.policyOid()))
                                                    ? ", which the issuing CA may not issue"
                                                    : "")));
            case INVALID -> c.f.add(
                    isValidityProblem(path, at)
                            ? new Finding(
                                    Finding.Code.CERTIFICATE_NOT_VALID_AT_SIGNING_TIME,
                                    path.problem() + " at " + at.toInstant())
                            : new Finding(Finding.Code.CERT_PATH_INVALID, path.problem()));
        }
        if (path.outcome() == CertPaths.Outcome.VALID || path.outcome() == CertPaths.Outcome.POLICY_NOT_ASSERTED) {
            SignerRole proven = path.valid() && fieldRole != null ? fieldRole : null;
            c.role = proven == null ? null : proven.name();
            SignerRole hallRole = fieldRole != null ? fieldRole : SignerRole.CLERK;
            c.hall = who.hall(hallRole);
            List<Map<String, String>> dns = SeedValues.subjectDns(fieldDict);
            if (!dns.isEmpty()) {
                String mismatch = SeedValues.subjectMismatch(c.cert, dns);
                if (mismatch != null) {
                    c.f.add(new Finding(Finding.Code.HALL_MISMATCH, "field " + c.s.field() + ": " + mismatch));
                }
            } else if (formHall != null
                    && fieldRole == SignerRole.APPLICANT
                    && c.hall != null
                    && !formHall.equals(c.hall)) {
                c.f.add(new Finding(
                        Finding.Code.HALL_MISMATCH,
                        "the applicant's certificate was issued by " + c.hall + "'s CA; the form is owned by "
                                + formHall));
            }
        }
        c.f.addAll(AppearanceCheck.check(c.s.pdField(), c.s.sig(), who, budget));

        // Revocation of every certificate of the path, at the signature's time — only of a path that is
        // one: the "issuer" of a forged chain would vouch for its own certificates.
        List<RevocationEvidence> signerEvidence = new ArrayList<>();
        boolean structurallyValid = path.valid() || path.outcome() == CertPaths.Outcome.POLICY_NOT_ASSERTED;
        Evidence.Status st = structurallyValid
                ? pathStatus(path.path(), at, paths, evidence, pool, signerEvidence)
                : new Evidence.Status("UNKNOWN", "NONE", List.of());
        c.evidence.addAll(0, signerEvidence);
        c.revocation = st.status();
        c.revocationSource = st.source();
        switch (c.revocation) {
            case "REVOKED" -> c.f.add(new Finding(Finding.Code.REVOKED, "revoked before " + at.toInstant()));
            case "REVOKED_AFTER_SIGNING" -> c.f.add(
                    new Finding(Finding.Code.REVOKED_AFTER_SIGNING, "revoked after " + at.toInstant()));
            case "UNKNOWN" -> {
                if (structurallyValid) {
                    c.f.add(new Finding(Finding.Code.REVOCATION_UNKNOWN, unknownWhy(signerEvidence)));
                }
            }
            default -> {
                // GOOD
            }
        }
        if (c.baseline) {
            c.level = "B-B";
            if (validTokens || laterTs != null) {
                c.level = "B-T";
                boolean lt = !"UNKNOWN".equals(c.revocation)
                        && !evidence.certificates.isEmpty()
                        && !c.tsaRevocation.contains("UNKNOWN");
                if (lt) {
                    c.level = "B-LT";
                    boolean covered = laterTs != null
                            && c.evidence.stream()
                                    .filter(e -> e.use().startsWith("USED"))
                                    .allMatch(e -> e.timestampedAt() != null);
                    if (covered) {
                        c.level = "B-LTA";
                    }
                }
            }
        }
    }

    /** The worst status of the certificates of {@code path} below its anchor, with their evidence. */
    private Evidence.Status pathStatus(
            List<X509Certificate> path,
            Date at,
            CertPaths paths,
            Evidence evidence,
            List<X509Certificate> pool,
            List<RevocationEvidence> collect) {
        String worst = "GOOD";
        String source = "NONE";
        List<RevocationEvidence> all = new ArrayList<>();
        for (int i = 0; i + 1 < path.size(); i++) {
            X509Certificate cert = path.get(i);
            if (paths.isAnchor(cert)) {
                break;
            }
            Evidence.Status st = evidence.statusAt(cert, path.get(i + 1), at, paths, pool);
            all.addAll(st.evidence());
            if (i == 0) {
                source = st.source();
            }
            worst = worseStatus(worst, st.status());
        }
        if (path.size() <= 1) {
            worst = "UNKNOWN";
        }
        if (collect != null) {
            collect.addAll(all);
        }
        return new Evidence.Status(worst, source, all);
    }

    private static String worseStatus(String a, String b) {
        List<String> order = List.of("GOOD", "REVOKED_AFTER_SIGNING", "UNKNOWN", "REVOKED");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private static String unknownWhy(List<RevocationEvidence> evidence) {
        for (RevocationEvidence e : evidence) {
            if (e.use().startsWith("IGNORED: ")) {
                return "no usable OCSP response or CRL for " + e.certificate() + " ("
                        + e.use().substring(9) + ")";
            }
        }
        return "no OCSP response or CRL in the DSS";
    }

    private static boolean isValidityProblem(CertPaths.Result path, Date at) {
        for (X509Certificate c : path.path()) {
            try {
                c.checkValidity(at);
            } catch (GeneralSecurityException e) {
                return true;
            }
        }
        return false;
    }

    private static String roleNames(Set<String> policies) {
        List<String> names = new ArrayList<>();
        for (String p : policies) {
            names.add(SignerRole.ofPolicy(p).map(Enum::name).orElse(p));
        }
        return String.join(" or ", names);
    }

    /** The hall the form names in its seal's (else its clerk's) seed value, or null. */
    private static String formHall(List<Sig> sigs) {
        String clerk = null;
        for (Sig s : sigs) {
            COSDictionary field = s.pdField() == null ? null : s.pdField().getCOSObject();
            for (Map<String, String> dn : SeedValues.subjectDns(field)) {
                String o = dn.get("O");
                if (o != null && SignerRole.HALL_SEAL.fieldName().equals(s.field())) {
                    return o;
                }
                if (o != null && clerk == null) {
                    clerk = o;
                }
            }
        }
        return clerk;
    }

    /** The clerk and the seal of one application must belong to the same hall. */
    private static void crossCheckHalls(List<Check> checks) {
        Check clerk = null;
        Check seal = null;
        for (Check c : checks) {
            if (SignerRole.CLERK.fieldName().equals(c.s.field())) {
                clerk = c;
            } else if (SignerRole.HALL_SEAL.fieldName().equals(c.s.field())) {
                seal = c;
            }
        }
        if (clerk != null && seal != null && clerk.hall != null && seal.hall != null && !clerk.hall.equals(seal.hall)) {
            clerk.f.add(new Finding(
                    Finding.Code.HALL_MISMATCH, "the clerk belongs to " + clerk.hall + ", the seal to " + seal.hall));
        }
    }

    private static List<String> names(List<X509Certificate> path) {
        return path.stream().map(x -> x.getSubjectX500Principal().getName()).toList();
    }

    // ---------------------------------------------------------------- phase 5: later revisions

    private static void laterUpdates(Check c, Layout layout, Revisions.Result revisions) {
        Sig s = c.s;
        long last = layout.lastEnd();
        if (s.end() <= 0 || s.end() >= last || s.br() == null) {
            return;
        }
        List<Long> ends = layout.ends();
        boolean problems = false;
        for (Map.Entry<Integer, List<Finding>> e : revisions.findings().entrySet()) {
            int rev = e.getKey();
            long start = rev >= 2 ? ends.get(rev - 2) : 0;
            if (start >= s.end()) {
                c.f.addAll(e.getValue());
                problems = true;
            }
        }
        RevisionFingerprint signedFp = revisions.fingerprints().get(s.end());
        RevisionFingerprint finalFp = revisions.fingerprints().get(last);
        if (signedFp == null || finalFp == null) {
            if (!problems && ends.contains(s.end())) {
                c.f.add(new Finding(
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        "the signed revision could not be compared with the final document"));
            }
            return;
        }
        List<String> diff = finalFp.differencesFrom(signedFp);
        if (!diff.isEmpty()) {
            c.f.add(new Finding(
                    Finding.Code.MODIFIED_AFTER_SIGNING,
                    String.join("; ", diff.subList(0, Math.min(10, diff.size())))));
        } else if (!problems) {
            c.f.add(new Finding(
                    Finding.Code.ALLOWED_UPDATE_AFTER_SIGNING,
                    (last - s.end()) + " bytes of later updates add only signatures, time-stamps or validation data"));
        }
    }

    private SignatureReport report(int index, Check c, Layout layout, byte[] pdf) {
        Sig s = c.s;
        boolean ts = s.documentTimestamp();
        Verdict v = Verdict.VALID;
        for (Finding x : c.f) {
            if (x.code().severity() == Finding.Severity.INVALID) {
                v = Verdict.INVALID;
            } else if (x.code().severity() == Finding.Severity.INDETERMINATE && v == Verdict.VALID) {
                v = Verdict.INDETERMINATE;
            }
        }
        if (!c.integrity && v == Verdict.VALID) {
            v = Verdict.INVALID;
        }
        if (ts && v == Verdict.VALID && !c.validTimestamp) {
            v = Verdict.INDETERMINATE;
        }
        COSName subFilter = s.sig().getCOSObject().getCOSName(COSName.SUB_FILTER);
        return new SignatureReport(
                index,
                s.field(),
                ts ? "DOCUMENT_TIMESTAMP" : "SIGNATURE",
                subFilter == null ? null : subFilter.getName(),
                c.cert == null ? null : c.cert.getSubjectX500Principal().getName("RFC2253", OIDS),
                c.cert == null ? null : Identity.of(c.cert).name(),
                c.role,
                c.hall,
                ts || s.sig().getSignDate() == null
                        ? null
                        : s.sig().getSignDate().toInstant().toString(),
                c.tsTime == null ? null : c.tsTime.toInstant().toString(),
                c.integrity,
                layout.ends().contains(s.end()),
                s.end() == pdf.length || (s.end() == layout.lastEnd() && layout.tail() == Layout.Tail.NONE),
                s.br(),
                c.docMdp != null,
                c.docMdp,
                c.chain,
                c.trusted,
                c.revocation,
                c.revocationSource,
                List.copyOf(c.evidence),
                c.level,
                v,
                List.copyOf(c.f));
    }

    // ---------------------------------------------------------------- byte ranges

    /**
     * Byte range rules (ISO 32000-1 §12.8.1, and the attacks of Mladenov et al., "1 Trillion Dollar
     * Refund", 2019): four integers [0 a b c], a < b, all within the file (checked without overflow),
     * the gap is exactly this dictionary's /Contents hex string, the dictionary itself is inside the
     * signed bytes, and b+c ends a revision.
     */
    private static boolean checkByteRange(Sig s, byte[] pdf, PDDocument doc, List<Long> ends, List<Finding> f) {
        long[] br = s.br();
        if (br == null) {
            f.add(new Finding(Finding.Code.BYTE_RANGE_INVALID, "no /ByteRange of four integers"));
            return false;
        }
        if (br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0) {
            f.add(new Finding(Finding.Code.BYTE_RANGE_INVALID, Arrays.toString(br)));
            return false;
        }
        long len = pdf.length;
        if (br[1] > len || br[2] > len || br[3] > len - br[2]) {
            f.add(new Finding(
                    Finding.Code.BYTE_RANGE_BEYOND_FILE,
                    "signed range " + Arrays.toString(br) + " reaches beyond the file's " + len + " bytes"));
            return false;
        }
        if (!ends.contains(br[2] + br[3])) {
            f.add(new Finding(
                    Finding.Code.BYTE_RANGE_NOT_AT_REVISION_END,
                    "signed bytes end at " + (br[2] + br[3]) + ", not at a %%EOF"));
        }
        int a = (int) br[1];
        int b = (int) br[2];
        byte[] gapValue = hexGap(pdf, a, b);
        byte[] contents = s.sig().getContents();
        if (gapValue == null || !Arrays.equals(gapValue, contents)) {
            f.add(new Finding(
                    Finding.Code.SIGNATURE_WRAPPING, "bytes " + a + ".." + b + " are not this signature's /Contents"));
            return false;
        }
        COSObjectKey key = s.sig().getCOSObject().getKey();
        Long offset = key == null ? null : doc.getDocument().getXrefTable().get(key);
        if (offset == null || offset < 0 || offset >= a || containsKeyword(pdf, offset.intValue(), a, "endobj")) {
            f.add(new Finding(
                    Finding.Code.SIGNATURE_DICTIONARY_UNSIGNED,
                    "signature dictionary " + key + " at offset " + offset
                            + " does not enclose the signed /Contents gap"));
            return false;
        }
        return true;
    }

    private static List<Sig> signatures(PDDocument doc, Budget budget) {
        List<Sig> out = new ArrayList<>();
        PDAcroForm acro = doc.getDocumentCatalog().getAcroForm(null);
        if (acro == null) {
            return out;
        }
        Set<COSDictionary> seen = new LinkedHashSet<>();
        int guard = 0;
        for (PDField field : acro.getFieldTree()) {
            budget.tick();
            if (++guard > 10_000 || out.size() >= MAX_SIGNATURES) {
                break;
            }
            if (field instanceof PDSignatureField sf
                    && sf.getSignature() != null
                    && seen.add(sf.getSignature().getCOSObject())) {
                PDSignature sig = sf.getSignature();
                long[] br = byteRange(sig.getCOSObject());
                out.add(new Sig(sf.getFullyQualifiedName(), sf, sig, br, end(br)));
            }
        }
        out.sort(Comparator.comparingLong(Sig::end));
        return out;
    }

    /** Where a byte range's signed bytes end, or -1 when the sum would overflow or a part is negative. */
    private static long end(long[] br) {
        if (br == null || br[2] < 0 || br[3] < 0 || br[2] > Long.MAX_VALUE - br[3]) {
            return -1;
        }
        return br[2] + br[3];
    }

    private static long[] byteRange(COSDictionary sig) {
        COSArray a = sig.getCOSArray(COSName.BYTERANGE);
        if (a == null || a.size() != 4) {
            return null;
        }
        long[] r = new long[4];
        for (int i = 0; i < 4; i++) {
            if (!(a.getObject(i) instanceof org.apache.pdfbox.cos.COSInteger n)) {
                return null;
            }
            r[i] = n.longValue();
        }
        return r;
    }

    private static final int[] HEX = new int[256];

    static {
        Arrays.fill(HEX, -1);
        for (int c = 0; c < 10; c++) {
            HEX['0' + c] = c;
        }
        for (int c = 0; c < 6; c++) {
            HEX['a' + c] = 10 + c;
            HEX['A' + c] = 10 + c;
        }
    }

    private static byte[] hexGap(byte[] pdf, int a, int b) {
        if (b - a < 2 || pdf[a] != '<' || pdf[b - 1] != '>') {
            return null;
        }
        int n = b - a - 2;
        if (n % 2 != 0) {
            return null;
        }
        byte[] out = new byte[n / 2];
        for (int i = 0; i < n / 2; i++) {
            int hi = HEX[pdf[a + 1 + 2 * i] & 0xff];
            int lo = HEX[pdf[a + 2 + 2 * i] & 0xff];
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    private static boolean containsKeyword(byte[] pdf, int from, int to, String kw) {
        byte[] k = kw.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = from; i <= to - k.length; i++) {
            for (int j = 0; j < k.length; j++) {
                if (pdf[i + j] != k[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- CMS details

    private static boolean verifySignatureValue(SignerInformation si, X509Certificate cert) {
        try {
            String alg;
            if (si.getEncryptionAlgOID().equals(Crypto.SM2_WITH_SM3.getId())) {
                alg = "SM3withSM2";
            } else {
                String digest = digestName(si.getDigestAlgOID());
                alg = switch (cert.getPublicKey().getAlgorithm()) {
                    case "EC" -> digest + "withECDSA";
                    case "RSA" -> digest + "withRSA";
                    default -> null;
                };
            }
            if (alg == null) {
                return false;
            }
            Signature v = Signature.getInstance(alg, Crypto.BC);
            v.initVerify(cert.getPublicKey());
            v.update(si.getEncodedSignedAttributes());
            return v.verify(si.getSignature());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean signingCertificateMatches(Attribute attr, X509Certificate cert) {
        try {
            ASN1Encodable v = attr.getAttrValues().getObjectAt(0);
            ESSCertIDv2 id = SigningCertificateV2.getInstance(v).getCerts()[0];
            byte[] h = MessageDigest.getInstance(
                            digestName(id.getHashAlgorithm().getAlgorithm().getId())
                                    .replace("SHA", "SHA-"))
                    .digest(cert.getEncoded());
            return MessageDigest.isEqual(h, id.getCertHash());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The digest of the byte range (validated by {@link #checkByteRange}: every part within the file). */
    private static byte[] digest(String oid, byte[] pdf, long[] br) {
        MessageDigest md = Crypto.digest(new ASN1ObjectIdentifier(oid));
        md.update(pdf, (int) br[0], (int) br[1]);
        md.update(pdf, (int) br[2], (int) br[3]);
        return md.digest();
    }

    private static byte[] sha(ASN1ObjectIdentifier oid, byte[] data) {
        return Crypto.digest(oid).digest(data);
    }

    private static String digestName(String oid) {
        if (oid.equals(NISTObjectIdentifiers.id_sha256.getId())) {
            return "SHA256";
        }
        if (oid.equals(NISTObjectIdentifiers.id_sha384.getId())) {
            return "SHA384";
        }
        if (oid.equals(NISTObjectIdentifiers.id_sha512.getId())) {
            return "SHA512";
        }
        if (oid.equals(OIWObjectIdentifiers.idSHA1.getId())) {
            return "SHA1";
        }
        throw new IllegalArgumentException("unsupported digest " + oid);
    }

    private static Integer docMdp(COSDictionary sig) {
        COSArray refs = sig.getCOSArray(COSName.getPDFName("Reference"));
        if (refs == null) {
            return null;
        }
        for (int i = 0; i < refs.size(); i++) {
            if (refs.getObject(i) instanceof COSDictionary ref
                    && COSName.DOCMDP.equals(ref.getCOSName(COSName.getPDFName("TransformMethod")))) {
                COSDictionary params = ref.getCOSDictionary(COSName.getPDFName("TransformParams"));
                return params == null ? 2 : params.getInt(COSName.P, 2);
            }
        }
        return null;
    }
}
