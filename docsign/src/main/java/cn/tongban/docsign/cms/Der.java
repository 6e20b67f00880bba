package cn.tongban.docsign.cms;

import java.util.Arrays;

/** DER helpers. */
public final class Der {
    private Der() {}

    /**
     * Cuts a signature's {@code /Contents} down to its DER object: the hex string is zero-padded to
     * the reserved size, so the length comes from the outer tag's length octets (X.690 §8.1.3).
     * Returns the input unchanged when it is not a definite-length DER object.
     */
    public static byte[] trim(byte[] contents) {
        if (contents.length < 2 || contents[0] != 0x30) {
            return contents;
        }
        int first = contents[1] & 0xff;
        long len;
        int header;
        if (first < 0x80) {
            len = first;
            header = 2;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || contents.length < 2 + n) {
                return contents;
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (contents[2 + i] & 0xff);
            }
            header = 2 + n;
        }
        long total = header + len;
        if (total > contents.length) {
            return contents;
        }
        return Arrays.copyOf(contents, (int) total);
    }
}
