package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out) {}

    private static Run run(Object command, String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(sw));
        int exit = cl.execute(args);
        return new Run(exit, sw.toString());
    }

    @Test
    void demoApplicationVerifiesWithItsRootAndNotWithout() throws Exception {
        Path pdf = dir.resolve("demo.pdf");
        Run demo = run(
                new DemoApplicationCommand(),
                "--out",
                pdf.toString(),
                "--data-dir",
                dir.resolve("data").toString());
        assertThat(demo.exit()).as(demo.out()).isZero();
        Path root = dir.resolve("demo.pdf.root.pem");
        assertThat(root).exists();

        Run ok = run(new VerifyCommand(), pdf.toString(), "--trust", root.toString());
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("\"verdict\" : \"VALID\"", "B-LTA");

        Path anchors = Files.createDirectories(dir.resolve("anchors"));
        Files.copy(root, anchors.resolve("root.pem"));
        assertThat(run(new VerifyCommand(), pdf.toString(), "--trust", anchors.toString())
                        .exit())
                .isZero();

        Run untrusted = run(new VerifyCommand(), pdf.toString());
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.out()).contains("CHAIN_UNTRUSTED");
    }

    @Test
    void unreadableInputExitsTwo() throws Exception {
        Path junk = dir.resolve("junk.pdf");
        Files.writeString(junk, "not a pdf");
        Run r = run(new VerifyCommand(), junk.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("\"error\" : \"PDF_CORRUPT\"");
        assertThat(run(new VerifyCommand(), dir.resolve("missing.pdf").toString())
                        .exit())
                .isEqualTo(2);
    }

    /**
     * The issue's crash cases end as a JSON report with a stable code: exit 2 for a file that cannot be
     * verified within the limits (a 100 000-object chain), exit 1 for one that is verified and found bad
     * (a /ByteRange that sums past Long.MAX_VALUE).
     */
    @Test
    void hostileFilesEndAsJsonNotAsStackTraces() throws Exception {
        Path pdf = dir.resolve("demo.pdf");
        assertThat(run(
                                new DemoApplicationCommand(),
                                "--out",
                                pdf.toString(),
                                "--data-dir",
                                dir.resolve("data").toString())
                        .exit())
                .isZero();
        byte[] signed = Files.readAllBytes(pdf);
        String root = dir.resolve("demo.pdf.root.pem").toString();

        Path deep = dir.resolve("deep.pdf");
        Files.write(deep, append(signed, chain(100_000)));
        Run d = run(new VerifyCommand(), deep.toString(), "--trust", root);
        assertThat(d.exit()).as(d.out()).isEqualTo(2);
        assertThat(d.out()).contains("\"error\" : \"PDF_NESTING_LIMIT\"").doesNotContain("\tat ");

        Path overflow = dir.resolve("overflow.pdf");
        Files.write(
                overflow,
                append(
                        signed,
                        java.util.Map.of(
                                900_000,
                                        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
                                                + " /ByteRange [0 496 9223372036854775800 100] /Contents <3082000a> >>",
                                900_001, "<< /FT /Sig /T (overflow) /V 900000 0 R /Rect [0 0 0 0] /Subtype /Widget >>",
                                900_002, "<< /Fields [900001 0 R] /SigFlags 3 >>")));
        Run o = run(new VerifyCommand(), overflow.toString(), "--trust", root);
        assertThat(o.exit()).as(o.out()).isEqualTo(1);
        assertThat(o.out()).contains("BYTE_RANGE_BEYOND_FILE");
    }

    /** A chain of {@code n} dictionaries, each naming the next, hung from the catalog as /Chain. */
    private static java.util.Map<Integer, String> chain(int n) {
        java.util.Map<Integer, String> objects = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            objects.put(1_000_000 + i, "<< /Next " + (1_000_000 + i + 1) + " 0 R >>");
        }
        return objects;
    }

    /**
     * {@code pdf} plus one hand-written incremental update with {@code objects}, whose catalog gains
     * /Chain (1000000 0 R) or, with object 900002, /AcroForm (900002 0 R).
     */
    private static byte[] append(byte[] pdf, java.util.Map<Integer, String> objects) throws Exception {
        try (org.apache.pdfbox.pdmodel.PDDocument doc = org.apache.pdfbox.Loader.loadPDF(pdf)) {
            org.apache.pdfbox.cos.COSObject rootRef = (org.apache.pdfbox.cos.COSObject)
                    doc.getDocument().getTrailer().getItem(org.apache.pdfbox.cos.COSName.ROOT);
            long root = rootRef.getKey().getNumber();
            long pages = ((org.apache.pdfbox.cos.COSObject)
                            doc.getDocumentCatalog().getCOSObject().getItem(org.apache.pdfbox.cos.COSName.PAGES))
                    .getKey()
                    .getNumber();
            java.util.Map<Integer, String> all = new java.util.TreeMap<>(objects);
            String extra = objects.containsKey(900_002) ? " /AcroForm 900002 0 R" : " /Chain 1000000 0 R";
            all.put((int) root, "<< /Type /Catalog /Pages " + pages + " 0 R" + extra + " >>");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.writeBytes(pdf);
            out.write('\n');
            java.util.Map<Integer, Long> offsets = new java.util.TreeMap<>();
            for (var e : all.entrySet()) {
                offsets.put(e.getKey(), (long) out.size());
                out.writeBytes((e.getKey() + " 0 obj\n" + e.getValue() + "\nendobj\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            long xref = out.size();
            StringBuilder x = new StringBuilder("xref\n0 1\n0000000000 65535 f \n");
            for (var e : offsets.entrySet()) {
                x.append(e.getKey()).append(" 1\n").append(String.format("%010d 00000 n \n", e.getValue()));
            }
            int max = java.util.Collections.max(all.keySet()) + 1;
            x.append("trailer\n<< /Size ")
                    .append(max)
                    .append(" /Root ")
                    .append(root)
                    .append(" 0 R /Prev ")
                    .append(doc.getDocument().getStartXref())
                    .append(" >>\nstartxref\n")
                    .append(xref)
                    .append("\n%%EOF\n");
            out.writeBytes(x.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return out.toByteArray();
        }
    }
}
