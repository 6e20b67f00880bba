package cn.tongban.docsign.attack;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;

/**
 * The hostile corpus: every attack of issue #10 and the classic ones, generated from the shared signed
 * sample by test code (no committed binaries). Each builder returns the attacked bytes.
 */
final class HostileCorpus {
    private HostileCorpus() {}

    private static SignedSample s() {
        return SignedSample.get();
    }

    private static Instant now() {
        return Instant.now();
    }

    // ---------------------------------------------------------------- forged clerk and seal

    /**
     * An applicant with nothing but the credential issued after their identity check: their own
     * end-entity key acts as a CA and mints a clerk "李建国" and the hall's e-seal, with the roles marked
     * and OCSP responses signed by the same key. Signed, validated and time-stamped with our own signer.
     */
    static byte[] forgedClerkAndSeal() {
        EmbeddedPki pki = s().pki;
        String hall = pki.hallName("wujin");
        Credential applicant = pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        KeyPair clerkKey = EmbeddedPki.ecKeyPair();
        KeyPair sealKey = EmbeddedPki.ecKeyPair();
        X509Certificate clerkCert = Attacker.mint(
                applicant, Attacker.clerkName(hall, "WJ0421", "李建国"), clerkKey.getPublic(), SignerRole.CLERK);
        X509Certificate sealCert =
                Attacker.mint(applicant, Attacker.sealName(hall), sealKey.getPublic(), SignerRole.HALL_SEAL);
        Credential clerk = new Credential(clerkKey.getPrivate(), chain(clerkCert, applicant.chain()));
        Credential seal = new Credential(sealKey.getPrivate(), chain(sealCert, applicant.chain()));
        TrustServices mine = Attacker.trust(
                pki,
                (cert, issuer) -> issuer.equals(applicant.certificate())
                        ? Attacker.ocsp(cert, issuer, applicant.privateKey(), now(), null)
                        : null);
        ApplicationSigningFlow flow = new ApplicationSigningFlow(new PadesSigner(mine, Fixtures.font()));
        byte[] a = flow.applicantSigns(s().form, applicant, Fixtures.handwrittenPng(), now());
        byte[] c = flow.clerkSigns(a, clerk, now());
        return flow.hallSeals(c, seal, now());
    }

    private static List<X509Certificate> chain(X509Certificate leaf, List<X509Certificate> rest) {
        List<X509Certificate> l = new ArrayList<>();
        l.add(leaf);
        l.addAll(rest);
        return l;
    }

    // ---------------------------------------------------------------- painted-over page

    /**
     * A widget annotation with {@code /FT /Sig} and a {@code /V} pointing at the clerk's real signature,
     * not listed in the AcroForm's /Fields, whose appearance paints "999.00" over the page.
     */
    static byte[] overlayWidget(byte[] signed) {
        return update(signed, doc -> {
            try {
                PDSignature clerkSig = doc.getSignatureDictionaries().get(1);
                PDPage page = doc.getPage(0);
                PDAppearanceStream ap = new PDAppearanceStream(doc);
                ap.setBBox(new PDRectangle(200, 40));
                PDResources res = new PDResources();
                ap.setResources(res);
                try (PDPageContentStream cs = new PDPageContentStream(doc, ap)) {
                    cs.setNonStrokingColor(1f, 1f, 1f);
                    cs.addRect(0, 0, 200, 40);
                    cs.fill();
                    cs.setNonStrokingColor(0f, 0f, 0f);
                    cs.beginText();
                    cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                    cs.newLineAtOffset(8, 14);
                    cs.showText("999.00");
                    cs.endText();
                }
                COSDictionary w = new COSDictionary();
                w.setItem(COSName.TYPE, COSName.ANNOT);
                w.setItem(COSName.SUBTYPE, COSName.WIDGET);
                w.setItem(COSName.FT, COSName.SIG);
                w.setString(COSName.T, "overlay");
                w.setItem(COSName.V, clerkSig.getCOSObject());
                w.setInt(COSName.F, 4);
                PDAnnotationWidget widget = new PDAnnotationWidget(w);
                widget.setRectangle(new PDRectangle(300, 560, 200, 40));
                PDAppearanceDictionary apd = new PDAppearanceDictionary();
                apd.setNormalAppearance(ap);
                widget.setAppearance(apd);
                widget.setPage(page);
                page.getAnnotations().add(widget);
                page.getCOSObject().setNeedToBeUpdated(true);
                COSArray annots = page.getCOSObject().getCOSArray(COSName.ANNOTS);
                if (annots != null) {
                    annots.setNeedToBeUpdated(true);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * The clerk's own signed widget — its look covered by the clerk's signature — shown a second time,
     * on the first page: the page's annotation list is the only object that changes.
     */
    static byte[] signedWidgetShownAgain(byte[] signed) {
        return update(signed, doc -> {
            try {
                org.apache.pdfbox.pdmodel.interactive.form.PDField clerk =
                        doc.getDocumentCatalog().getAcroForm().getField("clerk");
                PDAnnotationWidget widget = clerk.getWidgets().get(0);
                PDPage page = doc.getPage(0);
                page.getAnnotations().add(widget);
                page.getCOSObject().setNeedToBeUpdated(true);
                COSArray annots = page.getCOSObject().getCOSArray(COSName.ANNOTS);
                if (annots != null) {
                    annots.setNeedToBeUpdated(true);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    // ---------------------------------------------------------------- revocation

    /** A clerk whose certificate is revoked, and the GOOD answer they saved before it was. */
    record RevokedClerk(Credential clerk, byte[] goodBefore) {}

    /** A fresh clerk credential with a GOOD OCSP answer saved, then revoked by the hall. */
    static RevokedClerk revokedClerk() {
        EmbeddedPki pki = s().pki;
        Credential clerk = pki.clerk("wujin", "WJ9" + System.nanoTime() % 100000, "钱七");
        byte[] good = pki.revocation().ocsp(clerk.certificate(), clerk.chain().get(1));
        pki.revoke("wujin", clerk.certificate().getSerialNumber(), 1);
        return new RevokedClerk(clerk, good);
    }

    /**
     * The revoked clerk signs anyway, getting past the signing-side check with the GOOD answer saved
     * before the revocation; the hall then seals honestly, so the DSS holds the REVOKED answer.
     */
    static byte[] signedByRevokedClerk(RevokedClerk r) {
        return sealHonestly(clerkSignsAnyway(r));
    }

    /** The applicant's signed form, then the revoked clerk's signature at B-T. */
    static byte[] clerkSignsAnyway(RevokedClerk r) {
        TrustServices mine =
                Attacker.trust(s().pki, (cert, issuer) -> cert.equals(r.clerk().certificate()) ? r.goodBefore() : null);
        return new ApplicationSigningFlow(new PadesSigner(mine, Fixtures.font()))
                .clerkSigns(s().afterApplicant, r.clerk(), now());
    }

    static byte[] sealHonestly(byte[] pdf) {
        return new ApplicationSigningFlow(s().signer).hallSeals(pdf, s().pki.hallSeal("wujin"), now());
    }

    /**
     * The swap: an unsigned DSS update after the last document time-stamp puts the clerk's older GOOD
     * answer first among the OCSP responses.
     */
    static byte[] staleGoodFirst(byte[] sealedWithRevoked, byte[] goodBefore) {
        return update(sealedWithRevoked, doc -> prependOcsp(doc, goodBefore));
    }

    /**
     * The revoked clerk finishes the document alone: validation data of their own choosing — for
     * their certificate only the GOOD answer the CA gave two days ago, which they kept — and a real
     * document time-stamp.
     */
    static byte[] onlyStaleGood(RevokedClerk r) {
        byte[] afterClerk = clerkSignsAnyway(r);
        Credential ca = s().caCredential("ca-wujin");
        byte[] stale = Attacker.ocsp(
                r.clerk().certificate(), ca.certificate(), ca.privateKey(), now().minus(Duration.ofDays(2)), null);
        TrustServices mine =
                Attacker.trust(s().pki, (cert, issuer) -> cert.equals(r.clerk().certificate()) ? stale : null);
        PadesSigner signer = new PadesSigner(mine, Fixtures.font());
        return signer.addDocumentTimestamp(signer.addValidationData(afterClerk));
    }

    /**
     * The revoked clerk finishes the document alone, vouching for their own certificate with a GOOD
     * answer signed by the hall's e-seal key — a key the hall CA certified, but not for OCSP.
     */
    static byte[] goodFromAnUnauthorizedResponder(RevokedClerk r) {
        byte[] afterClerk = clerkSignsAnyway(r);
        Credential seal = s().pki.hallSeal("wujin");
        TrustServices mine = Attacker.trust(
                s().pki,
                (cert, issuer) ->
                        cert.equals(r.clerk().certificate()) ? Attacker.ocspBy(cert, issuer, seal, now()) : null);
        PadesSigner signer = new PadesSigner(mine, Fixtures.font());
        return signer.addDocumentTimestamp(signer.addValidationData(afterClerk));
    }

    /**
     * The CA contradicts itself, as after a backdated revocation (key compromise): the DSS holds an
     * honest GOOD answer and, issued just before it, a REVOKED one whose revocation time precedes the
     * signature. Both are covered by a document time-stamp; the GOOD one is the newer and comes first.
     */
    static byte[] revokedAndNewerGood() {
        Credential clerk = s().pki.clerk("wujin", "WJ8" + System.nanoTime() % 100000, "孙八");
        byte[] afterClerk = new ApplicationSigningFlow(s().signer).clerkSigns(s().afterApplicant, clerk, now());
        Instant signedAt = now();
        byte[] lt = s().signer.addValidationData(afterClerk);
        Credential ca = s().caCredential("ca-wujin");
        byte[] revoked = Attacker.ocsp(
                clerk.certificate(),
                ca.certificate(),
                ca.privateKey(),
                signedAt.minusSeconds(1),
                signedAt.minus(Duration.ofHours(1)));
        byte[] both = update(lt, doc -> appendOcsp(doc, revoked));
        return s().signer.addDocumentTimestamp(both);
    }

    /**
     * The newest answer is REVOKED with a revocation time after the signature; an older honest GOOD
     * answer comes first.
     */
    static byte[] newerRevokedAfterSigning() {
        Credential clerk = s().pki.clerk("wujin", "WJ7" + System.nanoTime() % 100000, "周九");
        byte[] afterClerk = new ApplicationSigningFlow(s().signer).clerkSigns(s().afterApplicant, clerk, now());
        byte[] lt = s().signer.addValidationData(afterClerk);
        Credential ca = s().caCredential("ca-wujin");
        byte[] later = Attacker.ocsp(
                clerk.certificate(),
                ca.certificate(),
                ca.privateKey(),
                now().plus(Duration.ofMinutes(1)),
                now().plusSeconds(30));
        return s().signer.addDocumentTimestamp(update(lt, doc -> appendOcsp(doc, later)));
    }

    /**
     * The clerk's signature is time-stamped into the document before any validation data exists; all
     * validation data (honest, fresh) comes in an unsigned update after that last time-stamp.
     */
    static byte[] evidenceOnlyAfterLastTimestamp() {
        Credential clerk = s().pki.clerk("wujin", "WJ0421", "李建国");
        byte[] afterClerk = new ApplicationSigningFlow(s().signer).clerkSigns(s().afterApplicant, clerk, now());
        return s().signer.addValidationData(s().signer.addDocumentTimestamp(afterClerk));
    }

    private static void prependOcsp(PDDocument doc, byte[] ocsp) {
        addOcsp(doc, ocsp, true);
    }

    private static void appendOcsp(PDDocument doc, byte[] ocsp) {
        addOcsp(doc, ocsp, false);
    }

    private static void addOcsp(PDDocument doc, byte[] ocsp, boolean first) {
        try {
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            COSDictionary dss = catalog.getCOSDictionary(COSName.getPDFName("DSS"));
            COSArray ocsps = dss.getCOSArray(COSName.getPDFName("OCSPs"));
            COSStream st = doc.getDocument().createCOSStream();
            try (OutputStream os = st.createOutputStream(COSName.FLATE_DECODE)) {
                os.write(ocsp);
            }
            if (first) {
                ocsps.add(0, st);
            } else {
                ocsps.add(st);
            }
            ocsps.setNeedToBeUpdated(true);
            dss.setNeedToBeUpdated(true);
            catalog.setNeedToBeUpdated(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- unsigned revisions

    /** A later revision holding one object that nothing refers to. */
    static byte[] unreferencedObject(byte[] signed) {
        Append a = Append.to(signed);
        return a.update(Map.of((int) a.size, "(999.00)"));
    }

    /** {@code n} revisions that define nothing, each with its cross-reference section and trailer. */
    static byte[] emptyRevisions(byte[] signed, int n) {
        Append a = Append.to(signed);
        long prev = a.prevXref;
        ByteArrayOutputStream out = new ByteArrayOutputStream(signed.length + n * 160);
        out.writeBytes(signed);
        if (signed[signed.length - 1] != '\n') {
            out.write('\n');
        }
        for (int i = 0; i < n; i++) {
            long at = out.size();
            String rev = "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size " + a.size + " /Root " + a.rootRef()
                    + " /Prev " + prev + " >>\nstartxref\n" + at + "\n%%EOF\n";
            out.writeBytes(rev.getBytes(StandardCharsets.ISO_8859_1));
            prev = at;
        }
        return out.toByteArray();
    }

    /** Complete objects appended after the last %%EOF with no cross-reference data at all. */
    static byte[] xrefLessAppend(byte[] signed) {
        int catalog = Append.to(signed).rootNumber();
        String text = "\n" + catalog + " 0 obj\n"
                + Crashes.withKey(Append.objectText(signed, catalog), "/OpenAction << /S /GoTo /D [0 /Fit] >>")
                + "\nendobj\n";
        byte[] tail = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = java.util.Arrays.copyOf(signed, signed.length + tail.length);
        System.arraycopy(tail, 0, out, signed.length, tail.length);
        return out;
    }

    // ---------------------------------------------------------------- classic attacks

    /** Incremental saving attack: a later revision draws over the signed page (white-out). */
    static byte[] incrementalSaving(byte[] signed) {
        return update(signed, doc -> {
            try {
                PDPage page = doc.getPage(0);
                try (PDPageContentStream cs =
                        new PDPageContentStream(doc, page, PDPageContentStream.AppendMode.APPEND, true)) {
                    cs.setNonStrokingColor(1f, 1f, 1f);
                    cs.addRect(100, 600, 300, 40);
                    cs.fill();
                }
                page.getCOSObject().setNeedToBeUpdated(true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Shadow "replace": the signed page's content stream object is redefined in a later revision. */
    static byte[] shadowReplace(byte[] signed) {
        return update(signed, doc -> {
            try {
                COSStream content = doc.getPage(0).getContentStreams().next().getCOSObject();
                try (OutputStream os = content.createOutputStream(COSName.FLATE_DECODE)) {
                    os.write("BT /F1 12 Tf 72 700 Td (replaced) Tj ET".getBytes(StandardCharsets.US_ASCII));
                }
                content.setNeedToBeUpdated(true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Shadow "hide-and-replace": content that was in the signed file but not shown (here an appearance
     * stream of the form) becomes the page's content through a later revision of the page dictionary.
     */
    static byte[] shadowHideAndReplace(byte[] signed) {
        return update(signed, doc -> {
            PDPage page = doc.getPage(0);
            COSDictionary widget = (COSDictionary) doc.getPage(doc.getNumberOfPages() - 1)
                    .getCOSObject()
                    .getCOSArray(COSName.ANNOTS)
                    .getObject(0);
            COSStream hidden = (COSStream) widget.getCOSDictionary(COSName.AP).getDictionaryObject(COSName.N);
            COSArray contents = new COSArray();
            contents.add(page.getCOSObject().getItem(COSName.CONTENTS));
            contents.add(hidden);
            page.getCOSObject().setItem(COSName.CONTENTS, contents);
            page.getCOSObject().setNeedToBeUpdated(true);
        });
    }

    /**
     * Signature wrapping: the first signature's dictionary is copied to the end of the file (outside its
     * signed bytes) and the cross-reference points there, so the signed bytes keep verifying.
     */
    static byte[] signatureWrapping(byte[] signed) {
        try (PDDocument doc = Loader.loadPDF(signed)) {
            PDSignature sig = doc.getSignatureDictionaries().get(0);
            COSObjectKey key = sig.getCOSObject().getKey();
            long off = doc.getDocument().getXrefTable().get(key);
            String text = new String(signed, StandardCharsets.ISO_8859_1);
            int start = text.indexOf("obj", (int) off) + 3;
            int end = text.indexOf("endobj", start);
            String body = text.substring(start, end).trim().replace("/Reason", "/Reason (wrapped) /Ignored");
            Map<Integer, String> objects = new LinkedHashMap<>();
            objects.put((int) key.getNumber(), body);
            return Append.to(signed).update(objects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One incremental update with whatever {@code change} marks as updated, written by PDFBox. */
    static byte[] update(byte[] pdf, Consumer<PDDocument> change) {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            change.accept(doc);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.saveIncremental(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
