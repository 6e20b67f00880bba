package cn.tongban.docsign.pdf;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;

/**
 * Opens untrusted PDFs within a {@link PdfLimits} budget and reports the failures of
 * {@link DocsignError} instead of parser exceptions: size cap, header and trailer checks, a bounded
 * pre-scan of every Flate stream (decompression bombs are found before PDFBox touches them),
 * encryption, and active content (JavaScript, launch and similar actions).
 */
public final class PdfSafety {
    private static final Set<String> ACTIVE_ACTIONS =
            Set.of("JavaScript", "Launch", "ImportData", "Rendition", "GoToE", "SubmitForm", "Sound", "Movie");
    /** Most objects the active-content walk visits. */
    static final int MAX_WALK = 1_000_000;
    /** Deepest nesting the active-content walk follows (a linked list counts one level per item). */
    static final int MAX_DEPTH = 25_000;

    private PdfSafety() {}

    /** Checks the raw bytes (size, header, trailer, bombs) and parses them; the caller closes. */
    public static PDDocument load(byte[] pdf, PdfLimits limits) {
        return load(pdf, limits, true);
    }

    /**
     * Like {@link #load(byte[], PdfLimits)}; {@code allStreams == false} pre-scans only the streams
     * the parser decodes (for callers that never decode page content, fonts or images: signing,
     * verification).
     */
    public static PDDocument load(byte[] pdf, PdfLimits limits, boolean allStreams) {
        checkBytes(pdf, limits, allStreams);
        return parse(new RandomAccessReadBuffer(pdf), limits);
    }

    /** Like {@link #load} and additionally rejects active content. */
    public static PDDocument loadPassive(byte[] pdf, PdfLimits limits) {
        PdfLimits.Deadline deadline = limits.deadline();
        PDDocument doc = load(pdf, limits);
        List<String> active;
        try {
            active = activeContent(doc, deadline);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            closeQuietly(doc);
            throw failure(e);
        }
        if (!active.isEmpty()) {
            closeQuietly(doc);
            throw new DocsignException(DocsignError.PDF_ACTIVE_CONTENT, String.join(", ", active));
        }
        return doc;
    }

    /** Size, header, trailer and decompression checks on the raw bytes, without parsing. */
    public static void checkBytes(byte[] pdf, PdfLimits limits) {
        checkBytes(pdf, limits, true);
    }

    /**
     * Like {@link #checkBytes(byte[], PdfLimits)}; with {@code allStreams == false} only object
     * and cross-reference streams (the ones the parser itself decodes) are inflated — enough for
     * callers that never decode other streams, such as the verifier.
     */
    public static void checkBytes(byte[] pdf, PdfLimits limits, boolean allStreams) {
        checkSizeAndHeader(pdf, limits);
        int tail = Math.max(0, pdf.length - 1024);
        if (indexOf(pdf, "%%EOF".getBytes(StandardCharsets.US_ASCII), tail, pdf.length) < 0
                || indexOf(pdf, "startxref".getBytes(StandardCharsets.US_ASCII), tail, pdf.length) < 0) {
            throw new DocsignException(DocsignError.PDF_TRUNCATED, "no startxref/%%EOF at the end of the file");
        }
        scanFlateStreams(pdf, limits, allStreams);
    }

    /**
     * Size, header and decompression checks, without the trailer check: for the verifier, which
     * reads the revision structure itself and reports bytes after the last {@code %%EOF} as a
     * finding rather than refusing the file.
     */
    public static void checkContent(byte[] pdf, PdfLimits limits) {
        checkSizeAndHeader(pdf, limits);
        scanFlateStreams(pdf, limits, true);
    }

    private static void checkSizeAndHeader(byte[] pdf, PdfLimits limits) {
        if (pdf.length > limits.maxFileBytes()) {
            throw new DocsignException(
                    DocsignError.PDF_TOO_LARGE, pdf.length + " bytes > " + limits.maxFileBytes() + " bytes");
        }
        if (indexOf(pdf, "%PDF-".getBytes(StandardCharsets.US_ASCII), 0, Math.min(pdf.length, 1024)) < 0) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, "no %PDF- header");
        }
    }

    /**
     * Parses the first {@code length} bytes of {@code pdf} (one revision of an incrementally updated
     * file) without copying them; the caller has checked the content and closes the document.
     */
    public static PDDocument open(byte[] pdf, long length, PdfLimits limits) {
        if (length < 0 || length > pdf.length) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, "revision end " + length + " outside the file");
        }
        return parse(new RandomAccessReadBuffer(java.nio.ByteBuffer.wrap(pdf).slice(0, (int) length)), limits);
    }

    /** Parses checked bytes within the parser's memory limit; every failure is a stable {@code PDF_*} code. */
    private static PDDocument parse(RandomAccessReadBuffer in, PdfLimits limits) {
        PDDocument doc;
        try {
            doc = Loader.loadPDF(
                    in,
                    "",
                    null,
                    null,
                    MemoryUsageSetting.setupMainMemoryOnly(limits.maxParserMemoryBytes()).streamCache);
        } catch (InvalidPasswordException e) {
            throw new DocsignException(DocsignError.PDF_ENCRYPTED, "password protected", e);
        } catch (IOException e) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DocsignException(DocsignError.PDF_CORRUPT, String.valueOf(e), e);
        } catch (StackOverflowError | OutOfMemoryError e) {
            throw failure(e);
        }
        if (doc.isEncrypted()) {
            closeQuietly(doc);
            throw new DocsignException(DocsignError.PDF_ENCRYPTED, null);
        }
        return doc;
    }

    /**
     * Inflates every stream that looks zlib-compressed into a discard buffer, counting output.
     * Runs in time linear in the (capped) output and constant memory.
     */
    private static void scanFlateStreams(byte[] pdf, PdfLimits limits, boolean allStreams) {
        byte[] kw = "stream".getBytes(StandardCharsets.US_ASCII);
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        int i = 0;
        Inflater inflater = new Inflater();
        try {
            while ((i = indexOf(pdf, kw, i, pdf.length)) >= 0) {
                int start = i + kw.length;
                i = start;
                if (isEndstream(pdf, start)) {
                    continue;
                }
                if (start < pdf.length && pdf[start] == '\r') {
                    start++;
                }
                if (start < pdf.length && pdf[start] == '\n') {
                    start++;
                } else {
                    continue;
                }
                // zlib header: CMF 0x78 and (CMF*256+FLG) % 31 == 0 (RFC 1950 §2.2).
                if (start + 2 > pdf.length
                        || (pdf[start] & 0x0f) != 8
                        || (((pdf[start] & 0xff) << 8) | (pdf[start + 1] & 0xff)) % 31 != 0) {
                    continue;
                }
                if (!allStreams && !isParserStream(pdf, i - kw.length)) {
                    continue;
                }
                inflater.reset();
                inflater.setInput(pdf, start, pdf.length - start);
                long produced = 0;
                try {
                    while (!inflater.finished() && !inflater.needsInput()) {
                        int n = inflater.inflate(sink);
                        if (n == 0 && (inflater.needsDictionary() || inflater.needsInput())) {
                            break;
                        }
                        produced += n;
                        if (produced > limits.maxStreamDecodedBytes()
                                || total + produced > limits.maxTotalDecodedBytes()) {
                            throw new DocsignException(
                                    DocsignError.PDF_DECOMPRESSION_BOMB,
                                    "stream at offset " + start + " expands beyond "
                                            + Math.min(limits.maxStreamDecodedBytes(), limits.maxTotalDecodedBytes())
                                            + " bytes");
                        }
                    }
                } catch (DataFormatException e) {
                    // Not a valid zlib stream after all; PDFBox will judge it.
                }
                total += produced;
                i = start + (int) Math.min(Integer.MAX_VALUE - start, inflater.getBytesRead());
            }
        } finally {
            inflater.end();
        }
    }

    /** Whether the dictionary before {@code streamAt} (within its object) declares /ObjStm or /XRef. */
    private static boolean isParserStream(byte[] pdf, int streamAt) {
        int from = Math.max(0, streamAt - 2048);
        String head = new String(pdf, from, streamAt - from, StandardCharsets.ISO_8859_1);
        int obj = head.lastIndexOf(" obj");
        String dict = obj >= 0 ? head.substring(obj) : head;
        return dict.contains("/ObjStm") || dict.contains("/XRef");
    }

    private static boolean isEndstream(byte[] pdf, int afterStream) {
        int s = afterStream - "endstream".length();
        return s >= 0 && new String(pdf, s, 3, StandardCharsets.US_ASCII).equals("end");
    }

    /**
     * Lists the active content of the document: document and page open/close actions, JavaScript
     * name tree, annotation and form-field actions of an active kind, XFA forms.
     *
     * @throws DocsignException {@code PDF_NESTING_LIMIT} when objects are nested deeper than {@value
     *     #MAX_DEPTH}, {@code PDF_RESOURCE_LIMIT} beyond {@value #MAX_WALK} objects
     */
    public static List<String> activeContent(PDDocument doc) {
        return activeContent(doc, null);
    }

    /** Like {@link #activeContent(PDDocument)}, checking {@code deadline} as it goes (may be null). */
    public static List<String> activeContent(PDDocument doc, PdfLimits.Deadline deadline) {
        List<String> found = new ArrayList<>();
        walk(doc.getDocumentCatalog().getCOSObject(), found, deadline);
        return found;
    }

    private record Visit(COSBase base, String where, int depth) {}

    // A bounded walk of the whole object graph: actions can hide anywhere (outline items, name
    // trees, annotations, field kids), so we look at every dictionary's /S, /JS, /AA. Iterative with
    // an explicit stack: a chain of 100 000 objects must not cost 100 000 stack frames.
    private static void walk(COSBase root, List<String> found, PdfLimits.Deadline deadline) {
        Map<COSBase, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Visit> todo = new ArrayDeque<>();
        todo.push(new Visit(root, "Catalog", 0));
        int n = 0;
        while (!todo.isEmpty()) {
            Visit v = todo.pop();
            COSBase b = v.base() instanceof COSObject o ? o.getObject() : v.base();
            if (b == null || seen.put(b, Boolean.TRUE) != null) {
                continue;
            }
            if (++n > MAX_WALK) {
                throw new DocsignException(DocsignError.PDF_RESOURCE_LIMIT, "more than " + MAX_WALK + " objects");
            }
            if (v.depth() > MAX_DEPTH) {
                throw new DocsignException(
                        DocsignError.PDF_NESTING_LIMIT, "objects nested deeper than " + MAX_DEPTH + " at " + v.where());
            }
            if (deadline != null && (n & 0x3ff) == 0) {
                deadline.check();
            }
            String where = v.where();
            if (b instanceof COSDictionary d) {
                COSName s = d.getCOSName(COSName.S);
                if (s != null && ACTIVE_ACTIONS.contains(s.getName())) {
                    found.add(s.getName() + " action in " + where);
                }
                if (d.containsKey(COSName.JS) && !found.contains("JavaScript in " + where)) {
                    found.add("JavaScript in " + where);
                }
                if (d.containsKey(COSName.getPDFName("XFA"))) {
                    found.add("XFA form in " + where);
                }
                for (Map.Entry<COSName, COSBase> e : d.entrySet()) {
                    String key = e.getKey().getName();
                    if (key.equals("Parent") || key.equals("P")) {
                        continue;
                    }
                    if (key.equals("JavaScript") && where.endsWith("Names")) {
                        found.add("document JavaScript name tree");
                    }
                    todo.push(new Visit(e.getValue(), path(where, key), v.depth() + 1));
                }
            } else if (b instanceof COSArray a) {
                for (int k = a.size() - 1; k >= 0; k--) {
                    todo.push(new Visit(a.get(k), where, v.depth() + 1));
                }
            }
        }
    }

    private static String path(String where, String key) {
        // Long paths only name where something was found; keep them readable (and small).
        return where.length() > 200 ? where : where + "/" + key;
    }

    /**
     * Maps any failure while processing untrusted input to a {@link DocsignException} with a stable
     * code: what a hostile file provokes in a parser (stack overflow on deep nesting, running out of
     * memory, runtime exceptions in a corner case) is reported, never thrown through.
     */
    public static DocsignException failure(Throwable t) {
        if (t instanceof DocsignException d) {
            return d;
        }
        if (t instanceof StackOverflowError) {
            return new DocsignException(DocsignError.PDF_NESTING_LIMIT, "nesting overflowed the parser's stack");
        }
        if (t instanceof OutOfMemoryError) {
            return new DocsignException(DocsignError.PDF_RESOURCE_LIMIT, "ran out of memory");
        }
        if (t instanceof IOException || t instanceof java.io.UncheckedIOException) {
            return new DocsignException(DocsignError.PDF_CORRUPT, t.getMessage(), t);
        }
        return new DocsignException(DocsignError.INTERNAL, t.toString(), t);
    }

    static int indexOf(byte[] hay, byte[] needle, int from, int to) {
        byte first = needle[0];
        outer:
        for (int i = Math.max(0, from); i <= to - needle.length; i++) {
            if (hay[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Closes {@code doc}, ignoring failures (nothing more can be freed). */
    public static void closeQuietly(PDDocument doc) {
        try {
            doc.close();
        } catch (IOException ignored) {
            // nothing more to free
        }
    }
}
