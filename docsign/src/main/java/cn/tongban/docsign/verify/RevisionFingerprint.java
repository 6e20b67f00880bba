package cn.tongban.docsign.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSBoolean;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSFloat;
import org.apache.pdfbox.cos.COSInteger;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSNull;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;

/**
 * A content-addressed fingerprint of what a revision shows and does, used to compare a signed
 * revision with the final document. Two revisions with equal fingerprints differ at most in the
 * entries PAdES allows to change after signing: the DSS, signature values of signature fields,
 * widget appearances of signature fields, the AcroForm's field list and flags.
 *
 * <p>Everything else is hashed by value, resolving indirect references, so an incremental update
 * that swaps an object (shadow attacks, ISA), adds an overlay annotation, changes optional-content
 * visibility, a font, an action or a form value changes the fingerprint — and the part that changed
 * is named (page n, catalog key, field name).
 */
final class RevisionFingerprint {
    /** Catalog keys that may change after signing: validation data, the form (checked per field), permissions. */
    private static final Set<String> CATALOG_ALLOWED = Set.of("DSS", "AcroForm", "Extensions");

    final Map<String, String> parts = new LinkedHashMap<>();
    final Map<String, String> signedFields = new TreeMap<>();
    /** Per signature field (signed or not): its dictionary without value, appearance and back-links. */
    final Map<String, String> frames = new TreeMap<>();
    /** Signed fields whose widget can be seen (non-empty rectangle, not hidden). */
    final Set<String> visibleSigned = new java.util.TreeSet<>();

    /**
     * The fingerprint of {@code doc}. A signature widget is left out (its look is covered by its own
     * signature) only if it is <em>bound</em>: its field is in the AcroForm's field tree and the field's
     * value is one of {@code verified}, the signature dictionaries whose signature verified. Any other
     * widget — one missing from {@code /Fields}, or whose {@code /V} is not a verified signature — is
     * content like any annotation.
     */
    static RevisionFingerprint of(
            PDDocument doc, Set<COSObjectKey> verified, cn.tongban.docsign.pdf.PdfLimits.Deadline deadline)
            throws IOException {
        RevisionFingerprint f = new RevisionFingerprint();
        DEADLINE.set(deadline);
        try {
            return fill(f, doc, verified);
        } finally {
            DEADLINE.remove();
        }
    }

    // The deadline of the verification in progress on this thread, checked while hashing.
    private static final ThreadLocal<cn.tongban.docsign.pdf.PdfLimits.Deadline> DEADLINE = new ThreadLocal<>();

    private static RevisionFingerprint fill(RevisionFingerprint f, PDDocument doc, Set<COSObjectKey> verified)
            throws IOException {
        COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
        for (Map.Entry<COSName, COSBase> e : catalog.entrySet()) {
            String k = e.getKey().getName();
            if (CATALOG_ALLOWED.contains(k) || k.equals("Pages")) {
                continue;
            }
            f.parts.put("catalog /" + k, hash(e.getValue(), Set.of()));
        }
        COSDictionary acro = catalog.getCOSDictionary(COSName.ACRO_FORM);
        Map<COSDictionary, Boolean> bound = new IdentityHashMap<>();
        if (acro != null) {
            f.parts.put("form defaults", hash(acro, Set.of("Fields", "SigFlags", "NeedAppearances")));
            COSArray fields = acro.getCOSArray(COSName.FIELDS);
            if (fields != null) {
                collectFields(fields, "", f, 0, verified, bound);
            }
        }
        int n = 0;
        for (PDPage page : doc.getPages()) {
            n++;
            COSDictionary p = page.getCOSObject();
            // Page dictionary without /Annots (compared one by one below) and without back-links.
            f.parts.put("page " + n, hash(p, Set.of("Annots", "Parent")));
            // Attributes a page inherits from the page tree (ISO 32000-1 §7.7.3.4) are part of
            // what it shows even though they live in /Parent nodes.
            f.parts.put("page " + n + " inherited attributes", hash(inherited(page), Set.of()));
            COSArray annots = p.getCOSArray(COSName.ANNOTS);
            int a = 0;
            if (annots != null) {
                for (int i = 0; i < annots.size() && i < 100_000; i++) {
                    COSBase ab = annots.getObject(i);
                    if (ab instanceof COSDictionary ad && isSignatureWidget(ad)) {
                        COSDictionary field = fieldOf(ad);
                        Boolean signed = field == null ? null : bound.get(field);
                        if (Boolean.TRUE.equals(signed)) {
                            // Bound to a verified signature, which covers its look — but not where it is
                            // shown: the same widget placed on another page is a change.
                            if (visible(ad)) {
                                String key = SIGNED_WIDGET + fieldName(ad) + " on page " + n;
                                for (int k = 2; f.parts.containsKey(key); k++) {
                                    key = SIGNED_WIDGET + fieldName(ad) + " (" + k + ") on page " + n;
                                }
                                f.parts.put(key, "");
                            }
                            continue;
                        }
                        if (Boolean.FALSE.equals(signed)) {
                            // An empty field of the form: content until it is signed.
                            f.parts.put(
                                    UNSIGNED_WIDGET + fieldName(ad) + " on page " + n, hash(ab, Set.of("P", "Parent")));
                            continue;
                        }
                        // Not in /Fields, or its value is no verified signature: an overlay like any other.
                    }
                    a++;
                    f.parts.put("page " + n + " annotation " + a, hash(ab, Set.of("P", "Parent")));
                }
            }
        }
        return f;
    }

    private static void collectFields(
            COSArray fields,
            String prefix,
            RevisionFingerprint f,
            int depth,
            Set<COSObjectKey> verified,
            Map<COSDictionary, Boolean> bound) {
        if (depth > 16) {
            return;
        }
        for (int i = 0; i < fields.size() && i < 10_000; i++) {
            if (!(fields.getObject(i) instanceof COSDictionary field)) {
                continue;
            }
            String name = prefix + field.getString(COSName.T, "#" + i);
            COSArray kids = field.getCOSArray(COSName.KIDS);
            if (kids != null && field.getCOSName(COSName.FT) == null) {
                collectFields(kids, name + ".", f, depth + 1, verified, bound);
                continue;
            }
            if (COSName.SIG.equals(field.getCOSName(COSName.FT))) {
                COSBase v = field.getItem(COSName.V);
                f.frames.put(name, hash(field, Set.of("Parent", "P", "V", "AP")));
                if (v == null) {
                    bound.put(field, false);
                    f.parts.put(UNSIGNED_FIELD + name, hash(field, Set.of("Parent", "P")));
                } else if (v instanceof COSObject o && verified.contains(o.getKey())) {
                    // Once signed, the field (incl. its widget look) is frozen, and /V must keep
                    // pointing at the same object. The signature dictionary's own bytes are not
                    // hashed here (that would parse every /Contents again): redefining it in a
                    // later update moves it out of its signed byte range, which the byte-range
                    // check reports as SIGNATURE_DICTIONARY_UNSIGNED.
                    bound.put(field, true);
                    f.signedFields.put(name, o.getKey() + ":" + hash(field, Set.of("Parent", "P", "V")));
                    if (visible(field)) {
                        f.visibleSigned.add(name);
                    }
                } else {
                    f.parts.put(
                            "signature field " + name + " with an unverified value",
                            hash(field, Set.of("Parent", "P")));
                }
            } else {
                f.parts.put("form field " + name, hash(field, Set.of("Parent", "P")));
            }
        }
    }

    /** Whether a (merged field and) widget shows anything: a non-empty rectangle, not hidden. */
    private static boolean visible(COSDictionary widget) {
        int flags = widget.getInt(COSName.F, 0);
        if ((flags & (1 << 1)) != 0 || (flags & (1 << 5)) != 0) {
            return false; // Hidden or NoView (ISO 32000-1 §12.5.3, Table 165)
        }
        COSArray kids = widget.getCOSArray(COSName.KIDS);
        if (kids != null) {
            for (int i = 0; i < kids.size() && i < 64; i++) {
                if (kids.getObject(i) instanceof COSDictionary k && visible(k)) {
                    return true;
                }
            }
            return false;
        }
        COSArray r = widget.getCOSArray(COSName.RECT);
        if (r == null || r.size() != 4) {
            return false;
        }
        float w = Math.abs(number(r.getObject(2)) - number(r.getObject(0)));
        float h = Math.abs(number(r.getObject(3)) - number(r.getObject(1)));
        return w > 0.01f && h > 0.01f;
    }

    private static float number(COSBase b) {
        return b instanceof org.apache.pdfbox.cos.COSNumber n ? n.floatValue() : 0;
    }

    /** The field a widget belongs to: itself when it carries /FT, else the nearest /Parent that does. */
    private static COSDictionary fieldOf(COSDictionary widget) {
        COSDictionary d = widget;
        for (int i = 0; i < 8 && d != null; i++) {
            if (d.getCOSName(COSName.FT) != null) {
                return d;
            }
            d = d.getCOSDictionary(COSName.PARENT);
        }
        return null;
    }

    /** Names the parts that differ from {@code signed}; empty when only allowed changes happened. */
    List<String> differencesFrom(RevisionFingerprint signed) {
        List<String> diff = new ArrayList<>();
        for (Map.Entry<String, String> e : signed.parts.entrySet()) {
            String now = parts.get(e.getKey());
            if (now == null && signedLater(e.getKey())) {
                continue; // an empty signature field that has been signed since
            }
            if (now == null) {
                diff.add(e.getKey() + " removed");
            } else if (!now.equals(e.getValue())) {
                diff.add(e.getKey() + " changed");
            }
        }
        for (String k : parts.keySet()) {
            if (!signed.parts.containsKey(k)
                    && !(k.startsWith(SIGNED_WIDGET)
                            && signed.parts.containsKey(UNSIGNED_WIDGET + k.substring(SIGNED_WIDGET.length())))) {
                diff.add(k + " added");
            }
        }
        for (Map.Entry<String, String> e : signed.signedFields.entrySet()) {
            String now = signedFields.get(e.getKey());
            if (!e.getValue().equals(now)) {
                diff.add("signature field " + e.getKey() + (now == null ? " removed" : " changed"));
            }
        }
        for (String name : signedFields.keySet()) {
            if (signed.signedFields.containsKey(name)) {
                continue;
            }
            String before = signed.frames.get(name);
            if (before != null && !before.equals(frames.get(name))) {
                // Signing fills in /V and the look; moving or re-flagging the field is something else.
                diff.add("signature field " + name + " changed when it was signed");
            } else if (before == null && visibleSigned.contains(name)) {
                // Only invisible fields may be added (document time-stamps): a new visible one paints
                // over what the earlier signers saw, whoever signs it.
                diff.add("new visible signature field " + name);
            }
        }
        return diff;
    }

    private static COSDictionary inherited(PDPage page) {
        COSDictionary d = new COSDictionary();
        if (page.getResources() != null) {
            d.setItem(COSName.RESOURCES, page.getResources().getCOSObject());
        }
        d.setItem(COSName.MEDIA_BOX, page.getMediaBox().getCOSArray());
        d.setItem(COSName.CROP_BOX, page.getCropBox().getCOSArray());
        d.setInt(COSName.ROTATE, page.getRotation());
        return d;
    }

    private static final String UNSIGNED_WIDGET = "unsigned signature widget ";
    private static final String SIGNED_WIDGET = "signed signature widget ";
    private static final String UNSIGNED_FIELD = "unsigned signature field ";

    /** Whether the part names an unsigned signature field or widget that is signed in this revision. */
    private boolean signedLater(String part) {
        String field = null;
        if (part.startsWith(UNSIGNED_FIELD)) {
            field = part.substring(UNSIGNED_FIELD.length());
        } else if (part.startsWith(UNSIGNED_WIDGET)) {
            field = part.substring(UNSIGNED_WIDGET.length(), part.lastIndexOf(" on page "));
        }
        return field != null && signedFields.containsKey(field);
    }

    private static String fieldName(COSDictionary widget) {
        StringBuilder name = new StringBuilder();
        COSDictionary d = widget;
        for (int i = 0; i < 8 && d != null; i++) {
            String t = d.getString(COSName.T);
            if (t != null) {
                name.insert(0, name.length() == 0 ? t : t + ".");
            }
            d = d.getCOSDictionary(COSName.PARENT);
        }
        return name.toString();
    }

    private static boolean isSignatureWidget(COSDictionary annot) {
        if (!COSName.WIDGET.equals(annot.getCOSName(COSName.SUBTYPE))) {
            return false;
        }
        COSDictionary field = annot;
        for (int i = 0; i < 8 && field != null; i++) {
            if (field.getCOSName(COSName.FT) != null) {
                return COSName.SIG.equals(field.getCOSName(COSName.FT));
            }
            field = field.getCOSDictionary(COSName.PARENT);
        }
        return false;
    }

    static String hash(COSBase base, Set<String> skipTopLevel) {
        MessageDigest md = sha256();
        try {
            feed(base, md, skipTopLevel, new IdentityHashMap<>(), 0);
        } catch (IOException e) {
            md.update(("unreadable:" + e.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    // Canonical, reference-resolving serialisation. Cycles and shared objects are written as a
    // back-reference by visit order, so equal graphs hash equally whatever their object numbers.
    private static void feed(COSBase b, MessageDigest md, Set<String> skip, Map<COSBase, Integer> seen, int depth)
            throws IOException {
        if (b instanceof COSObject o) {
            b = o.getObject();
        }
        if (b == null || b instanceof COSNull) {
            md.update((byte) 'n');
            return;
        }
        if (depth > 64) {
            md.update((byte) 'D');
            return;
        }
        Integer ref = seen.get(b);
        if (ref != null) {
            md.update(("@" + ref).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (b instanceof COSDictionary || b instanceof COSArray) {
            seen.put(b, seen.size());
            if ((seen.size() & 0xff) == 0 && DEADLINE.get() != null) {
                DEADLINE.get().check();
            }
        }
        if (b instanceof COSStream s) {
            md.update((byte) 'S');
            feedDict(s, md, Set.of("Length"), seen, depth);
            try (InputStream in = s.createRawInputStream()) {
                byte[] buf = new byte[8192];
                for (int r; (r = in.read(buf)) > 0; ) {
                    md.update(buf, 0, r);
                }
            }
        } else if (b instanceof COSDictionary d) {
            md.update((byte) 'd');
            feedDict(d, md, skip, seen, depth);
        } else if (b instanceof COSArray a) {
            md.update((byte) '[');
            for (int i = 0; i < a.size(); i++) {
                feed(a.get(i), md, Set.of(), seen, depth + 1);
            }
            md.update((byte) ']');
        } else if (b instanceof COSString s) {
            md.update((byte) 's');
            md.update(s.getBytes());
            md.update((byte) 0);
        } else if (b instanceof COSName n) {
            md.update(("/" + n.getName() + " ").getBytes(StandardCharsets.UTF_8));
        } else if (b instanceof COSInteger i) {
            md.update(("n" + i.longValue() + " ").getBytes(StandardCharsets.US_ASCII));
        } else if (b instanceof COSFloat f) {
            // 100 and 100.0 are the same number to a reader; hash them alike.
            float v = f.floatValue();
            String t = v == Math.rint(v) && Math.abs(v) < 1e15f ? Long.toString((long) v) : Float.toString(v);
            md.update(("n" + t + " ").getBytes(StandardCharsets.US_ASCII));
        } else if (b instanceof COSBoolean bo) {
            md.update(bo.getValue() ? (byte) 'T' : (byte) 'F');
        } else {
            md.update(b.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void feedDict(
            COSDictionary d, MessageDigest md, Set<String> skip, Map<COSBase, Integer> seen, int depth)
            throws IOException {
        TreeMap<String, COSBase> sorted = new TreeMap<>();
        for (Map.Entry<COSName, COSBase> e : d.entrySet()) {
            String k = e.getKey().getName();
            // Never climb back up the page tree or field tree: that would hash the whole document.
            if (!skip.contains(k) && !k.equals("Parent") && !k.equals("P")) {
                sorted.put(k, e.getValue());
            }
        }
        for (Map.Entry<String, COSBase> e : sorted.entrySet()) {
            md.update(("/" + e.getKey() + "=").getBytes(StandardCharsets.UTF_8));
            feed(e.getValue(), md, Set.of(), seen, depth + 1);
        }
        md.update((byte) '>');
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
