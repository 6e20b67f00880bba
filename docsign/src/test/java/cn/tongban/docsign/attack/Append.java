package cn.tongban.docsign.attack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.pdmodel.PDDocument;

/**
 * Writes incremental updates by hand, byte for byte, the way an attacker with a text editor would:
 * object bodies, a classic cross-reference section and a trailer whose /Prev points at the previous
 * one. Nothing here goes through PDFBox's writer, so the updates can be as wrong as a test needs.
 */
final class Append {
    private final byte[] base;
    final long prevXref;
    final long size;
    final String root;
    final String info;
    final String id;

    private Append(byte[] base) {
        this.base = base;
        try (PDDocument doc = Loader.loadPDF(base)) {
            prevXref = doc.getDocument().getStartXref();
            COSDictionary trailer = doc.getDocument().getTrailer();
            size = trailer.getLong(COSName.SIZE);
            root = ref(trailer.getItem(COSName.ROOT));
            info = ref(trailer.getItem(COSName.INFO));
            COSBase ids = trailer.getDictionaryObject(COSName.ID);
            id = ids instanceof org.apache.pdfbox.cos.COSArray a && a.size() == 2
                    ? "[<" + hex(a.getObject(0)) + "> <" + hex(a.getObject(1)) + ">]"
                    : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Append to(byte[] base) {
        return new Append(base);
    }

    /** The base document's catalog, as {@code N G R}. */
    String rootRef() {
        return root;
    }

    /** The object number of the base document's catalog. */
    int rootNumber() {
        return Integer.parseInt(root.split(" ")[0]);
    }

    /** The text of object {@code number} as the base file last defines it ({@code << ... >>}), via PDFBox. */
    static String objectText(byte[] pdf, int number) {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            COSObjectKey key = new COSObjectKey(number, 0);
            Long off = doc.getDocument().getXrefTable().get(key);
            if (off == null || off < 0) {
                throw new IllegalArgumentException("object " + number + " is not at a plain offset: " + off);
            }
            String text = new String(pdf, StandardCharsets.ISO_8859_1);
            int start = text.indexOf("obj", off.intValue()) + 3;
            int end = text.indexOf("endobj", start);
            return text.substring(start, end).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One update defining {@code objects} (number → body without {@code obj/endobj}). */
    byte[] update(Map<Integer, String> objects) {
        return update(objects, null);
    }

    /** Like {@link #update(Map)} with {@code extraTrailer} (e.g. {@code /Foo 1}) added to the trailer. */
    byte[] update(Map<Integer, String> objects, String extraTrailer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(base.length + 64 * objects.size() + 256);
        out.writeBytes(base);
        if (base[base.length - 1] != '\n') {
            out.write('\n');
        }
        Map<Integer, Long> offsets = new TreeMap<>();
        for (Map.Entry<Integer, String> e : new TreeMap<>(objects).entrySet()) {
            offsets.put(e.getKey(), (long) out.size());
            out.writeBytes(latin(e.getKey() + " 0 obj\n" + e.getValue() + "\nendobj\n"));
        }
        long xref = out.size();
        StringBuilder x = new StringBuilder("xref\n0 1\n0000000000 65535 f \n");
        int run = -1;
        StringBuilder entries = new StringBuilder();
        int count = 0;
        long max = size;
        for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
            if (run >= 0 && e.getKey() != run + count) {
                x.append(run).append(' ').append(count).append('\n').append(entries);
                entries.setLength(0);
                count = 0;
                run = -1;
            }
            if (run < 0) {
                run = e.getKey();
            }
            entries.append(String.format("%010d 00000 n \n", e.getValue()));
            count++;
            max = Math.max(max, e.getKey() + 1L);
        }
        if (count > 0) {
            x.append(run).append(' ').append(count).append('\n').append(entries);
        }
        x.append("trailer\n<< /Size ").append(max).append(" /Root ").append(root);
        if (info != null) {
            x.append(" /Info ").append(info);
        }
        if (id != null) {
            x.append(" /ID ").append(id);
        }
        x.append(" /Prev ").append(prevXref);
        if (extraTrailer != null) {
            x.append(' ').append(extraTrailer);
        }
        x.append(" >>\nstartxref\n").append(xref).append("\n%%EOF\n");
        out.writeBytes(latin(x.toString()));
        return out.toByteArray();
    }

    static byte[] latin(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String ref(COSBase b) {
        if (b instanceof COSObject o) {
            return o.getKey().getNumber() + " " + o.getKey().getGeneration() + " R";
        }
        if (b instanceof COSDictionary d && d.getKey() != null) {
            return d.getKey().getNumber() + " " + d.getKey().getGeneration() + " R";
        }
        return null;
    }

    private static String hex(COSBase b) {
        return b instanceof org.apache.pdfbox.cos.COSString s ? s.toHexString() : "";
    }
}
