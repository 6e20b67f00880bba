package cn.tongban.e2e;

import com.microsoft.playwright.Page;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Tells the fake cameras of {@link BrowserFixture#withDocumentCamera} apart by their corner marks: the face
 * camera ({@code fake_device_0}) has four bright green squares in the corners, the document camera
 * ({@code fake_device_2}) yellow-to-black ones (red as strong as green), both on a green background. The
 * marks survive VP8, the bridge and JPEG (measured at 1920×1080: green minus red over the corners ≥ 150
 * against ≤ 5), at every moment (unlike the pac-man, which grows and shrinks).
 */
final class Stills {
    private Stills() {}

    /** Mean red, green, blue, and the corners' mean green minus red, of an image file (JPEG, PNG). */
    static double[] measure(byte[] image) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(image));
        if (img == null) {
            throw new AssertionError("not an image: " + image.length + " bytes");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        double[] sum = new double[3];
        for (int p : px) {
            sum[0] += (p >> 16) & 0xff;
            sum[1] += (p >> 8) & 0xff;
            sum[2] += p & 0xff;
        }
        int cw = Math.max(1, w / 40);
        int ch = Math.max(1, h / 40);
        double corner = 0;
        int n = 0;
        for (int[] origin : new int[][] {{0, 0}, {w - cw, 0}, {0, h - ch}, {w - cw, h - ch}}) {
            for (int y = origin[1]; y < origin[1] + ch; y++) {
                for (int x = origin[0]; x < origin[0] + cw; x++) {
                    int p = px[y * w + x];
                    corner += ((p >> 8) & 0xff) - ((p >> 16) & 0xff);
                    n++;
                }
            }
        }
        double all = (double) w * h;
        return new double[] {sum[0] / all, sum[1] / all, sum[2] / all, corner / n};
    }

    /** The same measures of the frame a {@code <video>} of the page shows now. */
    static double[] measure(Page page, String videoSelector) throws IOException {
        String png = (String) page.evaluate(
                "(sel) => { const v = document.querySelector(sel); const c = document.createElement('canvas');"
                        + " c.width = v.videoWidth; c.height = v.videoHeight; c.getContext('2d').drawImage(v, 0, 0);"
                        + " return c.toDataURL('image/png').split(',')[1]; }",
                videoSelector);
        return measure(java.util.Base64.getDecoder().decode(png));
    }

    /** The document camera: a green picture whose corner marks have as much red as green. */
    static boolean looksLikeDocumentCamera(double[] m) {
        return m[1] > 90 && m[0] < 40 && m[3] < 30;
    }

    /** The face camera: a green picture with bright green corner marks. */
    static boolean looksLikeFaceCamera(double[] m) {
        return m[1] > 90 && m[0] < 40 && m[3] > 100;
    }

    static String format(double[] m) {
        return String.format("rgb(%.0f, %.0f, %.0f), corners green−red %.0f", m[0], m[1], m[2], m[3]);
    }
}
