package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import cn.tongban.docsign.pdf.SeedValues;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.TrustServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.HexFormat;
import java.util.List;
import java.util.TimeZone;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.ExternalSigningSupport;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDField;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;

/**
 * PAdES baseline signing (ETSI EN 319 142-1): {@code ETSI.CAdES.detached} signatures at levels
 * B-B to B-LTA, each added as an incremental update, and document time-stamps.
 *
 * <p>Two paths share one implementation: {@link #sign} when the key is here, and {@link #prepare}
 * + {@link #complete} when the key is elsewhere (browser, HSM). The document is never held open
 * between the two calls: {@code prepare} writes the incremental update with a zero-filled
 * {@code /Contents} and {@code complete} patches the CMS into that gap.
 *
 * <p>Thread-safe.
 */
public final class PadesSigner {
    /** Bytes reserved for the CMS (hex-encoded twice as long in the file). */
    static final int SIGNATURE_SPACE = 16 * 1024;

    private static final COSName ETSI_CADES = COSName.getPDFName("ETSI.CAdES.detached");
    private static final COSName ETSI_RFC3161 = COSName.getPDFName("ETSI.RFC3161");

    private final TrustServices trust;
    private final AppearancePainter painter;
    private final PdfLimits limits;
    private final ValidationDataCollector ltv;

    public PadesSigner(TrustServices trust, CjkFont font) {
        this(trust, font, PdfLimits.DEFAULT);
    }

    public PadesSigner(TrustServices trust, CjkFont font, PdfLimits limits) {
        this.trust = trust;
        this.painter = new AppearancePainter(font);
        this.limits = limits;
        this.ltv = new ValidationDataCollector(trust, limits);
    }

    /** Signs with a key held here and brings the signature to {@code request.level()}. */
    public byte[] sign(byte[] pdf, Credential credential, SignRequest request) {
        if (credential.privateKey() == null) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "credential has no private key; use prepare/complete");
        }
        PreparedSignature p = prepare(pdf, credential.chain(), request);
        try {
            Signature s = Signature.getInstance(
                    Cms.jcaAlgorithm(credential.certificate().getPublicKey()), Crypto.BC);
            s.initSign(credential.privateKey());
            s.update(p.signedAttributesRaw());
            return finish(p, Cms.toDer(s.sign(), credential.privateKey().getAlgorithm()));
        } catch (GeneralSecurityException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, e.getMessage(), e);
        }
    }

    /**
     * Refuses a credential that may not make this signature: a certificate outside its validity at
     * the signing time or now, one that does not carry the role of a role's field ({@link
     * SignerRole#ofField}), or one that its CA reports revoked or does not know (OCSP, else CRL,
     * through this signer's {@link TrustServices}).
     */
    private void checkCredential(List<X509Certificate> chain, SignRequest request) {
        X509Certificate cert = chain.get(0);
        for (java.time.Instant t : List.of(request.signingTime(), java.time.Instant.now())) {
            try {
                cert.checkValidity(java.util.Date.from(t));
            } catch (java.security.cert.CertificateExpiredException
                    | java.security.cert.CertificateNotYetValidException e) {
                throw new DocsignException(
                        DocsignError.SIGN_CREDENTIAL_EXPIRED,
                        Identity.of(cert).name() + " at " + t + ": valid "
                                + cert.getNotBefore().toInstant() + " – "
                                + cert.getNotAfter().toInstant());
            }
        }
        SignerRole role = SignerRole.ofField(request.fieldName()).orElse(null);
        if (role != null && !Identity.roles(cert).contains(role)) {
            throw new DocsignException(
                    DocsignError.SIGN_ROLE_MISMATCH,
                    "field " + request.fieldName() + " needs a " + role + " certificate; "
                            + Identity.of(cert).name() + " has " + Identity.roles(cert));
        }
        if (chain.size() > 1) {
            RevocationCheck.requireGood(trust.revocation(), cert, chain.get(1));
        }
    }

    /**
     * Reserves the signature: adds the signature dictionary (and for a certification signature the
     * DocMDP transform), paints the appearance, saves incrementally, and computes the signed
     * attributes over the byte range.
     */
    public PreparedSignature prepare(byte[] pdf, List<X509Certificate> chain, SignRequest request) {
        X509Certificate signer = chain.get(0);
        checkCredential(chain, request);
        Reserved r = reserve(pdf, request, false, Identity.of(signer), signer);
        byte[] contentDigest =
                Crypto.digest(Crypto.digestFor(signer.getPublicKey())).digest(r.signedContent());
        byte[] attrs = Cms.signedAttributes(contentDigest, signer);
        return new PreparedSignature(r.pdf(), r.byteRange(), attrs, chain, request);
    }

    /**
     * Embeds an externally produced signature value over {@link PreparedSignature#dataToBeSigned()}.
     * ECDSA values may be DER or IEEE P1363 ({@code r||s}, as WebCrypto returns them). The value is
     * verified against the certificate before anything is embedded.
     */
    public byte[] complete(PreparedSignature prepared, byte[] signatureValue) {
        X509Certificate signer = prepared.chain().get(0);
        String keyAlg = signer.getPublicKey().getAlgorithm();
        byte[] der = Cms.toDer(signatureValue, keyAlg);
        try {
            Signature v = Signature.getInstance(Cms.jcaAlgorithm(signer.getPublicKey()), Crypto.BC);
            v.initVerify(signer.getPublicKey());
            v.update(prepared.signedAttributesRaw());
            if (!v.verify(der)) {
                throw new DocsignException(DocsignError.SIGN_EXTERNAL_INVALID, "does not verify with the signer's key");
            }
        } catch (GeneralSecurityException e) {
            throw new DocsignException(DocsignError.SIGN_EXTERNAL_INVALID, e.getMessage(), e);
        }
        return finish(prepared, der);
    }

    private byte[] finish(PreparedSignature prepared, byte[] der) {
        SignatureLevel level = prepared.request().level();
        byte[] token = null;
        if (level.compareTo(SignatureLevel.B_T) >= 0) {
            // EN 319 122-1 §5.3: the signature time-stamp covers the SignerInfo's signature value.
            token = trust.timestamps().timestamp(Cms.sha256(der));
        }
        byte[] cms = Cms.signedData(prepared.signedAttributesRaw(), der, prepared.chain(), token);
        byte[] out = patch(prepared.pdf(), prepared.byteRange(), cms);
        if (level.compareTo(SignatureLevel.B_LT) >= 0) {
            out = addValidationData(out);
        }
        if (level == SignatureLevel.B_LTA) {
            out = addDocumentTimestamp(out);
        }
        return out;
    }

    /**
     * Adds a DSS dictionary (ETSI EN 319 142-1 §5.4) with the certificates, OCSP responses and CRLs
     * of every signature and time-stamp in the document, plus a VRI entry per signature, as one
     * incremental update. Brings B-T signatures to B-LT.
     */
    public byte[] addValidationData(byte[] pdf) {
        return ltv.addValidationData(pdf);
    }

    /** Adds a document time-stamp ({@code ETSI.RFC3161}, §5.4.3 / level B-LTA) as an incremental update. */
    public byte[] addDocumentTimestamp(byte[] pdf) {
        Reserved r = reserve(pdf, null, true, null, null);
        byte[] token = trust.timestamps().timestamp(Cms.sha256(r.signedContent()));
        return patch(r.pdf(), r.byteRange(), token);
    }

    private record Reserved(byte[] pdf, long[] byteRange, byte[] signedContent) {}

    private Reserved reserve(
            byte[] pdf, SignRequest request, boolean docTimestamp, Identity signer, X509Certificate chain0) {
        try (PDDocument doc = PdfSafety.load(pdf, limits, false)) {
            checkPermissions(doc, request != null && request.certify());
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            PDSignatureField field = null;
            PDRectangle reservedRect = null;
            if (docTimestamp) {
                sig.setType(COSName.DOC_TIME_STAMP);
                sig.setSubFilter(ETSI_RFC3161);
            } else {
                sig.setSubFilter(ETSI_CADES);
                sig.setName(signer.name());
                if (request.reason() != null) {
                    sig.setReason(request.reason());
                }
                if (request.location() != null) {
                    sig.setLocation(request.location());
                }
                Calendar cal = GregorianCalendar.getInstance(TimeZone.getTimeZone("Asia/Shanghai"));
                cal.setTimeInMillis(request.signingTime().toEpochMilli());
                sig.setSignDate(cal);
                if (request.certify()) {
                    certify(doc, sig);
                }
                field = existingField(doc, request.fieldName());
                if (field != null) {
                    checkSeedValues(field, chain0);
                    PDRectangle r = field.getWidgets().get(0).getRectangle();
                    reservedRect = new PDRectangle(r.getLowerLeftX(), r.getLowerLeftY(), r.getWidth(), r.getHeight());
                    if (field.getValue() != null) {
                        throw new DocsignException(
                                DocsignError.SIGN_FAILED, "field " + request.fieldName() + " is already signed");
                    }
                    // PDDocument.addSignature recognises a field by its /V being this signature.
                    field.getCOSObject().setItem(COSName.V, sig);
                }
            }
            SignatureOptions options = new SignatureOptions();
            options.setPreferredSignatureSize(SIGNATURE_SPACE);
            doc.addSignature(sig, options);
            if (field != null && !(request.appearance() instanceof SignatureAppearance.Invisible)) {
                paint(doc, field, request, signer, reservedRect);
            } else if (field == null && !docTimestamp) {
                nameNewField(doc, sig, request.fieldName());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(pdf.length + 4 * SIGNATURE_SPACE);
            ExternalSigningSupport ext = doc.saveIncrementalForExternalSigning(out);
            byte[] content = ext.getContent().readAllBytes();
            ext.setSignature(new byte[0]);
            int[] br = sig.getByteRange();
            options.close();
            return new Reserved(out.toByteArray(), new long[] {br[0], br[1], br[2], br[3]}, content);
        } catch (IOException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, e.getMessage(), e);
        }
    }

    private void paint(PDDocument doc, PDSignatureField field, SignRequest request, Identity signer, PDRectangle rect)
            throws IOException {
        PDAnnotationWidget widget = field.getWidgets().get(0);
        // addSignature() replaced the widget's look with an empty one; restore the reserved rectangle.
        widget.setRectangle(rect);
        PDAppearanceStream ap = painter.paint(
                doc, request.appearance(), signer, rect.getWidth(), rect.getHeight(), request.signingTime());
        PDAppearanceDictionary dict = new PDAppearanceDictionary();
        dict.setNormalAppearance(ap);
        widget.setAppearance(dict);
        widget.setPrinted(true);
        widget.getCOSObject().setNeedToBeUpdated(true);
        field.getCOSObject().setNeedToBeUpdated(true);
    }

    /**
     * Refuses a certificate that the field's seed value does not accept (ISO 32000-1 Table 235): none
     * of its required certificate policies, or another subject (a clerk of another hall).
     */
    private static void checkSeedValues(PDSignatureField field, X509Certificate cert) {
        List<String> policies = SeedValues.policies(field.getCOSObject());
        if (!policies.isEmpty() && Identity.policies(cert).stream().noneMatch(policies::contains)) {
            throw new DocsignException(
                    DocsignError.SIGN_ROLE_MISMATCH,
                    "field " + field.getPartialName() + " requires certificate policy " + policies);
        }
        String mismatch = SeedValues.subjectMismatch(cert, SeedValues.subjectDns(field.getCOSObject()));
        if (mismatch != null) {
            throw new DocsignException(
                    DocsignError.SIGN_ROLE_MISMATCH, "field " + field.getPartialName() + ": " + mismatch);
        }
    }

    private static PDSignatureField existingField(PDDocument doc, String name) {
        PDAcroForm acro = doc.getDocumentCatalog().getAcroForm(null);
        if (acro == null) {
            return null;
        }
        PDField f = acro.getField(name);
        if (f == null) {
            return null;
        }
        if (!(f instanceof PDSignatureField sf)) {
            throw new DocsignException(DocsignError.SIGN_FAILED, name + " is not a signature field");
        }
        return sf;
    }

    private static void nameNewField(PDDocument doc, PDSignature sig, String name) {
        for (PDField f : doc.getDocumentCatalog().getAcroForm(null).getFieldTree()) {
            if (f instanceof PDSignatureField sf
                    && sf.getCOSObject().getDictionaryObject(COSName.V) == sig.getCOSObject()) {
                sf.getCOSObject().setString(COSName.T, name);
            }
        }
    }

    /**
     * Refuses when an existing certification forbids changes (DocMDP P=1), or when a certification
     * is requested on an already signed document (ISO 32000-1 §12.8.2.2: it must be the first).
     */
    private static void checkPermissions(PDDocument doc, boolean certify) {
        COSDictionary perms = doc.getDocumentCatalog().getCOSObject().getCOSDictionary(COSName.PERMS);
        if (perms != null && perms.getCOSDictionary(COSName.DOCMDP) != null) {
            int p = docMdpP(perms.getCOSDictionary(COSName.DOCMDP));
            if (p == 1) {
                throw new DocsignException(DocsignError.SIGN_NOT_PERMITTED, "DocMDP P=1");
            }
        }
        if (certify && !doc.getSignatureDictionaries().isEmpty()) {
            throw new DocsignException(DocsignError.SIGN_NOT_PERMITTED, "a certification signature must be the first");
        }
    }

    static int docMdpP(COSDictionary sig) {
        COSArray refs = sig.getCOSArray(COSName.getPDFName("Reference"));
        if (refs != null) {
            for (int i = 0; i < refs.size(); i++) {
                if (refs.getObject(i) instanceof COSDictionary ref
                        && COSName.DOCMDP.equals(ref.getCOSName(COSName.getPDFName("TransformMethod")))) {
                    COSDictionary params = ref.getCOSDictionary(COSName.getPDFName("TransformParams"));
                    return params == null ? 2 : params.getInt(COSName.P, 2);
                }
            }
        }
        return 2;
    }

    /** DocMDP transform with P=2 (ISO 32000-1 §12.8.2.2 Table 254): form filling and signing allowed. */
    private static void certify(PDDocument doc, PDSignature sig) {
        COSDictionary params = new COSDictionary();
        params.setItem(COSName.TYPE, COSName.getPDFName("TransformParams"));
        params.setInt(COSName.P, 2);
        params.setName(COSName.V, "1.2");
        COSDictionary ref = new COSDictionary();
        ref.setItem(COSName.TYPE, COSName.getPDFName("SigRef"));
        ref.setItem(COSName.getPDFName("TransformMethod"), COSName.DOCMDP);
        ref.setItem(COSName.getPDFName("TransformParams"), params);
        COSArray refs = new COSArray();
        refs.add(ref);
        sig.getCOSObject().setItem(COSName.getPDFName("Reference"), refs);
        COSDictionary perms = new COSDictionary();
        perms.setItem(COSName.DOCMDP, sig);
        COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
        catalog.setItem(COSName.PERMS, perms);
        catalog.setNeedToBeUpdated(true);
    }

    /** Writes the CMS into the reserved, zero-filled hex string between the two byte ranges. */
    static byte[] patch(byte[] pdf, long[] br, byte[] cms) {
        int start = (int) (br[0] + br[1]) + 1;
        int end = (int) br[2] - 1;
        byte[] hex = HexFormat.of().withUpperCase().formatHex(cms).getBytes(StandardCharsets.US_ASCII);
        if (hex.length > end - start) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "signature larger than reserved space: " + cms.length);
        }
        byte[] out = pdf.clone();
        System.arraycopy(hex, 0, out, start, hex.length);
        return out;
    }
}
