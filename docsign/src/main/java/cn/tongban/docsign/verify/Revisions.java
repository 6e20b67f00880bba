package cn.tongban.docsign.verify;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pdf.PdfSafety;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;

/**
 * Looks at every revision of a signed document, one after the other, and names every object each
 * revision after the first signature adds or changes that PAdES and the DocMDP permissions do not
 * allow (ETSI EN 319 142-1 §5.4; ISO 32000-1 §12.8.2.2). Allowed in a later revision:
 *
 * <ul>
 *   <li>the containers that must change to hold the allowed additions — the catalog, the AcroForm
 *       and its field list, a page and its annotation list — provided what they show and do stays the
 *       same ({@link RevisionFingerprint} compares that);
 *   <li>the DSS and everything under it;
 *   <li>for each signature or document time-stamp that ends in that revision and whose signature
 *       verified: its signature dictionary, its field and widget (found through the AcroForm's field
 *       tree, never by a widget's own claim), the widget's appearance, and for a certification its
 *       permissions;
 *   <li>cross-reference and object streams.
 * </ul>
 *
 * Anything else is a finding: an annotation or widget not bound to a verified signature ({@link
 * Finding.Code#UNBOUND_ANNOTATION}), an object no reader reaches from the catalog ({@link
 * Finding.Code#UNREFERENCED_OBJECT}), any other object ({@link Finding.Code#MODIFIED_AFTER_SIGNING}),
 * and a revision that adds nothing at all ({@link Finding.Code#EMPTY_REVISION}). Each revision is
 * parsed on its own from its prefix of the file, so what it defines is read from its own
 * cross-reference data; the document's validation data is collected on the way, revision by revision
 * ({@link Evidence}).
 */
final class Revisions {
    /** Most revisions after the first signature that are analysed; beyond, the document is refused. */
    static final int MAX_REVISIONS = 64;
    /** Most objects a reachability walk visits. */
    private static final int MAX_WALK = 1_000_000;
    /** Findings named one by one per revision; the rest are counted. */
    private static final int MAX_NAMED = 12;

    private static final Set<String> ANNOTATION_SUBTYPES = Set.of(
            "Text",
            "Link",
            "FreeText",
            "Line",
            "Square",
            "Circle",
            "Polygon",
            "PolyLine",
            "Highlight",
            "Underline",
            "Squiggly",
            "StrikeOut",
            "Stamp",
            "Caret",
            "Ink",
            "Popup",
            "FileAttachment",
            "Sound",
            "Movie",
            "Widget",
            "Screen",
            "PrinterMark",
            "TrapNet",
            "Watermark",
            "3D",
            "Redact",
            "RichMedia",
            "Projection");

    /**
     * A signature or document time-stamp as the revision analysis needs it.
     *
     * @param key its signature dictionary's object key
     * @param end where its signed bytes end (its revision's end)
     * @param verified its digest and signature verified over a sound byte range
     */
    record Signed(COSObjectKey key, long end, boolean verified) {}

    /**
     * What the analysis found.
     *
     * @param findings per revision (1-based) after the first signed one, what it may not contain
     * @param fingerprints the fingerprint of each signed revision and of the last one, by end offset
     * @param revisions how many revisions the file has
     * @param tooMany whether more revisions followed the first signature than are analysed
     */
    record Result(
            Map<Integer, List<Finding>> findings,
            Map<Long, RevisionFingerprint> fingerprints,
            int revisions,
            boolean tooMany) {}

    private Revisions() {}

    static Result analyse(
            byte[] pdf, Layout layout, PDDocument last, List<Signed> signed, Evidence evidence, Budget budget)
            throws IOException {
        List<Long> ends = layout.ends();
        int n = ends.size();
        Map<Integer, List<Finding>> findings = new LinkedHashMap<>();
        Map<Long, RevisionFingerprint> fingerprints = new HashMap<>();
        Set<COSObjectKey> verified = new HashSet<>();
        Set<Long> signedEnds = new HashSet<>();
        long firstEnd = Long.MAX_VALUE;
        for (Signed s : signed) {
            if (s.verified() && s.key() != null) {
                verified.add(s.key());
            }
            signedEnds.add(s.end());
            if (s.end() > 0) {
                firstEnd = Math.min(firstEnd, s.end());
            }
        }
        int start = n - 1;
        for (int i = 0; i < n; i++) {
            if (ends.get(i) >= firstEnd) {
                start = i;
                break;
            }
        }
        boolean tooMany = n - 1 - start > MAX_REVISIONS;
        int stop = tooMany ? start + MAX_REVISIONS : n - 1;
        Map<COSObjectKey, Long> previous = null;
        PDDocument previousDoc = null;
        try {
            for (int i = start; i <= stop; i++) {
                budget.check();
                boolean isLast = i == n - 1;
                long end = ends.get(i);
                PDDocument doc;
                try {
                    doc = isLast ? last : PdfSafety.open(pdf, end, budget.limits());
                } catch (DocsignException e) {
                    findings.computeIfAbsent(i + 1, k -> new ArrayList<>())
                            .add(new Finding(
                                    Finding.Code.MODIFIED_AFTER_SIGNING,
                                    "revision " + (i + 1) + " cannot be read on its own: "
                                            + e.error().code()));
                    previous = null;
                    closeUnlessLast(previousDoc, last);
                    previousDoc = null;
                    continue;
                }
                boolean keep = false;
                try {
                    Map<COSObjectKey, Long> xref =
                            new HashMap<>(doc.getDocument().getXrefTable());
                    List<String> dssProblems = evidence.addRevision(doc, new Evidence.Origin(i + 1, end));
                    if (previous != null) {
                        List<Finding> f =
                                classify(previous, previousDoc, xref, doc, i + 1, signed, end, ends.get(i - 1), budget);
                        String where = "revision " + (i + 1) + " (bytes " + ends.get(i - 1) + "–" + end + ")";
                        for (String p : dssProblems) {
                            f.add(new Finding(Finding.Code.DSS_INVALID, where + ": " + p));
                        }
                        if (!f.isEmpty()) {
                            findings.put(i + 1, f);
                        }
                    }
                    if (signedEnds.contains(end) || isLast) {
                        fingerprints.put(end, RevisionFingerprint.of(doc, verified, budget.deadline()));
                    }
                    previous = xref;
                    keep = true;
                } finally {
                    closeUnlessLast(previousDoc, last);
                    previousDoc = keep ? doc : null;
                    if (!keep) {
                        closeUnlessLast(doc, last);
                    }
                }
            }
        } finally {
            closeUnlessLast(previousDoc, last);
        }
        if (tooMany) {
            evidence.addRevision(last, new Evidence.Origin(n, ends.get(n - 1)));
            fingerprints.put(ends.get(n - 1), RevisionFingerprint.of(last, verified, budget.deadline()));
        }
        return new Result(findings, fingerprints, n, tooMany);
    }

    private static void closeUnlessLast(PDDocument doc, PDDocument last) {
        if (doc != null && doc != last) {
            PdfSafety.closeQuietly(doc);
        }
    }

    private static List<Finding> classify(
            Map<COSObjectKey, Long> before,
            PDDocument beforeDoc,
            Map<COSObjectKey, Long> now,
            PDDocument doc,
            int revision,
            List<Signed> signed,
            long end,
            long previousEnd,
            Budget budget)
            throws IOException {
        List<COSObjectKey> changed = new ArrayList<>();
        for (Map.Entry<COSObjectKey, Long> e : now.entrySet()) {
            if (!Objects.equals(before.get(e.getKey()), e.getValue())) {
                changed.add(e.getKey());
            }
        }
        List<COSObjectKey> freed = new ArrayList<>();
        for (COSObjectKey k : before.keySet()) {
            if (!now.containsKey(k)) {
                freed.add(k);
            }
        }
        changed.sort(null);
        Set<COSObjectKey> allowed = allowed(doc, signed, end, budget);
        String where = "revision " + revision + " (bytes " + previousEnd + "–" + end + ")";
        List<Finding> out = new ArrayList<>();
        int substantive = 0;
        // (DSS problems of this revision are added by the caller.)
        Set<COSObjectKey> reachable = null;
        int unnamed = 0;
        for (COSObjectKey k : changed) {
            budget.tick();
            COSBase o = doc.getDocument().getObjectFromPool(k).getObject();
            if (o instanceof COSStream s && isContainerStream(s)) {
                continue;
            }
            if (before.containsKey(k) && beforeDoc != null && sameObject(beforeDoc, doc, k)) {
                continue; // written again without a change (writers re-save objects they touched)
            }
            substantive++;
            if (allowed.contains(k)) {
                continue;
            }
            String what = (before.containsKey(k) ? "changes" : "adds") + " object " + k.getNumber() + " "
                    + k.getGeneration() + " (" + describe(o) + ")";
            Finding f;
            if (isAnnotation(o)) {
                f = new Finding(
                        Finding.Code.UNBOUND_ANNOTATION,
                        where + " " + what + ": an annotation not bound to a verified signature");
            } else {
                if (reachable == null) {
                    reachable = reachable(doc, budget);
                }
                f = reachable.contains(k)
                        ? new Finding(Finding.Code.MODIFIED_AFTER_SIGNING, where + " " + what)
                        : new Finding(
                                Finding.Code.UNREFERENCED_OBJECT,
                                where + " " + what + ", which nothing in the document refers to");
            }
            if (out.size() < MAX_NAMED) {
                out.add(f);
            } else {
                unnamed++;
            }
        }
        for (COSObjectKey k : freed) {
            if (out.size() < MAX_NAMED) {
                out.add(new Finding(
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        where + " deletes object " + k.getNumber() + " " + k.getGeneration()));
            } else {
                unnamed++;
            }
        }
        if (unnamed > 0) {
            Finding.Code code = out.get(out.size() - 1).code();
            out.add(new Finding(code, where + ": " + unnamed + " more objects like these"));
        }
        if (substantive == 0 && freed.isEmpty()) {
            out.add(new Finding(Finding.Code.EMPTY_REVISION, where + " adds and changes nothing"));
        }
        return out;
    }

    /**
     * Whether object {@code k} is the same in both revisions, compared shallowly: its own entries, with
     * references compared as references (the objects they point to are compared on their own).
     */
    private static boolean sameObject(PDDocument a, PDDocument b, COSObjectKey k) {
        try {
            return shallow(a.getDocument().getObjectFromPool(k).getObject())
                    .equals(shallow(b.getDocument().getObjectFromPool(k).getObject()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String shallow(COSBase b) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ArrayDeque<COSBase> todo = new ArrayDeque<>();
        todo.push(b);
        int n = 0;
        while (!todo.isEmpty() && n++ < 100_000) {
            COSBase x = todo.pop();
            if (x instanceof COSObject o) {
                md.update(("R" + o.getKey() + ";").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else if (x instanceof COSDictionary d) {
                md.update((byte) (x instanceof COSStream ? 'S' : 'D'));
                java.util.TreeMap<String, COSBase> sorted = new java.util.TreeMap<>();
                for (Map.Entry<COSName, COSBase> e : d.entrySet()) {
                    if (!(x instanceof COSStream && e.getKey().equals(COSName.LENGTH))) {
                        sorted.put(e.getKey().getName(), e.getValue());
                    }
                }
                md.update(sorted.keySet().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (COSBase v : sorted.values()) {
                    todo.push(v);
                }
                if (x instanceof COSStream s) {
                    try (java.io.InputStream in = s.createRawInputStream()) {
                        byte[] buf = new byte[8192];
                        for (int r; (r = in.read(buf)) > 0; ) {
                            md.update(buf, 0, r);
                        }
                    }
                }
            } else if (x instanceof COSArray a) {
                md.update(("A" + a.size() + ";").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                for (int i = a.size() - 1; i >= 0; i--) {
                    todo.push(a.get(i));
                }
            } else if (x instanceof org.apache.pdfbox.cos.COSString str) {
                md.update(("s" + str.toHexString() + ";").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else if (x != null) {
                md.update((x.getClass().getSimpleName() + ":" + x + ";")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                md.update((byte) 'n');
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** The objects a revision ending at {@code end} may add or change (see the class comment). */
    private static Set<COSObjectKey> allowed(PDDocument doc, List<Signed> signed, long end, Budget budget)
            throws IOException {
        Set<COSObjectKey> ok = new HashSet<>();
        COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
        add(ok, catalog.getKey());
        add(ok, doc.getDocument().getTrailer().getItem(COSName.ROOT));
        COSBase acroRef = catalog.getItem(COSName.ACRO_FORM);
        add(ok, acroRef);
        COSDictionary acro = catalog.getCOSDictionary(COSName.ACRO_FORM);
        if (acro != null) {
            add(ok, acro.getItem(COSName.FIELDS));
        }
        int pages = 0;
        for (PDPage page : doc.getPages()) {
            if (++pages > 100_000) {
                break;
            }
            budget.tick();
            add(ok, page.getCOSObject().getKey());
            add(ok, page.getCOSObject().getItem(COSName.ANNOTS));
        }
        // The DSS (ISO 32000-2 §12.8.4.3): arrays of streams, and /VRI entries of arrays of streams.
        walk(catalog.getItem(COSName.getPDFName("DSS")), ok, budget, 5);
        Set<COSObjectKey> here = new HashSet<>();
        for (Signed s : signed) {
            if (s.end() == end && s.verified() && s.key() != null) {
                here.add(s.key());
            }
        }
        if (here.isEmpty() || acro == null) {
            return ok;
        }
        for (COSObjectKey k : here) {
            // The signature dictionary, its /Reference (SigRef, TransformParams) and /Prop_Build.
            walk(doc.getDocument().getObjectFromPool(k), ok, budget, 4);
        }
        // Fields whose value is one of these signatures, found through the field tree only.
        ArrayDeque<COSBase> fields = new ArrayDeque<>();
        COSArray top = acro.getCOSArray(COSName.FIELDS);
        if (top != null) {
            for (int i = 0; i < top.size(); i++) {
                fields.add(top.get(i));
            }
        }
        int visited = 0;
        Set<COSBase> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        while (!fields.isEmpty() && visited++ < 10_000) {
            COSBase ref = fields.poll();
            COSBase b = ref instanceof COSObject o ? o.getObject() : ref;
            if (!(b instanceof COSDictionary field) || !seen.add(field)) {
                continue;
            }
            COSArray kids = field.getCOSArray(COSName.KIDS);
            if (field.getItem(COSName.V) instanceof COSObject v && here.contains(v.getKey())) {
                add(ok, ref);
                walk(field.getItem(COSName.AP), ok, budget);
                walk(field.getItem(COSName.MK), ok, budget);
                if (kids != null) {
                    for (int i = 0; i < kids.size(); i++) {
                        add(ok, kids.get(i));
                        if (kids.getObject(i) instanceof COSDictionary widget) {
                            walk(widget.getItem(COSName.AP), ok, budget);
                            walk(widget.getItem(COSName.MK), ok, budget);
                        }
                    }
                }
                if (catalog.getCOSDictionary(COSName.PERMS) != null) {
                    walk(catalog.getItem(COSName.PERMS), ok, budget, 2);
                }
            } else if (kids != null && field.getCOSName(COSName.FT) == null) {
                for (int i = 0; i < kids.size(); i++) {
                    fields.add(kids.get(i));
                }
            }
        }
        return ok;
    }

    private static void add(Set<COSObjectKey> keys, COSBase b) {
        if (b instanceof COSObject o && o.getKey() != null) {
            keys.add(o.getKey());
        }
    }

    private static void add(Set<COSObjectKey> keys, COSObjectKey k) {
        if (k != null) {
            keys.add(k);
        }
    }

    /**
     * Adds the keys of the indirect objects below {@code root}, at most {@code depth} levels down. It
     * never climbs back (/Parent, /P), never follows a signature reference's /Data, and stops at the
     * catalog, the page tree and annotations: an allowed subtree (the DSS, a signature's objects) must
     * not make the document itself "allowed" by pointing at it.
     */
    private static void walk(COSBase root, Set<COSObjectKey> keys, Budget budget, int depth) {
        if (root == null) {
            return;
        }
        record Item(COSBase base, int depth) {}
        ArrayDeque<Item> todo = new ArrayDeque<>();
        Set<COSBase> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(new Item(root, 0));
        int n = 0;
        while (!todo.isEmpty() && n++ < MAX_WALK) {
            budget.tick();
            Item item = todo.pop();
            COSBase b = item.base();
            COSBase target = b instanceof COSObject o ? o.getObject() : b;
            if (target instanceof COSDictionary d && !(d instanceof COSStream) && isDocumentStructure(d)) {
                continue;
            }
            if (b instanceof COSObject o && o.getKey() != null) {
                keys.add(o.getKey());
            }
            if (target == null || !seen.add(target) || item.depth() >= depth) {
                continue;
            }
            if (target instanceof COSDictionary d) {
                for (Map.Entry<COSName, COSBase> e : d.entrySet()) {
                    String k = e.getKey().getName();
                    if (!k.equals("Parent") && !k.equals("P") && !k.equals("Data")) {
                        todo.push(new Item(e.getValue(), item.depth() + 1));
                    }
                }
            } else if (target instanceof COSArray a) {
                for (int i = 0; i < a.size(); i++) {
                    todo.push(new Item(a.get(i), item.depth() + 1));
                }
            }
        }
    }

    private static void walk(COSBase root, Set<COSObjectKey> keys, Budget budget) {
        walk(root, keys, budget, 64);
    }

    private static boolean isDocumentStructure(COSDictionary d) {
        COSName type = d.getCOSName(COSName.TYPE);
        return COSName.CATALOG.equals(type)
                || COSName.PAGES.equals(type)
                || COSName.PAGE.equals(type)
                || COSName.ANNOT.equals(type)
                || isAnnotation(d);
    }

    /** Every indirect object a reader reaches from the trailer (catalog, document information). */
    private static Set<COSObjectKey> reachable(PDDocument doc, Budget budget) {
        Set<COSObjectKey> keys = new HashSet<>();
        COSDictionary trailer = doc.getDocument().getTrailer();
        ArrayDeque<COSBase> todo = new ArrayDeque<>();
        Set<COSBase> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (COSName k : List.of(COSName.ROOT, COSName.INFO)) {
            if (trailer.getItem(k) != null) {
                todo.push(trailer.getItem(k));
            }
        }
        int n = 0;
        while (!todo.isEmpty()) {
            if (++n > MAX_WALK) {
                throw new DocsignException(
                        cn.tongban.docsign.DocsignError.PDF_RESOURCE_LIMIT, "more than " + MAX_WALK + " objects");
            }
            budget.tick();
            COSBase b = todo.pop();
            if (b instanceof COSObject o) {
                if (o.getKey() != null) {
                    keys.add(o.getKey());
                }
                b = o.getObject();
            }
            if (b == null || !seen.add(b)) {
                continue;
            }
            if (b instanceof COSDictionary d) {
                for (COSBase v : d.getValues()) {
                    todo.push(v);
                }
            } else if (b instanceof COSArray a) {
                for (int i = 0; i < a.size(); i++) {
                    todo.push(a.get(i));
                }
            }
        }
        return keys;
    }

    private static boolean isContainerStream(COSStream s) {
        COSName type = s.getCOSName(COSName.TYPE);
        return COSName.XREF.equals(type) || COSName.OBJ_STM.equals(type);
    }

    private static boolean isAnnotation(COSBase o) {
        if (!(o instanceof COSDictionary d) || o instanceof COSStream) {
            return false;
        }
        COSName type = d.getCOSName(COSName.TYPE);
        COSName subtype = d.getCOSName(COSName.SUBTYPE);
        return COSName.ANNOT.equals(type)
                || (subtype != null && ANNOTATION_SUBTYPES.contains(subtype.getName()) && d.containsKey(COSName.RECT));
    }

    private static String describe(COSBase o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof COSStream s) {
            COSName sub = s.getCOSName(COSName.SUBTYPE);
            COSName type = s.getCOSName(COSName.TYPE);
            return "a stream" + (type != null ? " /Type /" + type.getName() : "")
                    + (sub != null ? " /Subtype /" + sub.getName() : "");
        }
        if (o instanceof COSDictionary d) {
            COSName type = d.getCOSName(COSName.TYPE);
            COSName sub = d.getCOSName(COSName.SUBTYPE);
            COSName ft = d.getCOSName(COSName.FT);
            return "a dictionary" + (type != null ? " /Type /" + type.getName() : "")
                    + (sub != null ? " /Subtype /" + sub.getName() : "")
                    + (ft != null ? " /FT /" + ft.getName() : "");
        }
        if (o instanceof COSArray) {
            return "an array";
        }
        String t = o.toString();
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}
