package cn.tongban.docsign.verify;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.CertChains;
import cn.tongban.docsign.cms.Der;
import cn.tongban.docsign.cms.SignatureParts;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
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
 * <p>Per signature: byte-range sanity and wrapping checks, digest and signature, signing-
 * certificate-v2, time-stamps, chain to an anchor, validity and revocation at the best signing
 * time (time-stamp time, else the claimed time), PAdES level; then every later incremental update
 * is compared with the signed revision ({@link RevisionFingerprint}) so that shadow and incremental
 * saving attacks are named. Unreadable input throws {@link DocsignException} instead of producing a
 * report.
 *
 * <p>Thread-safe.
 */
public final class PdfVerifier {
    private static final COSName CADES = COSName.getPDFName("ETSI.CAdES.detached");
    private static final COSName RFC3161 = COSName.getPDFName("ETSI.RFC3161");

    private static final String UNTRUSTED = " is not trusted";
    private static final Map<String, String> OIDS = Map.of("2.5.4.5", "SERIALNUMBER");

    private final List<X509Certificate> anchors;
    private final PdfLimits limits;

    public PdfVerifier(Collection<X509Certificate> trustAnchors) {
        this(trustAnchors, PdfLimits.DEFAULT);
    }

    public PdfVerifier(Collection<X509Certificate> trustAnchors, PdfLimits limits) {
        this.anchors = List.copyOf(trustAnchors);
        this.limits = limits;
    }

    private record Sig(String field, PDSignature sig, long[] br, long end) {}

    private static final class Work {
        final Map<Long, RevisionFingerprint> fingerprints = new HashMap<>();
        final Map<Long, Boolean> hasDss = new HashMap<>();
        final Map<Sig, SignatureReport> tsReports = new HashMap<>();
        List<Long> ends = List.of();
        PdfLimits.Deadline deadline;
    }

    private SignatureReport verifyDocTimestampUnchecked(
            int index, Sig s, byte[] pdf, PDDocument doc, List<Long> ends, ValidationData vd, Work work) {
        try {
            return verifyDocTimestamp(index, s, pdf, doc, ends, vd, work);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static SignatureReport renumber(SignatureReport r, int index) {
        return new SignatureReport(
                index,
                r.fieldName(),
                r.kind(),
                r.subFilter(),
                r.signer(),
                r.signerCommonName(),
                r.claimedSigningTime(),
                r.timestampTime(),
                r.integrity(),
                r.coversWholeRevision(),
                r.coversWholeDocument(),
                r.byteRange(),
                r.certification(),
                r.docMdpPermissions(),
                r.chain(),
                r.trusted(),
                r.revocation(),
                r.revocationSource(),
                r.padesLevel(),
                r.verdict(),
                r.findings());
    }

    /** Verifies {@code pdf}; throws {@link DocsignException} (PDF_*) when the file is unreadable. */
    public VerificationReport verify(byte[] pdf) {
        PdfLimits.Deadline deadline = limits.deadline();
        PdfSafety.checkBytes(pdf, limits, false);
        List<Long> revisionEnds = revisionEnds(pdf);
        try (PDDocument doc = PdfSafety.load(pdf, limits)) {
            ValidationData vd = new ValidationData(doc);
            List<Sig> sigs = signatures(doc);
            Work work = new Work();
            work.ends = revisionEnds;
            work.deadline = deadline;
            RevisionFingerprint finalFp = RevisionFingerprint.of(doc, deadline);
            work.fingerprints.put((long) pdf.length, finalFp);
            work.hasDss.put((long) pdf.length, vd.certificates.size() + vd.ocsps.size() + vd.crls.size() > 0);

            List<Finding> docFindings = new ArrayList<>();
            long lastEnd = revisionEnds.isEmpty() ? 0 : revisionEnds.get(revisionEnds.size() - 1);
            if (lastEnd < pdf.length && !onlyWhitespace(pdf, (int) lastEnd, pdf.length)) {
                docFindings.add(new Finding(
                        Finding.Code.UNSIGNED_TRAILING_DATA,
                        (pdf.length - lastEnd) + " bytes after the last %%EOF at offset " + lastEnd));
            }

            List<String> active = PdfSafety.activeContent(doc);
            if (!active.isEmpty()) {
                docFindings.add(new Finding(Finding.Code.ACTIVE_CONTENT, String.join(", ", active)));
            }
            // Document time-stamps first: signatures need them for B-T/B-LTA.
            List<DocTs> docTimestamps = new ArrayList<>();
            for (Sig s : sigs) {
                if (RFC3161.equals(s.sig().getCOSObject().getCOSName(COSName.SUB_FILTER))) {
                    docTimestamps.add(new DocTs(s, null, false));
                }
            }
            List<SignatureReport> reports = new ArrayList<>();
            Integer certP = null;
            long certEnd = -1;
            int index = 0;
            List<DocTs> checkedTs = new ArrayList<>();
            for (Sig s : sigs) {
                deadline.check();
                index++;
                boolean isTs = RFC3161.equals(s.sig().getCOSObject().getCOSName(COSName.SUB_FILTER));
                SignatureReport r = isTs
                        ? renumber(
                                work.tsReports.computeIfAbsent(
                                        s, x -> verifyDocTimestampUnchecked(0, x, pdf, doc, revisionEnds, vd, work)),
                                index)
                        : verifySignature(
                                index,
                                s,
                                pdf,
                                doc,
                                revisionEnds,
                                vd,
                                work,
                                docTimestampsAfter(s, checkedTs, docTimestamps, pdf, doc, revisionEnds, vd, work));
                if (r.certification()) {
                    certP = r.docMdpPermissions();
                    certEnd = s.end();
                }
                if (certP != null && certP == 1 && s.end() > certEnd && !isTs) {
                    r = withFinding(
                            r, new Finding(Finding.Code.DOCMDP_VIOLATION, "signature added after a P=1 certification"));
                }
                reports.add(r);
            }
            Verdict overall = reports.isEmpty() ? Verdict.NO_SIGNATURES : Verdict.VALID;
            for (SignatureReport r : reports) {
                if (r.verdict() == Verdict.INVALID) {
                    overall = Verdict.INVALID;
                } else if (r.verdict() == Verdict.INDETERMINATE && overall == Verdict.VALID) {
                    overall = Verdict.INDETERMINATE;
                }
            }
            if (!docFindings.isEmpty() && overall != Verdict.NO_SIGNATURES) {
                overall = Verdict.INVALID;
            }
            return new VerificationReport(overall, pdf.length, Math.max(1, revisionEnds.size()), reports, docFindings);
        } catch (java.io.UncheckedIOException e) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, e.getMessage(), e);
        } catch (IOException e) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, e.getMessage(), e);
        }
    }

    private record DocTs(Sig sig, Date time, boolean coversDss) {}

    /** Valid document time-stamps after {@code s}, with their times (verified once, cached). */
    private List<DocTs> docTimestampsAfter(
            Sig s,
            List<DocTs> checked,
            List<DocTs> all,
            byte[] pdf,
            PDDocument doc,
            List<Long> ends,
            ValidationData vd,
            Work work)
            throws IOException {
        if (checked.isEmpty() && !all.isEmpty()) {
            for (DocTs t : all) {
                SignatureReport r = work.tsReports.computeIfAbsent(
                        t.sig(), x -> verifyDocTimestampUnchecked(0, x, pdf, doc, ends, vd, work));
                if (r.verdict() != Verdict.INVALID && r.timestampTime() != null) {
                    boolean dss = work.hasDss.getOrDefault(t.sig().br()[1], false)
                            || hasDssBefore(pdf, t.sig().br()[1], work, doc);
                    checked.add(new DocTs(t.sig(), Date.from(java.time.Instant.parse(r.timestampTime())), dss));
                }
            }
        }
        return checked.stream().filter(t -> t.sig().end() > s.end()).toList();
    }

    private boolean hasDssBefore(byte[] pdf, long offset, Work work, PDDocument doc) {
        // Fast path: the final catalog has the DSS and was itself written before the time-stamp's
        // update, so the time-stamped revision contains that DSS.
        COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
        COSObjectKey key =
                doc.getDocument().getTrailer().getItem(COSName.ROOT) instanceof org.apache.pdfbox.cos.COSObject ro
                        ? ro.getKey()
                        : catalog.getKey();
        Long at = key == null ? null : doc.getDocument().getXrefTable().get(key);
        if (catalog.containsKey(COSName.getPDFName("DSS")) && at != null && at > 0 && at < offset) {
            return true;
        }
        return hasDssBeforeSlow(pdf, offset, work);
    }

    private boolean hasDssBeforeSlow(byte[] pdf, long offset, Work work) {
        // The revision that precedes the time-stamp's own update.
        long prev = -1;
        for (long e : work.ends) {
            if (e <= offset) {
                prev = e;
            }
        }
        if (prev < 0) {
            return false;
        }
        long p = prev;
        return work.hasDss.computeIfAbsent(p, k -> {
            try (PDDocument d = loadPrefix(pdf, p)) {
                return d.getDocumentCatalog().getCOSObject().containsKey(COSName.getPDFName("DSS"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    private SignatureReport verifySignature(
            int index,
            Sig s,
            byte[] pdf,
            PDDocument doc,
            List<Long> ends,
            ValidationData vd,
            Work work,
            List<DocTs> laterTimestamps)
            throws IOException {
        List<Finding> f = new ArrayList<>();
        PDSignature sig = s.sig();
        COSName subFilter = sig.getCOSObject().getCOSName(COSName.SUB_FILTER);
        boolean rangeOk = checkByteRange(s, pdf, doc, ends, f);
        Date claimed = sig.getSignDate() == null ? null : sig.getSignDate().getTime();
        String signer = null;
        String cn = null;
        String tsTime = null;
        boolean integrity = false;
        List<String> chainNames = List.of();
        boolean trusted = false;
        String revocation = "UNKNOWN";
        String revSource = "NONE";
        String level = null;
        Integer p = docMdp(sig.getCOSObject());

        SignatureParts parts = null;
        try {
            parts = SignatureParts.parse(Der.trim(sig.getContents()), false);
        } catch (IllegalArgumentException e) {
            f.add(new Finding(Finding.Code.CMS_MALFORMED, e.getMessage()));
        }
        if (parts != null && parts.signerCertificate() == null) {
            f.add(new Finding(Finding.Code.CMS_MALFORMED, "signer certificate not in the CMS"));
        } else if (parts != null) {
            SignerInformation si = parts.signer();
            X509Certificate cert = parts.signerCertificate();
            signer = cert.getSubjectX500Principal().getName("RFC2253", OIDS);
            cn = commonName(cert);
            AttributeTable signed = si.getSignedAttributes();
            if (rangeOk) {
                byte[] digest = digest(si.getDigestAlgOID(), pdf, s.br());
                Attribute md = signed == null ? null : signed.get(PKCSObjectIdentifiers.pkcs_9_at_messageDigest);
                boolean digestOk = md != null
                        && MessageDigest.isEqual(
                                ASN1OctetString.getInstance(md.getAttrValues().getObjectAt(0))
                                        .getOctets(),
                                digest);
                if (!digestOk) {
                    f.add(new Finding(Finding.Code.DIGEST_MISMATCH, "the signed bytes changed after signing"));
                }
                boolean sigOk = verifySignatureValue(si, cert);
                if (!sigOk) {
                    f.add(new Finding(Finding.Code.SIGNATURE_INVALID, "signature value does not verify with " + cn));
                }
                integrity = digestOk && sigOk;
            }
            boolean baseline = CADES.equals(subFilter);
            Attribute scv2 = signed == null ? null : signed.get(PKCSObjectIdentifiers.id_aa_signingCertificateV2);
            if (scv2 == null) {
                baseline = false;
                f.add(new Finding(Finding.Code.NOT_PADES_BASELINE, "no signing-certificate-v2 attribute"));
            } else if (!signingCertificateMatches(scv2, cert)) {
                f.add(new Finding(Finding.Code.SIGNING_CERTIFICATE_MISMATCH, "ESSCertIDv2 hash differs from " + cn));
            }
            if (signed != null && signed.get(PKCSObjectIdentifiers.pkcs_9_at_signingTime) != null) {
                baseline = false;
                f.add(new Finding(Finding.Code.NOT_PADES_BASELINE, "signing-time attribute present (PAdES uses /M)"));
            }
            if (!CADES.equals(subFilter)) {
                f.add(new Finding(
                        Finding.Code.NOT_PADES_BASELINE,
                        "SubFilter " + (subFilter == null ? "missing" : subFilter.getName())));
            }

            List<X509Certificate> pool = pool(parts.certificates(), vd);
            boolean tsOk = false;
            Date bestTime = null;
            List<X509Certificate> tsaCerts = new ArrayList<>();
            for (TimeStampToken t : parts.timestamps()) {
                String problem =
                        checkToken(t, sha(t.getTimeStampInfo().getMessageImprintAlgOID(), si.getSignature()), pool);
                if (problem != null) {
                    f.add(new Finding(
                            problem.endsWith(UNTRUSTED) ? Finding.Code.CHAIN_UNTRUSTED : Finding.Code.TIMESTAMP_INVALID,
                            problem));
                } else {
                    tsOk = true;
                    bestTime = t.getTimeStampInfo().getGenTime();
                    tsTime = bestTime.toInstant().toString();
                    tsaCerts.add(SignatureParts.tsaCertificate(t));
                }
            }
            boolean laterTs = !laterTimestamps.isEmpty();
            if (bestTime == null && laterTs) {
                bestTime = laterTimestamps.get(0).time();
            }
            Date at = bestTime != null ? bestTime : claimed != null ? claimed : new Date();

            List<X509Certificate> chain = CertChains.build(cert, pool);
            chainNames = chain.stream()
                    .map(c -> c.getSubjectX500Principal().getName())
                    .toList();
            trusted = anchors.contains(chain.get(chain.size() - 1));
            if (!trusted) {
                f.add(new Finding(
                        Finding.Code.CHAIN_UNTRUSTED, "chain ends at " + chainNames.get(chainNames.size() - 1)));
            }
            for (X509Certificate c : chain) {
                try {
                    c.checkValidity(at);
                } catch (GeneralSecurityException e) {
                    f.add(new Finding(
                            Finding.Code.CERTIFICATE_NOT_VALID_AT_SIGNING_TIME,
                            c.getSubjectX500Principal().getName() + " at " + at.toInstant()));
                }
            }
            ValidationData.Status st = chainStatus(chain, vd, at);
            revocation = st.status();
            revSource = st.source();
            switch (revocation) {
                case "REVOKED" -> f.add(new Finding(Finding.Code.REVOKED, "revoked before " + at.toInstant()));
                case "REVOKED_AFTER_SIGNING" -> f.add(
                        new Finding(Finding.Code.REVOKED_AFTER_SIGNING, "revoked after " + at.toInstant()));
                case "UNKNOWN" -> f.add(
                        new Finding(Finding.Code.REVOCATION_UNKNOWN, "no OCSP response or CRL in the DSS"));
                default -> {
                    // GOOD
                }
            }
            if (baseline) {
                level = "B-B";
                if (tsOk || laterTs) {
                    level = "B-T";
                    boolean lt = !"UNKNOWN".equals(revocation);
                    for (X509Certificate tsa : tsaCerts) {
                        lt &= !"UNKNOWN"
                                .equals(chainStatus(CertChains.build(tsa, pool), vd, at)
                                        .status());
                    }
                    if (lt && !vd.certificates.isEmpty()) {
                        level = "B-LT";
                        if (laterTimestamps.stream().anyMatch(DocTs::coversDss)) {
                            level = "B-LTA";
                        }
                    }
                }
            }
        }
        checkLaterUpdates(s, pdf, work, f);
        return report(
                index,
                s,
                subFilter,
                signer,
                cn,
                claimed,
                tsTime,
                integrity,
                ends,
                pdf,
                p,
                chainNames,
                trusted,
                revocation,
                revSource,
                level,
                f,
                "SIGNATURE");
    }

    private SignatureReport verifyDocTimestamp(
            int index, Sig s, byte[] pdf, PDDocument doc, List<Long> ends, ValidationData vd, Work work)
            throws IOException {
        List<Finding> f = new ArrayList<>();
        boolean rangeOk = checkByteRange(s, pdf, doc, ends, f);
        String signer = null;
        String cn = null;
        String tsTime = null;
        boolean integrity = false;
        List<String> chainNames = List.of();
        boolean trusted = false;
        String revocation = "UNKNOWN";
        String revSource = "NONE";
        try {
            SignatureParts parts = SignatureParts.parse(Der.trim(s.sig().getContents()), true);
            TimeStampToken t = parts.timestamps().get(0);
            X509Certificate tsa = SignatureParts.tsaCertificate(t);
            List<X509Certificate> pool = pool(parts.certificates(), vd);
            if (rangeOk) {
                String problem = checkToken(
                        t, digest(t.getTimeStampInfo().getMessageImprintAlgOID().getId(), pdf, s.br()), pool);
                if (problem != null) {
                    f.add(new Finding(
                            problem.startsWith("imprint")
                                    ? Finding.Code.DIGEST_MISMATCH
                                    : problem.endsWith(UNTRUSTED)
                                            ? Finding.Code.CHAIN_UNTRUSTED
                                            : Finding.Code.TIMESTAMP_INVALID,
                            problem));
                }
                // Integrity is about the bytes and the token's signature; trust is reported apart.
                integrity = problem == null || problem.endsWith(UNTRUSTED);
            }
            Date at = t.getTimeStampInfo().getGenTime();
            tsTime = at.toInstant().toString();
            if (tsa != null) {
                signer = tsa.getSubjectX500Principal().getName("RFC2253", OIDS);
                cn = commonName(tsa);
                List<X509Certificate> chain = CertChains.build(tsa, pool);
                chainNames = chain.stream()
                        .map(c -> c.getSubjectX500Principal().getName())
                        .toList();
                trusted = anchors.contains(chain.get(chain.size() - 1));
                if (!trusted) {
                    f.add(new Finding(
                            Finding.Code.CHAIN_UNTRUSTED,
                            "TSA chain ends at " + chainNames.get(chainNames.size() - 1)));
                }
                ValidationData.Status st = chainStatus(chain, vd, at);
                revocation = st.status();
                revSource = st.source();
                if ("REVOKED".equals(revocation)) {
                    f.add(new Finding(Finding.Code.REVOKED, "TSA certificate revoked"));
                }
                // The newest archive time-stamp may lack revocation data for its own TSA (nothing
                // can be added after it without another time-stamp): that is expected, not a failure.
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            f.add(new Finding(Finding.Code.CMS_MALFORMED, String.valueOf(e.getMessage())));
        }
        checkLaterUpdates(s, pdf, work, f);
        return report(
                index,
                s,
                RFC3161,
                signer,
                cn,
                null,
                tsTime,
                integrity,
                ends,
                pdf,
                null,
                chainNames,
                trusted,
                revocation,
                revSource,
                null,
                f,
                "DOCUMENT_TIMESTAMP");
    }

    private SignatureReport report(
            int index,
            Sig s,
            COSName subFilter,
            String signer,
            String cn,
            Date claimed,
            String tsTime,
            boolean integrity,
            List<Long> ends,
            byte[] pdf,
            Integer p,
            List<String> chain,
            boolean trusted,
            String revocation,
            String revSource,
            String level,
            List<Finding> f,
            String kind) {
        boolean coversRevision = ends.contains(s.end());
        Verdict v = Verdict.VALID;
        for (Finding x : f) {
            if (x.code().severity() == Finding.Severity.INVALID) {
                v = Verdict.INVALID;
            } else if (x.code().severity() == Finding.Severity.INDETERMINATE && v == Verdict.VALID) {
                v = Verdict.INDETERMINATE;
            }
        }
        if (!integrity && v == Verdict.VALID) {
            v = Verdict.INVALID;
        }
        if ("DOCUMENT_TIMESTAMP".equals(kind)
                && v == Verdict.INDETERMINATE
                && trusted
                && integrity
                && f.stream().allMatch(x -> x.code() != Finding.Code.CHAIN_UNTRUSTED)) {
            v = Verdict.VALID;
        }
        return new SignatureReport(
                index,
                s.field(),
                kind,
                subFilter == null ? null : subFilter.getName(),
                signer,
                cn,
                claimed == null ? null : claimed.toInstant().toString(),
                tsTime,
                integrity,
                coversRevision,
                s.end() == pdf.length,
                s.br(),
                p != null,
                p,
                chain,
                trusted,
                revocation,
                revSource,
                level,
                v,
                List.copyOf(f));
    }

    private static SignatureReport withFinding(SignatureReport r, Finding extra) {
        List<Finding> f = new ArrayList<>(r.findings());
        f.add(extra);
        return new SignatureReport(
                r.index(),
                r.fieldName(),
                r.kind(),
                r.subFilter(),
                r.signer(),
                r.signerCommonName(),
                r.claimedSigningTime(),
                r.timestampTime(),
                r.integrity(),
                r.coversWholeRevision(),
                r.coversWholeDocument(),
                r.byteRange(),
                r.certification(),
                r.docMdpPermissions(),
                r.chain(),
                r.trusted(),
                r.revocation(),
                r.revocationSource(),
                r.padesLevel(),
                Verdict.INVALID,
                List.copyOf(f));
    }

    /**
     * Byte range rules (ISO 32000-1 §12.8.1, and the attacks of Mladenov et al., "1 Trillion Dollar
     * Refund", 2019): four integers [0 a b c], a < b, the gap is exactly this dictionary's
     * /Contents hex string, the dictionary itself is inside the signed bytes, and b+c ends a
     * revision.
     */
    private boolean checkByteRange(Sig s, byte[] pdf, PDDocument doc, List<Long> ends, List<Finding> f) {
        long[] br = s.br();
        if (br == null) {
            f.add(new Finding(Finding.Code.BYTE_RANGE_INVALID, "no /ByteRange of four integers"));
            return false;
        }
        if (br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0) {
            f.add(new Finding(Finding.Code.BYTE_RANGE_INVALID, Arrays.toString(br)));
            return false;
        }
        if (br[2] + br[3] > pdf.length) {
            f.add(new Finding(
                    Finding.Code.BYTE_RANGE_BEYOND_FILE,
                    "signed up to " + (br[2] + br[3]) + ", file has " + pdf.length + " bytes"));
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

    /** Compares the signed revision with the final document and names any disallowed change. */
    private void checkLaterUpdates(Sig s, byte[] pdf, Work work, List<Finding> f) throws IOException {
        if (s.end() >= pdf.length || s.end() <= 0 || s.br() == null) {
            return;
        }
        RevisionFingerprint signed = work.fingerprints.get(s.end());
        if (signed == null) {
            try (PDDocument rev = loadPrefix(pdf, s.end())) {
                signed = RevisionFingerprint.of(rev, work.deadline);
                work.hasDss.put(
                        s.end(), rev.getDocumentCatalog().getCOSObject().containsKey(COSName.getPDFName("DSS")));
            } catch (IOException e) {
                f.add(new Finding(
                        Finding.Code.BYTE_RANGE_NOT_AT_REVISION_END,
                        "signed revision is not a readable PDF: " + e.getMessage()));
                return;
            }
            work.fingerprints.put(s.end(), signed);
        }
        List<String> diff = work.fingerprints.get((long) pdf.length).differencesFrom(signed);
        if (diff.isEmpty()) {
            f.add(new Finding(
                    Finding.Code.ALLOWED_UPDATE_AFTER_SIGNING,
                    (pdf.length - s.end())
                            + " bytes of later updates add only signatures, time-stamps or validation data"));
        } else {
            f.add(new Finding(
                    Finding.Code.MODIFIED_AFTER_SIGNING,
                    String.join("; ", diff.subList(0, Math.min(10, diff.size())))));
        }
    }

    private PDDocument loadPrefix(byte[] pdf, long end) throws IOException {
        return Loader.loadPDF(
                new RandomAccessReadBuffer(Arrays.copyOf(pdf, (int) end)),
                "",
                null,
                null,
                MemoryUsageSetting.setupMainMemoryOnly(limits.maxParserMemoryBytes()).streamCache);
    }

    private static List<Sig> signatures(PDDocument doc) {
        List<Sig> out = new ArrayList<>();
        PDAcroForm acro = doc.getDocumentCatalog().getAcroForm(null);
        if (acro == null) {
            return out;
        }
        Set<COSDictionary> seen = new LinkedHashSet<>();
        int guard = 0;
        for (PDField field : acro.getFieldTree()) {
            if (++guard > 10_000) {
                break;
            }
            if (field instanceof PDSignatureField sf
                    && sf.getSignature() != null
                    && seen.add(sf.getSignature().getCOSObject())) {
                PDSignature sig = sf.getSignature();
                long[] br = byteRange(sig.getCOSObject());
                out.add(new Sig(sf.getFullyQualifiedName(), sig, br, br == null ? -1 : br[2] + br[3]));
            }
        }
        out.sort(Comparator.comparingLong(Sig::end));
        return out;
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

    /** Offsets just after each %%EOF marker (and its end-of-line), i.e. where each revision ends. */
    static List<Long> revisionEnds(byte[] pdf) {
        List<Long> ends = new ArrayList<>();
        byte[] eof = {'%', '%', 'E', 'O', 'F'};
        outer:
        for (int i = 0; i <= pdf.length - eof.length; i++) {
            for (int j = 0; j < eof.length; j++) {
                if (pdf[i + j] != eof[j]) {
                    continue outer;
                }
            }
            int e = i + eof.length;
            if (e < pdf.length && pdf[e] == '\r') {
                e++;
            }
            if (e < pdf.length && pdf[e] == '\n') {
                e++;
            }
            ends.add((long) e);
        }
        return ends;
    }

    private static final int[] HEX = new int[256];

    static {
        java.util.Arrays.fill(HEX, -1);
        for (int c = 0; c < 10; c++) {
            HEX['0' + c] = c;
        }
        for (int c = 0; c < 6; c++) {
            HEX['a' + c] = 10 + c;
            HEX['A' + c] = 10 + c;
        }
    }

    private static byte[] hexGap(byte[] pdf, int a, int b) {
        if (pdf[a] != '<' || pdf[b - 1] != '>') {
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
        byte[] k = kw.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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

    private static boolean onlyWhitespace(byte[] pdf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = pdf[i];
            if (c != ' ' && c != '\r' && c != '\n' && c != '\t' && c != 0 && c != '\f') {
                return false;
            }
        }
        return true;
    }

    private List<X509Certificate> pool(List<X509Certificate> cms, ValidationData vd) {
        List<X509Certificate> pool = new ArrayList<>(anchors);
        pool.addAll(cms);
        pool.addAll(vd.certificates);
        return pool;
    }

    private ValidationData.Status chainStatus(List<X509Certificate> chain, ValidationData vd, Date at) {
        String worst = "GOOD";
        String source = "NONE";
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            if (anchors.contains(c)) {
                break;
            }
            ValidationData.Status st = vd.statusAt(c, chain.get(i + 1), at);
            if (i == 0) {
                source = st.source();
            }
            worst = worse(worst, st.status());
        }
        if (chain.size() == 1 && !anchors.contains(chain.get(0))) {
            worst = "UNKNOWN";
        }
        return new ValidationData.Status(worst, source);
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("GOOD", "REVOKED_AFTER_SIGNING", "UNKNOWN", "REVOKED");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    /** Checks a time-stamp token: imprint, signature, ESSCertID, TSA EKU (RFC 3161 §2.3), chain. */
    private String checkToken(TimeStampToken t, byte[] expectedImprint, List<X509Certificate> pool) {
        if (!MessageDigest.isEqual(t.getTimeStampInfo().getMessageImprintDigest(), expectedImprint)) {
            return "imprint does not match the time-stamped data";
        }
        X509Certificate tsa = SignatureParts.tsaCertificate(t);
        if (tsa == null) {
            return "TSA certificate missing from the token";
        }
        try {
            t.validate(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(cn.tongban.docsign.cms.Crypto.BC)
                    .build(tsa));
        } catch (Exception e) {
            return "token does not verify: " + e.getMessage();
        }
        List<X509Certificate> chain = CertChains.build(tsa, pool);
        if (!anchors.contains(chain.get(chain.size() - 1))) {
            return "TSA " + commonName(tsa) + UNTRUSTED;
        }
        return null;
    }

    private static boolean verifySignatureValue(SignerInformation si, X509Certificate cert) {
        try {
            String alg;
            if (si.getEncryptionAlgOID().equals(cn.tongban.docsign.cms.Crypto.SM2_WITH_SM3.getId())) {
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
            Signature v = Signature.getInstance(alg, cn.tongban.docsign.cms.Crypto.BC);
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

    private static byte[] digest(String oid, byte[] pdf, long[] br) {
        MessageDigest md = cn.tongban.docsign.cms.Crypto.digest(new ASN1ObjectIdentifier(oid));
        md.update(pdf, (int) br[0], (int) br[1]);
        md.update(pdf, (int) br[2], (int) br[3]);
        return md.digest();
    }

    private static byte[] sha(ASN1ObjectIdentifier oid, byte[] data) {
        return cn.tongban.docsign.cms.Crypto.digest(oid).digest(data);
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

    static String commonName(X509Certificate cert) {
        org.bouncycastle.asn1.x500.X500Name n = org.bouncycastle.asn1.x500.X500Name.getInstance(
                cert.getSubjectX500Principal().getEncoded());
        org.bouncycastle.asn1.x500.RDN[] cn = n.getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
        if (cn.length > 0 && cn[0].getFirst().getValue() instanceof org.bouncycastle.asn1.ASN1String s) {
            return s.getString();
        }
        return cert.getSubjectX500Principal().getName();
    }
}
