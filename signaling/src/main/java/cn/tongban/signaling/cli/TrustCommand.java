package cn.tongban.signaling.cli;

import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.pki.TrustAnchors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code trust}: the trust anchors of partner installations in the database (deploy/README.md, "A partner
 * hall joins"). Every node of the installation reads them at each verification; the servers may keep running.
 * Exit codes of {@code add} and {@code remove}: 0 done (audited {@code trust.added}/{@code trust.removed}),
 * 1 refused with one of {@link TrustAnchors.Problem}'s codes and nothing changed, 2 the file or the database
 * cannot be used.
 */
@Command(
        name = "trust",
        mixinStandardHelpOptions = true,
        description = "Trust anchors of partner installations (their root certificates), shared by every node.",
        subcommands = {
            TrustCommand.Add.class,
            TrustCommand.ListAnchors.class,
            TrustCommand.Remove.class,
            TrustCommand.Export.class
        })
public final class TrustCommand {
    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Trust a partner installation's root certificate (PEM or DER) after checking its SHA-256"
                    + " fingerprint against the one the partner gave by telephone or letter.")
    static final class Add implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The partner's root certificate.")
        Path file;

        @Option(
                names = "--name",
                required = true,
                paramLabel = "NAME",
                description = "The anchor's name: lower-case letters, digits, hyphens (e.g. zj-hz-root).")
        String name;

        @Option(
                names = "--fingerprint",
                required = true,
                paramLabel = "SHA256",
                description = "The certificate's SHA-256 fingerprint as the partner read it out (hex, colons and"
                        + " spaces allowed). A certificate with another fingerprint is refused.")
        String fingerprint;

        @Option(
                names = "--by",
                required = true,
                paramLabel = "OPERATOR",
                description = "Who adds it, for the audit journal.")
        String by;

        @Option(
                names = "--halls",
                required = true,
                split = ",",
                paramLabel = "HALL",
                description = "The partner's halls this root vouches for (ids of the reference data, comma-separated):"
                        + " a package or receipt from one of them is checked against it, from any other hall never.")
        List<String> halls;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                err.println("trust add: cannot read " + file + ": " + e.getMessage() + "; nothing stored");
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                TrustAnchors anchors = new TrustAnchors(db.dataSource(), Clock.systemUTC());
                TrustAnchors.Anchor a;
                try {
                    a = anchors.add(name, TrustAnchors.parse(bytes), fingerprint, by, halls);
                } catch (TrustAnchors.Refused e) {
                    err.println("trust add: " + e.problem() + ": " + e.getMessage() + "; nothing stored");
                    return e.problem() == TrustAnchors.Problem.CERTIFICATE_UNREADABLE ? 2 : 1;
                }
                try {
                    audit(store, db, by, AuditAction.TRUST_ADDED, a);
                } catch (RuntimeException e) {
                    // No unaudited trust: take the anchor out again.
                    try {
                        anchors.remove(a.name());
                    } catch (TrustAnchors.Refused gone) {
                        // removed meanwhile
                    }
                    err.println("trust add: cannot write the audit journal: " + e.getMessage() + "; nothing stored");
                    return 2;
                }
                out.println("trusted " + a.name() + ": " + a.subject() + ", valid until " + a.notAfter());
                out.println("SHA-256 " + TrustAnchors.readable(a.sha256()));
                out.println("for halls " + String.join(", ", a.halls())
                        + ": every node of this installation accepts their signatures chaining to it from now on");
                return 0;
            } catch (RuntimeException e) {
                err.println("trust add: cannot use the database: " + e.getMessage() + "; nothing stored");
                return 2;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the partners' trust anchors.")
    static final class ListAnchors implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                List<TrustAnchors.Anchor> all = new TrustAnchors(db.dataSource(), Clock.systemUTC()).list();
                if (all.isEmpty()) {
                    out.println("no partner trust anchors");
                }
                for (TrustAnchors.Anchor a : all) {
                    out.println(a.name() + "\t" + a.subject());
                    out.println("\tSHA-256 " + TrustAnchors.readable(a.sha256()));
                    out.println("\tvalid until " + a.notAfter() + "; added by " + a.addedBy() + " at " + a.addedAt());
                    out.println(
                            "\tvouches for halls " + (a.halls().isEmpty() ? "(none)" : String.join(", ", a.halls())));
                }
                return 0;
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("trust list: cannot use the database: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Stop trusting a partner's root: its signatures are untrusted on every node from now on.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "The anchor's name (trust list).")
        String name;

        @Option(
                names = "--by",
                required = true,
                paramLabel = "OPERATOR",
                description = "Who removes it, for the audit journal.")
        String by;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                TrustAnchors.Anchor a;
                try {
                    a = new TrustAnchors(db.dataSource(), Clock.systemUTC()).remove(name);
                } catch (TrustAnchors.Refused e) {
                    err.println("trust remove: " + e.problem() + ": " + e.getMessage() + "; nothing changed");
                    return 1;
                }
                audit(store, db, by, AuditAction.TRUST_REMOVED, a);
                spec.commandLine().getOut().println("removed " + a.name() + " (" + a.subject() + ")");
                return 0;
            } catch (RuntimeException e) {
                err.println("trust remove: cannot use the database: " + e.getMessage() + "; nothing changed");
                return 2;
            }
        }
    }

    /**
     * Writes this installation's own root (the embedded PKI's) for a partner and prints its fingerprint, which
     * the partner's operator checks with {@code trust add --fingerprint}. Exit 2 when there is none.
     */
    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Write this installation's root certificate (PEM) for a partner hall and print its"
                    + " SHA-256 fingerprint to read out to them.")
    static final class Export implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "Where to write the certificate (PEM).")
        Path outFile;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            List<X509Certificate> root;
            try {
                root = PkiSupport.storedRoot(store.dataDir);
            } catch (IOException e) {
                err.println("trust export: " + e.getMessage());
                return 2;
            }
            if (root.isEmpty()) {
                err.println("trust export: no embedded PKI in " + store.dataDir.toAbsolutePath()
                        + " (start the node once; with an external CA give the partner the province CA's root)");
                return 2;
            }
            X509Certificate cert = root.get(0);
            try {
                String pem = "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(cert.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
                Files.writeString(outFile, pem, StandardCharsets.US_ASCII);
            } catch (IOException | java.security.cert.CertificateEncodingException e) {
                err.println("trust export: cannot write " + outFile + ": " + e.getMessage());
                return 2;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(
                    "wrote " + outFile + ": " + cert.getSubjectX500Principal().getName() + ", valid until "
                            + cert.getNotAfter().toInstant());
            out.println("SHA-256 " + TrustAnchors.readable(TrustAnchors.fingerprint(cert)));
            return 0;
        }
    }

    private static void audit(StoreOptions store, Database db, String by, AuditAction action, TrustAnchors.Anchor a) {
        AuditDetails d = AuditDetails.of(AuditField.ANCHOR, a.name())
                .and(AuditField.FINGERPRINT, a.sha256())
                .and(AuditField.SUBJECT, a.subject())
                .and(AuditField.NOT_AFTER, a.notAfter().toString())
                .and(AuditField.HALL, a.halls().isEmpty() ? null : String.join(",", a.halls()));
        JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()))
                .append("operator:" + by, action.wire(), null, new JsonObject(d.asMap()).encode());
    }
}
