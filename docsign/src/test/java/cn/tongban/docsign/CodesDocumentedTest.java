package cn.tongban.docsign;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.Finding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every stable code is documented in docsign/README.md, with its severity for findings. */
class CodesDocumentedTest {
    private static String readme() throws Exception {
        return Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    }

    @Test
    void everyErrorCodeIsInTheReadme() throws Exception {
        String readme = readme();
        for (DocsignError e : DocsignError.values()) {
            assertThat(readme).as(e.code()).contains("`" + e.code() + "`");
        }
    }

    @Test
    void everyFindingCodeIsInTheReadmeWithItsSeverity() throws Exception {
        String readme = readme();
        for (Finding.Code c : Finding.Code.values()) {
            assertThat(readme)
                    .as(c.name())
                    .contains("| `" + c.name() + "` | " + c.severity().name() + " |");
        }
    }
}
