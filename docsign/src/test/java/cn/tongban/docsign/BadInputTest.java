package cn.tongban.docsign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.form.MaterialInspector;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import cn.tongban.docsign.verify.Finding;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.VerificationReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionJavaScript;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionLaunch;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationLink;
import org.junit.jupiter.api.Test;

/** Hostile or broken input gets a stable error code, in bounded time and memory. */
class BadInputTest {
    private final PdfVerifier verifier = new PdfVerifier(List.of());

    private static void assertCode(Runnable r, DocsignError code) {
        long t0 = System.nanoTime();
        assertThatThrownBy(r::run).isInstanceOfSatisfying(DocsignException.class, e -> assertThat(e.error())
                .isEqualTo(code));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(10_000);
    }

    static byte[] pdf(Consumer<PDDocument> customize) {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            customize.accept(doc);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void notAPdf() {
        assertCode(
                () -> verifier.verify("hello, this is not a PDF".getBytes(StandardCharsets.US_ASCII)),
                DocsignError.PDF_CORRUPT);
        assertCode(
                () -> MaterialInspector.inspect("GIF89a....".getBytes(StandardCharsets.US_ASCII), PdfLimits.DEFAULT),
                DocsignError.MATERIAL_UNSUPPORTED);
    }

    @Test
    void corruptBody() {
        byte[] junk = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage garbage\nstartxref\n999999\n%%EOF\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertCode(() -> verifier.verify(junk), DocsignError.PDF_CORRUPT);
    }

    @Test
    void truncated() {
        byte[] sealed = SignedSample.get().sealed;
        byte[] cut = Arrays.copyOf(sealed, sealed.length * 2 / 3);
        assertCode(() -> verifier.verify(cut), DocsignError.PDF_TRUNCATED);
        assertCode(() -> MaterialInspector.inspect(cut, PdfLimits.DEFAULT), DocsignError.PDF_TRUNCATED);
    }

    @Test
    void encryptedWithAndWithoutUserPassword() {
        for (String user : new String[] {"secret", ""}) {
            byte[] enc = pdf(doc -> {
                try {
                    StandardProtectionPolicy p = new StandardProtectionPolicy("owner", user, new AccessPermission());
                    p.setEncryptionKeyLength(128);
                    doc.protect(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertCode(() -> verifier.verify(enc), DocsignError.PDF_ENCRYPTED);
            assertCode(() -> MaterialInspector.inspect(enc, PdfLimits.DEFAULT), DocsignError.PDF_ENCRYPTED);
        }
    }

    @Test
    void tooLarge() {
        PdfLimits tiny = new PdfLimits(10_000, 1 << 20, 1 << 20, 1 << 20);
        byte[] sealed = SignedSample.get().sealed;
        assertCode(() -> new PdfVerifier(List.of(), tiny).verify(sealed), DocsignError.PDF_TOO_LARGE);
        assertCode(() -> MaterialInspector.inspect(sealed, tiny), DocsignError.PDF_TOO_LARGE);
    }

    /** The 100 000-object chain, on the material-upload path and in the verifier. */
    @Test
    void aDeepChainOfObjectsIsRefusedWithItsCodeNotAStackOverflow() {
        byte[] material = deepChain(Fixtures.samplePdf(), 100_000);
        assertCode(() -> MaterialInspector.inspect(material, PdfLimits.DEFAULT), DocsignError.PDF_NESTING_LIMIT);
        byte[] signed = deepChain(SignedSample.get().sealed, 100_000);
        assertCode(() -> verifier.verify(signed), DocsignError.PDF_NESTING_LIMIT);
    }

    /** {@code base} plus an update whose catalog starts a chain of {@code n} dictionaries, each naming the next. */
    static byte[] deepChain(byte[] base, int n) {
        try (PDDocument doc = org.apache.pdfbox.Loader.loadPDF(base)) {
            long size = doc.getDocument().getTrailer().getLong(org.apache.pdfbox.cos.COSName.SIZE);
            org.apache.pdfbox.cos.COSDictionary catalog =
                    doc.getDocumentCatalog().getCOSObject();
            long rootNumber = catalog.getKey() != null
                    ? catalog.getKey().getNumber()
                    : ((org.apache.pdfbox.cos.COSObject)
                                    doc.getDocument().getTrailer().getItem(org.apache.pdfbox.cos.COSName.ROOT))
                            .getKey()
                            .getNumber();
            StringBuilder body = new StringBuilder();
            java.util.List<Long> offsets = new java.util.ArrayList<>();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.writeBytes(base);
            out.write('\n');
            for (int i = 0; i < n; i++) {
                offsets.add((long) out.size());
                String obj = (size + i) + " 0 obj\n<< /Next " + (size + i + 1) + " 0 R >>\nendobj\n";
                out.writeBytes(obj.getBytes(StandardCharsets.US_ASCII));
            }
            long catalogAt = out.size();
            out.writeBytes((rootNumber + " 0 obj\n<< /Type /Catalog /Pages "
                            + ((org.apache.pdfbox.cos.COSObject) catalog.getItem(org.apache.pdfbox.cos.COSName.PAGES))
                                    .getKey()
                                    .getNumber()
                            + " 0 R /Chain " + size + " 0 R >>\nendobj\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long xref = out.size();
            body.append("xref\n0 1\n0000000000 65535 f \n").append(rootNumber).append(" 1\n");
            body.append(String.format("%010d 00000 n \n", catalogAt));
            body.append(size).append(' ').append(n).append('\n');
            for (long o : offsets) {
                body.append(String.format("%010d 00000 n \n", o));
            }
            body.append("trailer\n<< /Size ")
                    .append(size + n + 1)
                    .append(" /Root ")
                    .append(rootNumber)
                    .append(" 0 R /Prev ")
                    .append(doc.getDocument().getStartXref())
                    .append(" >>\nstartxref\n")
                    .append(xref)
                    .append("\n%%EOF\n");
            out.writeBytes(body.toString().getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theTimeBudgetCountsCpuTimeNotWaiting() throws Exception {
        PdfLimits.Deadline d = new PdfLimits(1, 1, 1, 1, 50).deadline();
        Thread.sleep(300); // a loaded machine: no CPU for this thread for a while
        d.check(); // still within 50 ms of CPU
        long spin = System.nanoTime() + 2_000_000_000L;
        long x = 0;
        while (System.nanoTime() < spin) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
            try {
                d.check();
            } catch (DocsignException e) {
                assertThat(e.error()).isEqualTo(DocsignError.PDF_RESOURCE_LIMIT);
                assertThat(e.getMessage()).contains("CPU");
                return;
            }
        }
        throw new AssertionError("2 s of CPU did not exhaust a 50 ms budget (" + x + ")");
    }

    @Test
    void anythingAParserThrowsBecomesAStableCode() {
        assertThat(PdfSafety.failure(new StackOverflowError()).error()).isEqualTo(DocsignError.PDF_NESTING_LIMIT);
        assertThat(PdfSafety.failure(new OutOfMemoryError()).error()).isEqualTo(DocsignError.PDF_RESOURCE_LIMIT);
        assertThat(PdfSafety.failure(new IOException("x")).error()).isEqualTo(DocsignError.PDF_CORRUPT);
        assertThat(PdfSafety.failure(new ArrayIndexOutOfBoundsException(-9)).error())
                .isEqualTo(DocsignError.INTERNAL);
    }

    @Test
    void verificationStopsAtItsTimeBudget() {
        PdfLimits noTime = new PdfLimits(64L << 20, 64L << 20, 512L << 20, 256L << 20, 0);
        assertCode(
                () -> new PdfVerifier(List.of(), noTime).verify(SignedSample.get().sealed),
                DocsignError.PDF_RESOURCE_LIMIT);
    }

    /** 256 MiB of zeros in a 256 KiB Flate stream (the default limit is 64 MiB per stream). */
    static byte[] bomb() {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(compressed, new Deflater(9))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                z.write(zeros);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pdf(doc -> {
            try {
                COSStream s = doc.getDocument().createCOSStream();
                try (OutputStream os = s.createRawOutputStream()) {
                    os.write(compressed.toByteArray());
                }
                s.setItem(COSName.FILTER, COSName.FLATE_DECODE);
                doc.getPage(0).getCOSObject().setItem(COSName.CONTENTS, s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void decompressionBomb() {
        byte[] b = bomb();
        assertThat(b.length).isLessThan(4 << 20);
        assertCode(() -> verifier.verify(b), DocsignError.PDF_DECOMPRESSION_BOMB);
        assertCode(() -> MaterialInspector.inspect(b, PdfLimits.DEFAULT), DocsignError.PDF_DECOMPRESSION_BOMB);
    }

    static byte[] withJavaScript() {
        return pdf(doc -> {
            PDActionJavaScript js = new PDActionJavaScript("app.alert('hi');");
            doc.getDocumentCatalog().setOpenAction(js);
        });
    }

    static byte[] withLaunchAction() {
        return pdf(doc -> {
            try {
                PDAnnotationLink link = new PDAnnotationLink();
                link.setRectangle(new PDRectangle(10, 10, 100, 20));
                PDActionLaunch launch = new PDActionLaunch();
                launch.getCOSObject().setString(COSName.F, "calc.exe");
                link.setAction(launch);
                doc.getPage(0).getAnnotations().add(link);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void activeContentInMaterials() {
        assertCode(
                () -> MaterialInspector.inspect(withJavaScript(), PdfLimits.DEFAULT), DocsignError.PDF_ACTIVE_CONTENT);
        assertCode(
                () -> MaterialInspector.inspect(withLaunchAction(), PdfLimits.DEFAULT),
                DocsignError.PDF_ACTIVE_CONTENT);
    }

    @Test
    void activeContentIsAVerifierFinding() {
        VerificationReport r = verifier.verify(withJavaScript());
        assertThat(r.findings()).extracting(Finding::code).contains(Finding.Code.ACTIVE_CONTENT);
        VerificationReport l = verifier.verify(withLaunchAction());
        assertThat(l.findings().toString()).contains("Launch");
    }

    @Test
    void absurdImageDimensions() {
        // IHDR rewritten to claim 100000 x 100000 pixels (CRC fixed up, so only the size is wrong).
        byte[] png = Fixtures.samplePng().clone();
        int ihdr = 16; // width at 16..19, height at 20..23
        byte[] big = {0, 1, (byte) 0x86, (byte) 0xa0};
        System.arraycopy(big, 0, png, ihdr, 4);
        System.arraycopy(big, 0, png, ihdr + 4, 4);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        long v = crc.getValue();
        png[29] = (byte) (v >>> 24);
        png[30] = (byte) (v >>> 16);
        png[31] = (byte) (v >>> 8);
        png[32] = (byte) v;
        assertCode(() -> MaterialInspector.inspect(png, PdfLimits.DEFAULT), DocsignError.MATERIAL_INVALID_IMAGE);
        byte[] broken = Arrays.copyOf(Fixtures.samplePng(), 30);
        assertCode(() -> MaterialInspector.inspect(broken, PdfLimits.DEFAULT), DocsignError.MATERIAL_INVALID_IMAGE);
    }

    @Test
    void validMaterialsPass() {
        assertThat(MaterialInspector.inspect(Fixtures.samplePng(), PdfLimits.DEFAULT))
                .isEqualTo("image/png");
        assertThat(MaterialInspector.inspect(Fixtures.samplePdf(), PdfLimits.DEFAULT))
                .isEqualTo("application/pdf");
    }
}
