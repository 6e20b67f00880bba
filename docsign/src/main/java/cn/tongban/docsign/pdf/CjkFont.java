package cn.tongban.docsign.pdf;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.awt.geom.AffineTransform;
import java.awt.geom.GeneralPath;
import java.awt.geom.PathIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.fontbox.ttf.GlyphData;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * A CJK TrueType font (glyf outlines — PDFBox cannot embed CFF-based CJK fonts) loaded from a
 * configurable path. Used two ways: embedded as a subset for the form text, and as vector glyph
 * outlines for signature appearances (so appearances carry no font at all).
 *
 * <p>Path resolution: constructor argument, else system property {@code tongban.font}, else
 * environment variable {@code TONGBAN_FONT}, else Debian's {@code fonts-wqy-microhei}. A
 * {@code .ttc} collection is opened by face name ({@code tongban.font.name}, default {@code
 * WenQuanYiMicroHei}).
 *
 * <p>Instances are thread-safe; the font file stays open until {@link #close()}.
 */
public final class CjkFont implements AutoCloseable {
    /** Debian package {@code fonts-wqy-microhei}. */
    public static final Path DEFAULT_PATH = Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");

    public static final String DEFAULT_FACE = "WenQuanYiMicroHei";

    private final Path path;
    private final TrueTypeFont font;
    private final TrueTypeCollection collection;
    private final Map<Integer, GeneralPath> outlines = new ConcurrentHashMap<>();
    private final float unitsPerEm;
    private final org.apache.fontbox.ttf.CmapLookup cmap;

    private CjkFont(Path path, String face) {
        this.path = path;
        if (!Files.isReadable(path)) {
            throw new DocsignException(
                    DocsignError.FONT_UNAVAILABLE,
                    path
                            + " is missing; install Debian package fonts-wqy-microhei or set -Dtongban.font=/path/to/cjk.ttf");
        }
        try {
            if (path.toString().toLowerCase(Locale.ROOT).endsWith(".ttc")) {
                collection = new TrueTypeCollection(path.toFile());
                font = collection.getFontByName(face);
                if (font == null) {
                    collection.close();
                    throw new DocsignException(DocsignError.FONT_UNAVAILABLE, "no face " + face + " in " + path);
                }
            } else {
                collection = null;
                font = new TTFParser().parse(new RandomAccessReadBufferedFile(path.toFile()));
            }
            if (font.getGlyph() == null) {
                throw new DocsignException(DocsignError.FONT_UNAVAILABLE, path + " has no TrueType outlines (CFF?)");
            }
            unitsPerEm = font.getUnitsPerEm();
            // Looked up once: fontbox rebuilds the (GSUB-aware) lookup on every call otherwise.
            cmap = font.getUnicodeCmapLookup();
        } catch (IOException e) {
            throw new DocsignException(DocsignError.FONT_UNAVAILABLE, path.toString(), e);
        }
    }

    /** Opens the font at {@code path} (a .ttf, or a .ttc with face {@code face}). */
    public static CjkFont open(Path path, String face) {
        return new CjkFont(path, face == null ? DEFAULT_FACE : face);
    }

    /** Opens the configured font (system property, environment, then the Debian default). */
    public static CjkFont openConfigured() {
        String p = System.getProperty("tongban.font", System.getenv("TONGBAN_FONT"));
        return open(p == null || p.isBlank() ? DEFAULT_PATH : Path.of(p), System.getProperty("tongban.font.name"));
    }

    /** The font file in use. */
    public Path path() {
        return path;
    }

    /** Embeds the font into {@code doc} as a subset (subsetting happens when the document is saved). */
    public synchronized PDType0Font embedSubset(PDDocument doc) throws IOException {
        return PDType0Font.load(doc, font, true);
    }

    /** Whether the font has a glyph for {@code codePoint}. */
    public boolean canDisplay(int codePoint) {
        return gid(codePoint) != 0;
    }

    /** Advance width of {@code text} at {@code size} points, for layout of vector text. */
    public float width(String text, float size) {
        float w = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            w += advance(cp);
        }
        return w * size / unitsPerEm;
    }

    private synchronized int gid(int codePoint) {
        return cmap.getGlyphId(codePoint);
    }

    private synchronized float advance(int codePoint) {
        try {
            return font.getAdvanceWidth(gid(codePoint));
        } catch (IOException e) {
            return unitsPerEm / 2f;
        }
    }

    private GeneralPath outline(int codePoint) {
        int gid = gid(codePoint);
        return outlines.computeIfAbsent(gid, g -> {
            synchronized (this) {
                try {
                    GlyphData data = font.getGlyph().getGlyph(g);
                    return data == null ? new GeneralPath() : data.getPath();
                } catch (IOException e) {
                    return new GeneralPath();
                }
            }
        });
    }

    /**
     * Draws {@code text} as filled vector outlines with its baseline origin at the current user
     * space origin transformed by {@code at} (font units are scaled to {@code size} points).
     * Returns the advance in points.
     */
    public float fillText(PDPageContentStream cs, String text, float size, AffineTransform at) throws IOException {
        float scale = size / unitsPerEm;
        float x = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            AffineTransform glyph = new AffineTransform(at);
            glyph.translate(x * scale, 0);
            glyph.scale(scale, scale);
            appendPath(cs, outline(cp), glyph);
            x += advance(cp);
        }
        cs.fill();
        return x * scale;
    }

    /** Draws one glyph centred horizontally on the origin of {@code at}. */
    public void fillGlyphCentered(PDPageContentStream cs, int codePoint, float size, AffineTransform at)
            throws IOException {
        float scale = size / unitsPerEm;
        AffineTransform glyph = new AffineTransform(at);
        glyph.translate(-advance(codePoint) * scale / 2, 0);
        glyph.scale(scale, scale);
        appendPath(cs, outline(codePoint), glyph);
    }

    static void appendPath(PDPageContentStream cs, GeneralPath path, AffineTransform at) throws IOException {
        PathIterator it = path.getPathIterator(at);
        float[] c = new float[6];
        float lastX = 0;
        float lastY = 0;
        while (!it.isDone()) {
            switch (it.currentSegment(c)) {
                case PathIterator.SEG_MOVETO -> {
                    cs.moveTo(c[0], c[1]);
                    lastX = c[0];
                    lastY = c[1];
                }
                case PathIterator.SEG_LINETO -> {
                    cs.lineTo(c[0], c[1]);
                    lastX = c[0];
                    lastY = c[1];
                }
                case PathIterator.SEG_QUADTO -> {
                    // PDF has only cubic Béziers: elevate the quadratic (TrueType) segment.
                    float c1x = lastX + 2f / 3f * (c[0] - lastX);
                    float c1y = lastY + 2f / 3f * (c[1] - lastY);
                    float c2x = c[2] + 2f / 3f * (c[0] - c[2]);
                    float c2y = c[3] + 2f / 3f * (c[1] - c[3]);
                    cs.curveTo(c1x, c1y, c2x, c2y, c[2], c[3]);
                    lastX = c[2];
                    lastY = c[3];
                }
                case PathIterator.SEG_CUBICTO -> {
                    cs.curveTo(c[0], c[1], c[2], c[3], c[4], c[5]);
                    lastX = c[4];
                    lastY = c[5];
                }
                case PathIterator.SEG_CLOSE -> cs.closePath();
                default -> throw new IllegalStateException();
            }
            it.next();
        }
    }

    @Override
    public void close() throws IOException {
        if (collection != null) {
            collection.close();
        } else {
            font.close();
        }
    }
}
