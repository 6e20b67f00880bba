package cn.tongban.signaling.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaskTest {
    @ParameterizedTest
    @CsvSource({"张秀英, 张**", "李雷, 李*", "欧阳建国人, 欧****", "Smith, S****", "𠀀字, 𠀀*"})
    void names(String in, String out) {
        assertThat(Mask.name(in)).isEqualTo(out);
    }

    @ParameterizedTest
    @CsvSource({"13812345678, 138****5678", "123, ****"})
    void mobiles(String in, String out) {
        assertThat(Mask.mobile(in)).isEqualTo(out);
    }

    @Test
    void clientChosenTextReachesALogLineWithoutControlCharacters() {
        // A user name typed at sign-in that would forge a second log line and recolour the terminal.
        String typed = "wujin01\n2026-12-07 INFO Clerk admin signed in\u001b[31m\u202e";
        String shown = Mask.printable(typed);
        assertThat(shown).doesNotContain("\n", "\u001b", "\u202e");
        assertThat(shown).startsWith("wujin01\\u000a2026-12-07").contains("\\u001b[31m", "\\u202e");
        assertThat(Mask.printable("王丽")).isEqualTo("王丽");
        assertThat(Mask.printable("x".repeat(100))).hasSize(65).endsWith("…");
        assertThat(Mask.printable(null)).isEmpty();
    }
}
