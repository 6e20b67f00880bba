package cn.tongban.signaling.pki;

import cn.tongban.signaling.store.StoreException;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The trust anchors of partner installations (table {@code trust_anchor}, V17): root certificates of other
 * installations' embedded PKIs or of a province CA, added by an operator ({@code tongban.jar trust add}) after
 * comparing the certificate's SHA-256 fingerprint with the one the partner read out over the telephone or in
 * a letter. Every node of the installation shares the database, and reads the anchors at each verification
 * ({@link #certificates()}): an anchor added or removed holds at once on every node, without a restart.
 *
 * <p>What is refused, nothing stored ({@link Problem}): a certificate that is not a CA's, one expired or not
 * yet valid, a fingerprint that differs from the one given, a name or certificate already present.
 */
public final class TrustAnchors {
    /** An anchor's name: lower-case letters, digits and hyphens, like a hall id ({@code zj-hz-root}). */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private static final Pattern HALL = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /** Why an anchor was refused; the stable code the command prints. */
    public enum Problem {
        /** The name is not lower-case letters, digits and hyphens (at most 64). */
        INVALID_NAME,
        /** The file holds no certificate, or several. */
        CERTIFICATE_UNREADABLE,
        /** The certificate is not a CA's (no basic constraints with cA, or a key usage without keyCertSign). */
        NOT_A_CA,
        /** The certificate's validity has ended. */
        EXPIRED,
        /** The certificate's validity has not begun. */
        NOT_YET_VALID,
        /** The SHA-256 fingerprint differs from the one the partner gave. */
        FINGERPRINT_MISMATCH,
        /** An anchor of this name exists. */
        DUPLICATE_NAME,
        /** This certificate is an anchor already (under another name). */
        DUPLICATE_CERTIFICATE,
        /** No anchor of this name. */
        NO_SUCH_ANCHOR
    }

    /** A refused change: {@link #problem} is the stable code, the message what exactly is wrong. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;

        Refused(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /** A stored anchor. */
    public record Anchor(
            String name,
            String sha256,
            String subject,
            Instant notAfter,
            X509Certificate certificate,
            String addedBy,
            Instant addedAt,
            List<String> halls) {}

    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;
    private final Clock clock;

    public TrustAnchors(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** The certificate's SHA-256 over its DER encoding, lower-case hex (what {@code openssl x509 -fingerprint -sha256} shows). */
    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fingerprint as people write it ({@code AB:CD:…}, spaces, any case) in the form {@link #fingerprint} gives. */
    public static String normalise(String fingerprint) {
        return fingerprint.replaceAll("[\\s:]", "").toLowerCase(Locale.ROOT);
    }

    /** {@code 3A:7F:…}: a fingerprint grouped for reading aloud. */
    public static String readable(String sha256) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < sha256.length(); i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(sha256, i, Math.min(i + 2, sha256.length()));
        }
        return b.toString().toUpperCase(Locale.ROOT);
    }

    /** The one certificate of a PEM or DER file's bytes. */
    public static X509Certificate parse(byte[] file) throws Refused {
        Collection<? extends Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(file));
        } catch (CertificateException e) {
            throw new Refused(
                    Problem.CERTIFICATE_UNREADABLE, "not an X.509 certificate (PEM or DER): " + e.getMessage());
        }
        if (certs.size() != 1) {
            throw new Refused(
                    Problem.CERTIFICATE_UNREADABLE,
                    "the file holds " + certs.size() + " certificates; give the partner's root alone");
        }
        return (X509Certificate) certs.iterator().next();
    }

    /**
     * Adds an anchor after checking it, or refuses it and stores nothing.
     *
     * @param expectedSha256 the fingerprint the partner gave out of band (any of the usual spellings)
     * @param by who adds it (kept with the anchor; the command audits it too)
     */
    public Anchor add(String name, X509Certificate cert, String expectedSha256, String by, List<String> halls)
            throws Refused {
        if (halls == null
                || halls.isEmpty()
                || halls.stream().anyMatch(h -> h == null || !HALL.matcher(h).matches())) {
            throw new Refused(
                    Problem.INVALID_NAME,
                    "name the partner's halls this root vouches for (--halls, ids of the reference data): a root"
                            + " trusted for every hall could seal in any hall's name, this installation's too");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Refused(
                    Problem.INVALID_NAME, "an anchor's name is lower-case letters, digits and hyphens (at most 64)");
        }
        String sha = fingerprint(cert);
        if (!sha.equals(normalise(expectedSha256))) {
            throw new Refused(
                    Problem.FINGERPRINT_MISMATCH,
                    "the certificate's SHA-256 fingerprint is " + readable(sha) + ", not the one given: this is not"
                            + " the certificate the partner read out");
        }
        if (cert.getBasicConstraints() < 0) {
            throw new Refused(
                    Problem.NOT_A_CA,
                    "not a CA certificate (no basic constraints cA=true): " + subject(cert)
                            + "; give the partner's root certificate");
        }
        boolean[] usage = cert.getKeyUsage();
        if (usage != null && (usage.length < 6 || !usage[5])) {
            throw new Refused(Problem.NOT_A_CA, "its key usage does not allow signing certificates: " + subject(cert));
        }
        Instant now = clock.instant();
        if (cert.getNotAfter().toInstant().isBefore(now)) {
            throw new Refused(
                    Problem.EXPIRED,
                    subject(cert) + " expired at " + cert.getNotAfter().toInstant());
        }
        if (cert.getNotBefore().toInstant().isAfter(now)) {
            throw new Refused(
                    Problem.NOT_YET_VALID,
                    subject(cert) + " is valid only from " + cert.getNotBefore().toInstant()
                            + " (or this host's clock is wrong)");
        }
        for (Anchor a : list()) {
            if (a.name().equals(name)) {
                throw new Refused(Problem.DUPLICATE_NAME, "an anchor named " + name + " exists (" + a.subject() + ")");
            }
            if (a.sha256().equals(sha)) {
                throw new Refused(
                        Problem.DUPLICATE_CERTIFICATE, "this certificate is an anchor already, named " + a.name());
            }
        }
        Anchor anchor =
                new Anchor(name, sha, subject(cert), cert.getNotAfter().toInstant(), cert, by, now, List.copyOf(halls));
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO trust_anchor (name, sha256, subject, not_after,"
                        + " certificate, added_by, added_at, hall_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, sha);
            ps.setString(3, anchor.subject());
            ps.setLong(4, anchor.notAfter().toEpochMilli());
            ps.setString(5, Base64.getEncoder().encodeToString(cert.getEncoded()));
            ps.setString(6, by);
            ps.setLong(7, now.toEpochMilli());
            ps.setString(8, String.join(",", halls));
            ps.executeUpdate();
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                // Another operator added the same name or certificate a moment ago.
                throw new Refused(Problem.DUPLICATE_NAME, "an anchor with this name or certificate exists");
            }
            throw new StoreException("cannot store the trust anchor " + name, e);
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        return anchor;
    }

    /** Removes an anchor: signatures chaining only to it are untrusted from now on, on every node. */
    public Anchor remove(String name) throws Refused {
        Anchor a = list().stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new Refused(Problem.NO_SUCH_ANCHOR, "no trust anchor named " + name));
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM trust_anchor WHERE name = ?")) {
            ps.setString(1, name);
            if (ps.executeUpdate() == 0) {
                throw new Refused(Problem.NO_SUCH_ANCHOR, "no trust anchor named " + name);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot remove the trust anchor " + name, e);
        }
        return a;
    }

    /** Every anchor, by name. */
    public List<Anchor> list() {
        List<Anchor> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT name, sha256, subject, not_after, certificate,"
                        + " added_by, added_at, hall_ids FROM trust_anchor ORDER BY name");
                ResultSet rs = ps.executeQuery()) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            while (rs.next()) {
                X509Certificate cert = (X509Certificate) cf.generateCertificate(
                        new ByteArrayInputStream(Base64.getDecoder().decode(rs.getString(5))));
                out.add(new Anchor(
                        rs.getString(1),
                        rs.getString(2).strip(),
                        rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4)),
                        cert,
                        rs.getString(6),
                        Instant.ofEpochMilli(rs.getLong(7)),
                        rs.getString(8) == null || rs.getString(8).isBlank()
                                ? List.of()
                                : List.of(rs.getString(8).split(","))));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the trust anchors", e);
        } catch (CertificateException e) {
            throw new IllegalStateException("a stored trust anchor does not parse", e);
        }
        return out;
    }

    /**
     * Every anchor's certificate, read now: for checking a document of any partner (`verify --installation`),
     * never for deciding which hall sent something.
     */
    public List<X509Certificate> certificates() {
        return list().stream().map(Anchor::certificate).toList();
    }

    /** The certificates of the anchors bound to {@code hallId} (`trust add --halls`), read now. */
    public List<X509Certificate> certificatesFor(String hallId) {
        return list().stream()
                .filter(a -> a.halls().contains(hallId))
                .map(Anchor::certificate)
                .toList();
    }

    private static String subject(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName();
    }
}
