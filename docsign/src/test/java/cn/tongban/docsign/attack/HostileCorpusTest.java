package cn.tongban.docsign.attack;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.verify.Finding;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every attack of issue #10, and the classic ones, against our verifier and against EU DSS. For each
 * case: our verdict must not be VALID, must name the attack with its specific finding (or refuse the
 * file with its specific error code), must arrive within the time budget without any other exception,
 * and must never be more lenient than DSS's — per signature field and for the document. The table of
 * both verdicts is written to {@code target/hostile-corpus.md}.
 */
class HostileCorpusTest {
    private static final List<String> TABLE = new ArrayList<>();

    private static SignedSample s() {
        return SignedSample.get();
    }

    private static PdfVerifier verifier() {
        return new PdfVerifier(List.of(s().pki.rootCertificate()));
    }

    /**
     * One hostile file.
     *
     * @param name what it is
     * @param build makes the file
     * @param expected the finding our report must contain (in a signature or the document), or null
     * @param error the error the verifier must refuse the file with instead, or null
     * @param dssSkipped why DSS is not run on it, or null
     * @param extra further assertions on our report
     */
    record Case(
            String name,
            Supplier<byte[]> build,
            Finding.Code expected,
            DocsignError error,
            String dssSkipped,
            Consumer<VerificationReport> extra) {}

    private static HostileCorpus.RevokedClerk revoked;
    private static byte[] sealedWithRevokedClerk;

    private static synchronized byte[] sealedWithRevokedClerk() {
        if (sealedWithRevokedClerk == null) {
            revoked = HostileCorpus.revokedClerk();
            sealedWithRevokedClerk = HostileCorpus.signedByRevokedClerk(revoked);
        }
        return sealedWithRevokedClerk;
    }

    static List<Case> cases() {
        return List.of(
                new Case(
                        "forged clerk and seal minted by the applicant's own key",
                        HostileCorpus::forgedClerkAndSeal,
                        Finding.Code.CERT_PATH_INVALID,
                        null,
                        null,
                        r -> {
                            assertThat(field(r, "clerk").findings().toString()).contains("CA");
                            assertThat(field(r, "hallSeal").verdict()).isEqualTo(Verdict.INVALID);
                            assertThat(field(r, "applicant").verdict()).isEqualTo(Verdict.VALID);
                        }),
                new Case(
                        "widget with /FT /Sig and a /V, not in /Fields, painting 999.00 over the page",
                        () -> HostileCorpus.overlayWidget(s().sealed),
                        Finding.Code.UNBOUND_ANNOTATION,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "the clerk's signed widget shown a second time on the first page",
                        () -> HostileCorpus.signedWidgetShownAgain(s().sealed),
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        null,
                        null,
                        r -> assertThat(field(r, "applicant").findings().toString())
                                .contains("signed signature widget clerk")),
                new Case(
                        "signature by a revoked clerk (the REVOKED answer in the time-stamped DSS)",
                        HostileCorpusTest::sealedWithRevokedClerk,
                        Finding.Code.REVOKED,
                        null,
                        null,
                        r -> assertThat(field(r, "clerk").revocation()).isEqualTo("REVOKED")),
                new Case(
                        "revoked clerk, then an unsigned DSS update puts an older GOOD answer first",
                        () -> HostileCorpus.staleGoodFirst(sealedWithRevokedClerk(), revoked.goodBefore()),
                        Finding.Code.REVOKED,
                        null,
                        null,
                        r -> {
                            assertThat(field(r, "clerk").revocation()).isEqualTo("REVOKED");
                            assertThat(r.findings())
                                    .extracting(Finding::code)
                                    .contains(Finding.Code.UNSIGNED_VALIDATION_DATA);
                        }),
                new Case(
                        "revoked clerk finishes alone with the GOOD answer saved two days before (freshness)",
                        () -> HostileCorpus.onlyStaleGood(HostileCorpus.revokedClerk()),
                        Finding.Code.REVOCATION_UNKNOWN,
                        null,
                        null,
                        r -> {
                            SignatureReport clerk = field(r, "clerk");
                            assertThat(clerk.revocation()).isEqualTo("UNKNOWN");
                            assertThat(clerk.revocationEvidence())
                                    .anySatisfy(e -> assertThat(e.use()).contains("before the signing time"));
                        }),
                new Case(
                        "REVOKED (backdated) and a newer GOOD, both time-stamped: revoked beats good",
                        HostileCorpus::revokedAndNewerGood,
                        Finding.Code.REVOKED,
                        null,
                        null,
                        r -> assertThat(field(r, "clerk").revocation()).isEqualTo("REVOKED")),
                new Case(
                        "validation data only after the last document time-stamp (no proof of existence)",
                        HostileCorpus::evidenceOnlyAfterLastTimestamp,
                        Finding.Code.REVOCATION_UNKNOWN,
                        null,
                        null,
                        r -> assertThat(field(r, "clerk").revocationEvidence())
                                .anySatisfy(e -> assertThat(e.use()).contains("after the last document time-stamp"))),
                new Case(
                        "later revision holding an unreferenced object",
                        () -> HostileCorpus.unreferencedObject(s().sealed),
                        Finding.Code.UNREFERENCED_OBJECT,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "one empty revision",
                        () -> HostileCorpus.emptyRevisions(s().sealed, 1),
                        Finding.Code.EMPTY_REVISION,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "10 000 empty revisions",
                        () -> HostileCorpus.emptyRevisions(s().sealed, 10_000),
                        Finding.Code.TOO_MANY_REVISIONS,
                        null,
                        null,
                        r -> assertThat(field(r, "hallSeal").findings())
                                .extracting(Finding::code)
                                .contains(Finding.Code.EMPTY_REVISION)),
                new Case(
                        "objects appended without cross-reference data",
                        () -> HostileCorpus.xrefLessAppend(s().sealed),
                        Finding.Code.XREF_LESS_APPEND,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "100 000-object indirect chain",
                        () -> Crashes.deepChain(s().sealed, 100_000),
                        null,
                        DocsignError.PDF_NESTING_LIMIT,
                        null,
                        r -> {}),
                new Case(
                        "DSS listing one 4 MiB stream 10 000 times",
                        () -> Crashes.dssBomb(s().sealed, 10_000),
                        Finding.Code.DSS_INVALID,
                        null,
                        "DSS decodes the stream once per reference (120 GB): still running after 120 s in a trial",
                        r -> {}),
                new Case(
                        "/ByteRange [0 496 9223372036854775800 100]",
                        () -> Crashes.byteRangeOverflow(s().sealed),
                        Finding.Code.BYTE_RANGE_BEYOND_FILE,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "incremental saving attack: white-out drawn on the signed page",
                        () -> HostileCorpus.incrementalSaving(s().sealed),
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        null,
                        null,
                        r -> assertThat(field(r, "applicant").findings().toString())
                                .contains("page 1 changed")),
                new Case(
                        "signature wrapping: the signature dictionary moved out of its signed bytes",
                        () -> HostileCorpus.signatureWrapping(s().sealed),
                        Finding.Code.SIGNATURE_DICTIONARY_UNSIGNED,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "shadow attack (replace): the signed content stream redefined",
                        () -> HostileCorpus.shadowReplace(s().sealed),
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        null,
                        null,
                        r -> {}),
                new Case(
                        "shadow attack (hide-and-replace): signed but unshown content made the page's",
                        () -> HostileCorpus.shadowHideAndReplace(s().sealed),
                        Finding.Code.MODIFIED_AFTER_SIGNING,
                        null,
                        null,
                        r -> {}));
    }

    @TestFactory
    Stream<DynamicTest> everyAttackIsNamedAndNeverMoreLenientThanDss() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(Case c) {
        byte[] pdf = c.build().get();
        long t0 = System.nanoTime();
        VerificationReport ours = null;
        DocsignError refused = null;
        try {
            ours = verifier().verify(pdf);
        } catch (DocsignException e) {
            refused = e.error();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Dss.Outcome dss = c.dssSkipped() == null ? Dss.validate(pdf, s().pki.rootCertificate()) : null;
        String oursText = ours == null ? "refused: " + refused.code() : ours.verdict() + " " + codes(ours);
        String dssText = dss == null
                ? "not run: " + c.dssSkipped()
                : dss.error() != null ? "error: " + dss.error() : dss.worst() + " " + dss.byField();
        TABLE.add("| " + c.name() + " | " + oursText + " | " + dssText + " |");

        if (c.error() != null) {
            assertThat(refused).as(oursText).isEqualTo(c.error());
        } else {
            assertThat(refused).as("refused instead of reported").isNull();
            assertThat(ours.verdict()).as(ours.toJson()).isNotEqualTo(Verdict.VALID);
            assertThat(allCodes(ours)).as(ours.toJson()).contains(c.expected());
            c.extra().accept(ours);
        }
        assertThat(ms).as("CPU-bounded verification, ms").isLessThan(20_000);
        if (dss != null && dss.error() == null) {
            int mine = ours == null ? 0 : rank(ours.verdict());
            assertThat(mine)
                    .as("ours (%s) more lenient than DSS (%s)", oursText, dssText)
                    .isLessThanOrEqualTo(dss.leniency());
            if (ours != null) {
                for (Map.Entry<String, String> e : dss.byField().entrySet()) {
                    for (SignatureReport sig : ours.signatures()) {
                        if (e.getKey() != null && e.getKey().equals(sig.fieldName())) {
                            int theirs = Dss.Outcome.rank(e.getValue().split("/")[0]);
                            assertThat(Math.min(rank(sig.verdict()), mine))
                                    .as("field %s: ours %s, DSS %s", sig.fieldName(), sig.verdict(), e.getValue())
                                    .isLessThanOrEqualTo(theirs);
                        }
                    }
                }
            }
        }
    }

    private static int rank(Verdict v) {
        return switch (v) {
            case VALID -> 3;
            case INDETERMINATE -> 2;
            default -> 1;
        };
    }

    private static SignatureReport field(VerificationReport r, String name) {
        return r.signatures().stream()
                .filter(x -> name.equals(x.fieldName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no field " + name + " in " + r.toJson()));
    }

    private static Set<Finding.Code> allCodes(VerificationReport r) {
        Set<Finding.Code> all = new java.util.TreeSet<>();
        r.findings().forEach(f -> all.add(f.code()));
        r.signatures().forEach(x -> x.findings().forEach(f -> all.add(f.code())));
        return all;
    }

    private static String codes(VerificationReport r) {
        return r.signatures().stream()
                        .map(x -> x.fieldName() + " " + x.verdict() + " "
                                + x.findings().stream()
                                        .map(f -> f.code().name())
                                        .filter(n -> !n.equals("ALLOWED_UPDATE_AFTER_SIGNING"))
                                        .distinct()
                                        .toList())
                        .collect(Collectors.joining("; "))
                + (r.findings().isEmpty()
                        ? ""
                        : "; document "
                                + r.findings().stream()
                                        .map(f -> f.code().name())
                                        .toList());
    }

    @AfterAll
    static void writeTable() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("| attack | our verdict | EU DSS 6.4 |");
        lines.add("|---|---|---|");
        lines.addAll(TABLE);
        Path out = Path.of("target", "hostile-corpus.md");
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
    }
}
