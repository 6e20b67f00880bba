package cn.tongban.docsign.pdf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CjkFontTest {
    @TempDir
    Path dir;

    @Test
    void missingFontIsAClearError() {
        assertThatThrownBy(() -> CjkFont.open(dir.resolve("nowhere.ttf"), null))
                .isInstanceOfSatisfying(DocsignException.class, e -> {
                    assertThat(e.error()).isEqualTo(DocsignError.FONT_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("fonts-wqy-microhei", "tongban.font");
                });
    }

    @Test
    void notAFontIsAClearError() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.ttf"), "not a font");
        assertThatThrownBy(() -> CjkFont.open(junk, null))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.FONT_UNAVAILABLE));
    }

    @Test
    void configuredFontCoversChineseText() {
        CjkFont f = Fixtures.font();
        for (int cp : "常州市武进区政务服务中心申请表".codePoints().toArray()) {
            assertThat(f.canDisplay(cp)).isTrue();
        }
        assertThat(f.width("中文", 10)).isGreaterThan(15);
    }
}
