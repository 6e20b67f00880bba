package cn.tongban.signaling.application;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.form.ReceiptRenderer;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.sign.SignRequest;
import cn.tongban.docsign.sign.SignatureAppearance;
import cn.tongban.docsign.sign.SignatureLevel;
import cn.tongban.docsign.verify.Finding;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Records;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owning hall's side of a hand-off ({@code POST /api/handoff}): authenticates the sending hall, checks
 * that the package is the one the manifest names, verifies every signature of the application against this
 * node's trust list with docsign's {@link PdfVerifier}, stores it and issues a receipt (回执) — a one-page PDF
 * signed with the owning hall's e-seal. Anything that does not pass is refused with a stable reason and
 * recorded ({@code handoff_refusal}); nothing of a refused package is kept here, and the sender keeps it in
 * its outbox. Receiving the same package again returns the same receipt.
 *
 * <p>Refusal reasons: {@code MANIFEST_INVALID}, {@code UNKNOWN_HALL}, {@code PACKAGE_DIGEST_MISMATCH}, {@code
 * PDF_UNREADABLE}, {@code SIGNATURE_INVALID} (a signature or time-stamp is proven bad: tampering, wrong
 * key), {@code SIGNATURE_UNTRUSTED} (a chain does not reach this node's anchors, or revocation is unknown),
 * {@code SIGNATURE_MISSING} (applicant, clerk, seal or the document time-stamp absent), {@code
 * SEAL_NOT_OWNING_HALL}, {@code APPLICATION_CONFLICT} (the same application number with other content).
 */
final class HandoffReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(HandoffReceiver.class);
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** Requests older (or further in the future) than this are refused as replays. */
    static final long MAX_SKEW_MS = 10 * 60_000;

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    static final String SEAL_UNIT = "电子印章";

    /** A package the owning hall accepted, with its signed receipt. */
    record Accepted(
            String applicationId,
            String receiptNo,
            long receivedAt,
            String verdict,
            String pdfSha256,
            String receiptSha256,
            byte[] receipt) {}

    /** A refused package: {@code reason} is the stable code, {@code detail} what exactly failed. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Refused(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }
    }

    private final ApplicationStore store;
    private final BlobStore files;
    private final EmbeddedPki pki;
    /** What a hall's signatures may chain to: the own anchors and the partner roots bound to it, asked each time. */
    private final java.util.function.Function<String, List<X509Certificate>> anchors;

    private final Supplier<PadesSigner> signer;
    private final Supplier<CjkFont> font;
    private final Supplier<ReferenceData> refdata;
    private final Records records;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    HandoffReceiver(
            ApplicationStore store,
            BlobStore files,
            EmbeddedPki pki,
            java.util.function.Function<String, List<X509Certificate>> anchors,
            Supplier<PadesSigner> signer,
            Supplier<CjkFont> font,
            Supplier<ReferenceData> refdata,
            Records records,
            Clock clock) {
        this.store = store;
        this.files = files;
        this.pki = pki;
        this.anchors = anchors;
        this.signer = signer;
        this.font = font;
        this.refdata = refdata;
        this.records = records;
        this.clock = clock;
    }

    /**
     * A hand-off over HTTP: {@code manifest} and {@code signature} are the request's {@code
     * X-Tongban-Manifest} (base64url JSON) and {@code X-Tongban-Signature} (base64 CMS) headers.
     */
    Accepted receive(String manifestHeader, String signatureHeader, byte[] pdf)
            throws HallSignature.Untrusted, Refused {
        if (manifestHeader == null || signatureHeader == null) {
            throw new HallSignature.Untrusted("the request carries no manifest or no signature");
        }
        byte[] manifestJson;
        byte[] cms;
        try {
            manifestJson = Base64.getUrlDecoder().decode(manifestHeader);
            cms = Base64.getDecoder().decode(signatureHeader);
        } catch (IllegalArgumentException e) {
            throw new HallSignature.Untrusted("manifest or signature is not base64");
        }
        // The manifest names the sending hall, whose anchors alone may vouch for the signature over it: read first,
        // believed only once that signature verifies against them.
        Manifest m;
        try {
            m = JSON.readValue(manifestJson, Manifest.class);
        } catch (java.io.IOException e) {
            throw new HallSignature.Untrusted("the manifest is not readable JSON");
        }
        X509Certificate sealCert = HallSignature.verify(manifestJson, cms, anchors.apply(nonNull(m.fromHallId())));
        ReferenceData.Hall from = refdata.get().hall(nonNull(m.fromHallId())).orElse(null);
        if (from == null || !isSealOf(sealCert, from.name())) {
            throw new HallSignature.Untrusted("the request is not signed by the e-seal of hall " + m.fromHallId());
        }
        long now = clock.millis();
        if (Math.abs(now - m.sentAt()) > MAX_SKEW_MS) {
            throw new HallSignature.Untrusted(
                    "the request is stale (sent at " + Instant.ofEpochMilli(m.sentAt()) + ")");
        }
        return accept(m, manifestJson, pdf);
    }

    /** Verifies, stores and acknowledges a package whose sender is already known (HTTP or this node). */
    Accepted accept(Manifest m, byte[] manifestJson, byte[] pdf) throws Refused {
        if (m.version() != 1 || m.applicationId() == null || m.pdfSha256() == null || m.owningHallId() == null) {
            throw refuse(
                    m, null, "MANIFEST_INVALID", "version, applicationId, owningHallId and pdfSha256 are required");
        }
        String sha = Hashes.sha256(pdf);
        ReferenceData.Hall owning = refdata.get().hall(m.owningHallId()).orElse(null);
        if (owning == null) {
            throw refuse(m, sha, "UNKNOWN_HALL", "this node does not know hall " + m.owningHallId());
        }
        Optional<ApplicationStore.Received> earlier = store.received(m.applicationId());
        if (earlier.isPresent()) {
            return again(m, earlier.get(), sha);
        }
        if (!sha.equals(m.pdfSha256()) || pdf.length != m.pdfBytes()) {
            throw refuse(
                    m,
                    sha,
                    "PACKAGE_DIGEST_MISMATCH",
                    "the body's SHA-256 is " + sha + ", the manifest says " + m.pdfSha256());
        }
        VerificationReport report;
        try {
            report = new PdfVerifier(anchors.apply(nonNull(m.fromHallId()))).verify(pdf);
        } catch (DocsignException e) {
            throw refuse(m, sha, "PDF_UNREADABLE", e.error().code() + ": " + e.getMessage());
        }
        check(m, sha, report, owning);

        long now = clock.millis();
        String receiptNo = receiptNo(owning, now);
        byte[] receipt = receipt(m, sha, pdf.length, report, owning, receiptNo, now);
        String receiptSha = Hashes.sha256(receipt);
        files.put(sha, pdf);
        files.put(receiptSha, receipt);
        ApplicationStore.Received row = new ApplicationStore.Received(
                m.applicationId(),
                receiptNo,
                m.fromHallId(),
                m.owningHallId(),
                m.matterId(),
                sha,
                pdf.length,
                receiptSha,
                new String(manifestJson, java.nio.charset.StandardCharsets.UTF_8),
                now);
        if (!store.insertReceived(row)) {
            return again(m, store.received(m.applicationId()).orElseThrow(), sha);
        }
        records.audit(
                "hall:" + m.owningHallId(),
                AuditAction.HANDOFF_RECEIVED,
                m.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, m.applicationId())
                        .and(AuditField.FROM, m.fromHallId())
                        .and(AuditField.PDF_SHA256, sha)
                        .and(AuditField.VERDICT, report.verdict().name())
                        .and(AuditField.SIGNATURES, report.signatures().size())
                        .and(AuditField.RECEIPT, receiptNo)
                        .and(AuditField.RECEIPT_SHA256, receiptSha));
        LOG.info(
                "Hand-off of application {} from {} accepted: receipt {}",
                m.applicationId(),
                m.fromHallId(),
                receiptNo);
        return new Accepted(m.applicationId(), receiptNo, now, report.verdict().name(), sha, receiptSha, receipt);
    }

    /** The stored receipt of a received application. */
    Optional<byte[]> receiptOf(String applicationId) {
        return store.received(applicationId).map(r -> files.get(r.receiptSha256()));
    }

    private Accepted again(Manifest m, ApplicationStore.Received r, String sha) throws Refused {
        if (!r.pdfSha256().equals(sha)) {
            throw refuse(
                    m,
                    sha,
                    "APPLICATION_CONFLICT",
                    "application " + m.applicationId() + " was received before with other content (" + r.pdfSha256()
                            + ")");
        }
        return new Accepted(
                r.applicationId(),
                r.receiptNo(),
                r.receivedAt(),
                "VALID",
                r.pdfSha256(),
                r.receiptSha256(),
                files.get(r.receiptSha256()));
    }

    private void check(Manifest m, String sha, VerificationReport report, ReferenceData.Hall owning) throws Refused {
        if (report.verdict() != Verdict.VALID) {
            boolean invalid = report.verdict() == Verdict.INVALID
                    || report.signatures().stream().anyMatch(s -> s.verdict() == Verdict.INVALID);
            throw refuse(m, sha, invalid ? "SIGNATURE_INVALID" : "SIGNATURE_UNTRUSTED", firstProblem(report));
        }
        for (SignerRole role : SignerRole.values()) {
            if (report.signatures().stream()
                    .noneMatch(s ->
                            "SIGNATURE".equals(s.kind()) && role.fieldName().equals(s.fieldName()))) {
                throw refuse(m, sha, "SIGNATURE_MISSING", "no " + role.fieldName() + " signature");
            }
        }
        if (report.signatures().stream().noneMatch(s -> "DOCUMENT_TIMESTAMP".equals(s.kind()))) {
            throw refuse(m, sha, "SIGNATURE_MISSING", "no document time-stamp (PAdES B-LTA)");
        }
        SignatureReport seal = report.signatures().stream()
                .filter(s -> SignerRole.HALL_SEAL.fieldName().equals(s.fieldName()))
                .findFirst()
                .orElseThrow();
        if (!owning.name().equals(attribute(seal.signer(), BCStyle.O))) {
            throw refuse(m, sha, "SEAL_NOT_OWNING_HALL", "the seal is " + seal.signer() + ", not " + owning.name());
        }
    }

    private static String firstProblem(VerificationReport report) {
        for (Finding f : report.findings()) {
            return "document: " + f.code().name() + " " + f.detail();
        }
        for (SignatureReport s : report.signatures()) {
            if (s.verdict() != Verdict.VALID) {
                String finding = s.findings().isEmpty()
                        ? s.verdict().name()
                        : s.findings().get(0).code().name() + " "
                                + s.findings().get(0).detail();
                return (s.fieldName() == null ? s.kind() : s.fieldName()) + ": " + finding;
            }
        }
        return report.verdict().name();
    }

    private byte[] receipt(
            Manifest m,
            String sha,
            long bytes,
            VerificationReport report,
            ReferenceData.Hall owning,
            String no,
            long now) {
        List<ReceiptRenderer.SignatureLine> lines = report.signatures().stream()
                .map(s -> new ReceiptRenderer.SignatureLine(
                        "DOCUMENT_TIMESTAMP".equals(s.kind()) ? "文档时间戳" : fieldCaption(s.fieldName()),
                        maskApplicant(s),
                        beijing(s.timestampTime()),
                        s.verdict().name(),
                        s.padesLevel() == null ? "" : s.padesLevel()))
                .toList();
        String fromName =
                refdata.get().hall(m.fromHallId()).map(ReferenceData.Hall::name).orElse(m.fromHallId());
        byte[] unsigned = new ReceiptRenderer(font.get())
                .render(new ReceiptRenderer.ReceiptData(
                        no,
                        m.applicationId(),
                        m.matterName(),
                        m.matterCode(),
                        m.applicant(),
                        owning.name(),
                        fromName,
                        Instant.ofEpochMilli(now),
                        sha,
                        bytes,
                        report.verdict().name(),
                        lines,
                        m.attachments()));
        return signer.get()
                .sign(
                        unsigned,
                        pki.hallSeal(owning.id()),
                        new SignRequest(
                                SignerRole.HALL_SEAL.fieldName(),
                                SignatureLevel.B_LTA,
                                true,
                                new SignatureAppearance.OfficialSeal("回执专用"),
                                "接收回执",
                                owning.name(),
                                Instant.ofEpochMilli(now)));
    }

    /** An ISO-8601 instant of the verifier as Beijing time, as the rest of the receipt. */
    private static String beijing(String iso) {
        if (iso == null) {
            return "";
        }
        try {
            return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                    .format(Instant.parse(iso).atZone(CHINA));
        } catch (java.time.format.DateTimeParseException e) {
            return iso;
        }
    }

    private static String fieldCaption(String field) {
        for (SignerRole r : SignerRole.values()) {
            if (r.fieldName().equals(field)) {
                return r.caption();
            }
        }
        return field;
    }

    /** The applicant's certificate carries the ID number: the receipt names them masked. */
    private static String maskApplicant(SignatureReport s) {
        if (SignerRole.APPLICANT.fieldName().equals(s.fieldName())) {
            return cn.tongban.signaling.util.Mask.name(s.signerCommonName()) + "（申请人个人证书）";
        }
        return s.signerCommonName();
    }

    private String receiptNo(ReferenceData.Hall owning, long now) {
        byte[] r = new byte[3];
        random.nextBytes(r);
        String region = owning.districtCode() == null ? owning.id() : owning.districtCode();
        return "HZ" + region + "-" + DAY.format(Instant.ofEpochMilli(now).atZone(CHINA)) + "-"
                + HexFormat.of().withUpperCase().formatHex(r);
    }

    private Refused refuse(Manifest m, String sha, String reason, String detail) {
        return refuse(m == null ? null : m.applicationId(), m == null ? null : m.fromHallId(), sha, reason, detail);
    }

    private Refused refuse(String applicationId, String fromHallId, String sha, String reason, String detail) {
        long now = clock.millis();
        byte[] id = new byte[8];
        random.nextBytes(id);
        try {
            store.insertRefusal(
                    "r-" + HexFormat.of().formatHex(id), applicationId, fromHallId, reason, detail, sha, now);
        } catch (RuntimeException e) {
            LOG.error("Refused hand-off of {} not recorded: {}", applicationId, e.toString());
        }
        records.audit(
                "hall:receiver",
                AuditAction.HANDOFF_REFUSED,
                null,
                AuditDetails.of(AuditField.APPLICATION, applicationId)
                        .and(AuditField.FROM, fromHallId)
                        .and(AuditField.REASON, reason)
                        .and(AuditField.DETAIL, detail)
                        .and(AuditField.PDF_SHA256, sha));
        LOG.warn("Hand-off of application {} from {} refused: {} ({})", applicationId, fromHallId, reason, detail);
        return new Refused(reason, detail);
    }

    static boolean isSealOf(X509Certificate cert, String hallName) {
        return hallName.equals(HallSignature.subject(cert, BCStyle.O))
                && SEAL_UNIT.equals(HallSignature.subject(cert, BCStyle.OU));
    }

    /** An attribute of an RFC 2253 subject string as the verifier reports it. */
    static String attribute(String rfc2253, org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
        try {
            RDN[] rdns = new X500Name(BCStyle.INSTANCE, rfc2253).getRDNs(oid);
            if (rdns.length == 0) {
                return null;
            }
            return rdns[0].getFirst().getValue() instanceof org.bouncycastle.asn1.ASN1String str
                    ? str.getString()
                    : IETFUtils.valueToString(rdns[0].getFirst().getValue());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
