package cn.tongban.docsign.attack;

import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.pki.Credential;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.Calendar;
import java.util.function.BiConsumer;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.ExternalSigningSupport;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Signs a field the way anyone can with PDFBox and Bouncy Castle, none of docsign's signing-side
 * checks in the way: any certificate in any field, with whatever appearance the caller paints. What a
 * verifier sees from a signer who does not use our signer.
 */
public final class RawSigner {
    private RawSigner() {}

    /**
     * Signs existing field {@code fieldName} of {@code pdf} with {@code credential} (CMS with the
     * signer's chain, {@code adbe.pkcs7.detached}), after {@code paint} has set up the widget.
     */
    public static byte[] sign(
            byte[] pdf,
            String fieldName,
            Credential credential,
            String name,
            BiConsumer<PDDocument, PDAnnotationWidget> paint) {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            PDSignatureField field =
                    (PDSignatureField) doc.getDocumentCatalog().getAcroForm().getField(fieldName);
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            sig.setName(name);
            sig.setSignDate(Calendar.getInstance());
            field.getCOSObject().setItem(COSName.V, sig);
            PDAnnotationWidget widget = field.getWidgets().get(0);
            var rect = widget.getRectangle();
            SignatureOptions options = new SignatureOptions();
            options.setPreferredSignatureSize(16 * 1024);
            doc.addSignature(sig, options);
            widget.setRectangle(rect);
            if (paint != null) {
                paint.accept(doc, widget);
            }
            widget.getCOSObject().setNeedToBeUpdated(true);
            field.getCOSObject().setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExternalSigningSupport ext = doc.saveIncrementalForExternalSigning(out);
            byte[] content;
            try (InputStream in = ext.getContent()) {
                content = in.readAllBytes();
            }
            ext.setSignature(cms(content, credential));
            options.close();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] cms(byte[] content, Credential c) {
        try {
            CMSSignedDataGenerator g = new CMSSignedDataGenerator();
            X509Certificate cert = c.certificate();
            g.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                    .build(
                            new JcaContentSignerBuilder("SHA256withECDSA")
                                    .setProvider(Crypto.BC)
                                    .build(c.privateKey()),
                            cert));
            g.addCertificates(new JcaCertStore(c.chain()));
            return g.generate(new CMSProcessableByteArray(content), false).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
