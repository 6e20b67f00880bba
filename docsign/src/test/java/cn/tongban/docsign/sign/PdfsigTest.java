package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Poppler's pdfsig, a validator we did not write, must accept every signature. */
class PdfsigTest {
    @Test
    void pdfsigReportsEverySignatureValid() throws Exception {
        SignedSample s = SignedSample.get();
        String out = pdfsig(s.file);
        // One block per signature; poppler 22 verifies CAdES signatures but reports document
        // time-stamps (ETSI.RFC3161) as type "unknown" without verifying them.
        String[] blocks = out.split("Signature #");
        assertThat(blocks).as(out).hasSize(5); // preamble + applicant, clerk, seal, document time-stamp
        int cades = 0;
        for (int i = 1; i < blocks.length; i++) {
            if (blocks[i].contains("Signature Type: ETSI.CAdES.detached")) {
                assertThat(blocks[i]).as(out).contains("Signature Validation: Signature is Valid.");
                cades++;
            }
        }
        assertThat(cades).isEqualTo(3);
        assertThat(blocks[1]).contains("Signature Field Name: applicant", "张晓梅");
        assertThat(blocks[2]).contains("Signature Field Name: clerk", "李建国");
        assertThat(blocks[3]).contains("Signature Field Name: hallSeal");
        assertThat(blocks[4]).contains("Tongban TSA", "Total document signed");
    }

    @Test
    void pdfsigNoticesATamperedByte() throws Exception {
        SignedSample s = SignedSample.get();
        byte[] b = s.sealed.clone();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int i = text.indexOf("CreatorTool>Tongban");
        b[i + 12] = (byte) 't'; // XMP, inside the first revision, covered by every signature
        Path f = Files.createTempFile("tampered", ".pdf");
        Files.write(f, b);
        String out = pdfsig(f);
        assertThat(out).contains("Signature Validation: Digest Mismatch.");
    }

    static String pdfsig(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pdfsig", "-nocert", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
