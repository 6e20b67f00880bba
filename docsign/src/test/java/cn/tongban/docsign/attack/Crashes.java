package cn.tongban.docsign.attack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/** Hostile files aimed at the parser and the verifier's own walks rather than at the signatures. */
final class Crashes {
    private Crashes() {}

    /**
     * {@code base} plus an update whose catalog links a chain of {@code n} dictionaries, each
     * referring to the next ({@code << /Next k+1 0 R >>}): a recursive walk needs one stack frame
     * per object.
     */
    static byte[] deepChain(byte[] base, int n) {
        Append a = Append.to(base);
        Map<Integer, String> objects = new LinkedHashMap<>();
        int first = (int) a.size;
        for (int i = 0; i < n; i++) {
            objects.put(first + i, i + 1 < n ? "<< /Next " + (first + i + 1) + " 0 R >>" : "<< /End true >>");
        }
        objects.put(a.rootNumber(), withKey(Append.objectText(base, a.rootNumber()), "/Chain " + first + " 0 R"));
        return a.update(objects);
    }

    /**
     * {@code base} plus an update whose catalog has a DSS listing one stream (4 MiB of zeros,
     * deflated to a few KiB) {@code times} times in each of /Certs, /OCSPs and /CRLs.
     */
    static byte[] dssBomb(byte[] base, int times) {
        Append a = Append.to(base);
        byte[] deflated = deflatedZeros(4 << 20);
        int stream = (int) a.size;
        int dss = stream + 1;
        StringBuilder refs = new StringBuilder("[");
        for (int i = 0; i < times; i++) {
            refs.append(stream).append(" 0 R ");
        }
        refs.append(']');
        Map<Integer, String> objects = new LinkedHashMap<>();
        objects.put(
                stream,
                "<< /Length " + deflated.length + " /Filter /FlateDecode >>\nstream\n"
                        + new String(deflated, java.nio.charset.StandardCharsets.ISO_8859_1) + "\nendstream");
        objects.put(dss, "<< /Certs " + refs + " /OCSPs " + refs + " /CRLs " + refs + " >>");
        objects.put(a.rootNumber(), withKey(Append.objectText(base, a.rootNumber()), "/DSS " + dss + " 0 R"));
        return a.update(objects);
    }

    /** {@code base} plus a signature field whose /ByteRange sums past {@link Long#MAX_VALUE}. */
    static byte[] byteRangeOverflow(byte[] base) {
        Append a = Append.to(base);
        int sig = (int) a.size;
        int field = sig + 1;
        int acro = field + 1;
        Map<Integer, String> objects = new LinkedHashMap<>();
        objects.put(
                sig,
                "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
                        + " /ByteRange [0 496 9223372036854775800 100] /Contents <3082000a> >>");
        objects.put(field, "<< /FT /Sig /T (overflow) /V " + sig + " 0 R /Rect [0 0 0 0] /Subtype /Widget >>");
        objects.put(acro, "<< /Fields [" + field + " 0 R] /SigFlags 3 >>");
        String catalog = Append.objectText(base, a.rootNumber()).replaceAll("/AcroForm\\s+\\d+ \\d+ R", "");
        objects.put(a.rootNumber(), withKey(catalog, "/AcroForm " + acro + " 0 R"));
        return a.update(objects);
    }

    /** Adds {@code entry} to the top-level dictionary {@code << ... >>} of an object's text. */
    static String withKey(String dictText, String entry) {
        int end = dictText.lastIndexOf(">>");
        return dictText.substring(0, end) + " " + entry + " >>";
    }

    static byte[] deflatedZeros(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(9))) {
            z.write(new byte[n]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
