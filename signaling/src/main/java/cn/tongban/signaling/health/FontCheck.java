package cn.tongban.signaling.health;

import cn.tongban.docsign.pdf.CjkFont;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The CJK font the application PDF and seals are drawn with opens and has the characters of a hall's name.
 * Without it every signing ends in {@code FONT_UNAVAILABLE}: {@link Level#DEGRADED} (calls still work).
 */
public final class FontCheck implements HealthCheck {
    private static final String SAMPLE = "通办窗口常州市武进区政务服务中心电子印章";

    private final Supplier<CjkFont> font;

    /** @param font opens the font signing uses (production: {@link CjkFont#openConfigured()}) */
    public FontCheck(Supplier<CjkFont> font) {
        this.font = font;
    }

    @Override
    public String name() {
        return "font";
    }

    @Override
    public Level timeoutLevel() {
        return Level.DEGRADED;
    }

    @Override
    public Duration period() {
        return Duration.ofMinutes(10);
    }

    @Override
    public Result check() throws Exception {
        try (CjkFont font = this.font.get()) {
            int missing =
                    (int) SAMPLE.codePoints().filter(cp -> !font.canDisplay(cp)).count();
            return missing == 0
                    ? Result.ok(font.path().toString())
                    : new Result(
                            Level.DEGRADED, font.path() + " lacks " + missing + " of the sample's Chinese characters");
        } catch (RuntimeException e) {
            return new Result(Level.DEGRADED, "signing is off: " + e.getMessage());
        }
    }
}
