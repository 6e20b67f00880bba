package cn.tongban.docsign.verify;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.util.ArrayList;
import java.util.List;

/**
 * The revision structure of a file as its bytes show it, before any parsing: where each revision
 * ends (just after its {@code %%EOF} marker, ISO 32000-1 §7.5.5) and what follows the last one.
 *
 * <p>Bytes after the last {@code %%EOF} are one of three things: nothing (white space), an
 * <em>xref-less append</em> — complete {@code N G obj … endobj} objects without cross-reference data,
 * which a repairing reader may still pick up, so they are a modification and reported as one — or
 * other junk. An object or cross-reference section cut off in the middle is a truncated file.
 *
 * @param ends offsets just after each {@code %%EOF} and its end-of-line, ascending
 * @param tail what follows the last {@code %%EOF}
 * @param appendedObjects for {@link Tail#XREF_LESS_APPEND}, the numbers of the appended objects
 */
record Layout(List<Long> ends, Tail tail, List<String> appendedObjects) {
    /** What follows the last revision. */
    enum Tail {
        /** Nothing but white space. */
        NONE,
        /** Complete objects without cross-reference data. */
        XREF_LESS_APPEND,
        /** Anything else. */
        JUNK
    }

    /** The offset where the last revision ends (what a reader parses). */
    long lastEnd() {
        return ends.get(ends.size() - 1);
    }

    /**
     * Scans {@code pdf}.
     *
     * @throws DocsignException {@code PDF_TRUNCATED} when there is no {@code %%EOF} at all, or the bytes
     *     after the last one are an update cut off in the middle
     */
    static Layout scan(byte[] pdf) {
        List<Long> ends = new ArrayList<>();
        byte[] eof = {'%', '%', 'E', 'O', 'F'};
        outer:
        for (int i = 0; i <= pdf.length - eof.length; i++) {
            if (pdf[i] != '%') {
                continue;
            }
            for (int j = 1; j < eof.length; j++) {
                if (pdf[i + j] != eof[j]) {
                    continue outer;
                }
            }
            int e = i + eof.length;
            if (e < pdf.length && pdf[e] == '\r') {
                e++;
            }
            if (e < pdf.length && pdf[e] == '\n') {
                e++;
            }
            ends.add((long) e);
        }
        if (ends.isEmpty()) {
            throw new DocsignException(DocsignError.PDF_TRUNCATED, "no %%EOF marker");
        }
        int last = ends.get(ends.size() - 1).intValue();
        if (onlyWhitespace(pdf, last, pdf.length)) {
            return new Layout(List.copyOf(ends), Tail.NONE, List.of());
        }
        String tail = new String(pdf, last, pdf.length - last, java.nio.charset.StandardCharsets.ISO_8859_1);
        List<String> objects = new ArrayList<>();
        java.util.regex.Matcher m = OBJ.matcher(tail);
        int pos = 0;
        boolean complete = true;
        while (objects.size() <= 100_000 && m.find(pos)) {
            String name = m.group(1) + " " + m.group(2);
            int close = tail.indexOf("endobj", m.end());
            int afterHeader = m.end();
            if (close < 0 || (m.find(afterHeader) && m.start() < close)) {
                complete = false;
                break;
            }
            objects.add(name);
            pos = close + "endobj".length();
        }
        // Cross-reference parts without a final %%EOF: a save interrupted while writing its xref.
        boolean xrefParts = tail.contains("xref") || tail.contains("trailer");
        if (!complete || xrefParts) {
            throw new DocsignException(
                    DocsignError.PDF_TRUNCATED,
                    "an update after offset " + last + " is cut off" + (complete ? "" : " in an object"));
        }
        if (!objects.isEmpty()) {
            return new Layout(List.copyOf(ends), Tail.XREF_LESS_APPEND, List.copyOf(objects));
        }
        return new Layout(List.copyOf(ends), Tail.JUNK, List.of());
    }

    private static final java.util.regex.Pattern OBJ =
            java.util.regex.Pattern.compile("(\\d{1,10})\\s+(\\d{1,5})\\s+obj\\b");

    static boolean onlyWhitespace(byte[] pdf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = pdf[i];
            if (c != ' ' && c != '\r' && c != '\n' && c != '\t' && c != 0 && c != '\f') {
                return false;
            }
        }
        return true;
    }
}
