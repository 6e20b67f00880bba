package cn.tongban.signaling.util;

import static org.assertj.core.api.Assertions.assertThat;

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
}
